//! Field visits (外勤签到): where a rep checked in, how far that was from the
//! customer, whether the fix can be trusted, how long the visit lasted.
//! The app computes a check-in's distance with these rules; managers' views
//! flag it with the same rules, so a flag means the same everywhere.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A place on Earth in WGS-84 degrees, as browsers report it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint")]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawPoint> for GeoPoint {
    type Error = String;
    fn try_from(raw: RawPoint) -> Result<Self, Self::Error> {
        GeoPoint::new(raw.lat, raw.lon)
    }
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Result<GeoPoint, String> {
        if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
            return Err(format!("latitude {lat} is not between -90 and 90"));
        }
        if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
            return Err(format!("longitude {lon} is not between -180 and 180"));
        }
        Ok(GeoPoint { lat, lon })
    }

    /// Great-circle (haversine) distance in metres; good to a fraction of a
    /// percent, far better than a phone's fix.
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
    }
}

/// The `n` places nearest to `here`, nearest first, with their distances
/// in metres ("visit a nearby customer").
pub fn nearest<T>(here: GeoPoint, places: impl IntoIterator<Item = (T, GeoPoint)>, n: usize) -> Vec<(T, f64)> {
    let mut by_distance: Vec<(T, f64)> = places.into_iter().map(|(t, p)| (t, here.distance_m(p))).collect();
    by_distance.sort_by(|a, b| a.1.total_cmp(&b.1));
    by_distance.truncate(n);
    by_distance
}

/// Company settings for check-ins.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRules {
    /// A check-in farther than this from the customer is flagged.
    pub radius_m: u32,
    /// A fix less precise than this is flagged and cannot set a location.
    pub max_accuracy_m: u32,
}

impl Default for VisitRules {
    fn default() -> Self {
        VisitRules {
            radius_m: 500,
            max_accuracy_m: 100,
        }
    }
}

impl VisitRules {
    pub fn check(&self) -> Result<(), String> {
        if !(50..=50_000).contains(&self.radius_m) {
            return Err("the check-in radius must be between 50 m and 50 km".into());
        }
        if !(10..=5_000).contains(&self.max_accuracy_m) {
            return Err("the accuracy limit must be between 10 m and 5 km".into());
        }
        Ok(())
    }
}

/// The check-in part of a visit activity. The activity's `at` is the
/// check-in time; the distance is kept as measured then, because the
/// customer's recorded location may change later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawVisit")]
pub struct Visit {
    pub point: GeoPoint,
    /// The fix's accuracy radius in metres, as the browser reported it.
    pub accuracy_m: f64,
    /// Distance to the customer's recorded location, if it had one.
    #[serde(default)]
    pub distance_m: Option<f64>,
    /// When the rep checked out.
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The stamped photo taken during the visit, uploaded separately.
    #[serde(default)]
    pub photo_id: Option<Uuid>,
}

#[derive(Deserialize)]
struct RawVisit {
    point: GeoPoint,
    accuracy_m: f64,
    #[serde(default)]
    distance_m: Option<f64>,
    #[serde(default)]
    ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    photo_id: Option<Uuid>,
}

impl TryFrom<RawVisit> for Visit {
    type Error = String;
    fn try_from(raw: RawVisit) -> Result<Self, Self::Error> {
        if !(raw.accuracy_m.is_finite() && raw.accuracy_m >= 0.0) {
            return Err("a check-in's accuracy must be a distance in metres".into());
        }
        if raw.distance_m.is_some_and(|d| !(d.is_finite() && d >= 0.0)) {
            return Err("a check-in's distance must be a distance in metres".into());
        }
        Ok(Visit {
            point: raw.point,
            accuracy_m: raw.accuracy_m,
            distance_m: raw.distance_m,
            ended_at: raw.ended_at,
            photo_id: raw.photo_id,
        })
    }
}

/// Why a check-in deserves a second look. Flagged, never refused: a rep
/// in a basement or at a new address still logs the visit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "flag")]
pub enum VisitFlag {
    /// Farther from the customer than the radius.
    Far { distance_m: f64 },
    /// The fix was too imprecise to tell.
    PoorAccuracy { accuracy_m: f64 },
    /// The customer has no recorded location to compare with.
    NoLocation,
}

impl Visit {
    /// A check-in at `point` (accuracy `accuracy_m`) at a customer recorded
    /// at `customer` (if anywhere).
    pub fn check_in(point: GeoPoint, accuracy_m: f64, customer: Option<GeoPoint>) -> Visit {
        Visit {
            point,
            accuracy_m: accuracy_m.max(0.0),
            distance_m: customer.map(|c| point.distance_m(c)),
            ended_at: None,
            photo_id: None,
        }
    }

    pub fn flags(&self, rules: &VisitRules) -> Vec<VisitFlag> {
        let mut flags = Vec::new();
        match self.distance_m {
            Some(d) if d > f64::from(rules.radius_m) => flags.push(VisitFlag::Far { distance_m: d }),
            Some(_) => {}
            None => flags.push(VisitFlag::NoLocation),
        }
        if self.accuracy_m > f64::from(rules.max_accuracy_m) {
            flags.push(VisitFlag::PoorAccuracy {
                accuracy_m: self.accuracy_m,
            });
        }
        flags
    }

    /// Whether this check-in is good enough to become the customer's
    /// location, when the customer has none yet (the rep still confirms).
    pub fn may_set_location(&self, rules: &VisitRules) -> bool {
        self.distance_m.is_none() && self.accuracy_m <= f64::from(rules.max_accuracy_m)
    }

    /// How long the visit lasted, once checked out.
    pub fn duration(&self, started: DateTime<Utc>) -> Option<Duration> {
        self.ended_at.map(|end| end - started)
    }
}

/// Measures a pushed visit's distance again against the customer's stored
/// location (`customer`'s `location` field), replacing whatever figure the
/// device sent: the flags a manager sees must not be forgeable.
pub fn remeasure(activity: &mut crate::entity::FieldMap, customer: &crate::entity::FieldMap) {
    let Some(raw) = activity.get("visit").filter(|v| !v.is_null()) else {
        return;
    };
    let Ok(mut visit) = serde_json::from_value::<Visit>(raw.clone()) else {
        return;
    };
    let location = customer
        .get("location")
        .and_then(|l| serde_json::from_value::<GeoPoint>(l.clone()).ok());
    visit.distance_m = location.map(|c| visit.point.distance_m(c));
    if let Ok(value) = serde_json::to_value(&visit) {
        activity.insert("visit".into(), value);
    }
}

/// Checks a check-out time against the check-in time.
pub fn check_out(started: DateTime<Utc>, ended: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if ended < started {
        return Err("a visit cannot end before it started".into());
    }
    if ended - started > Duration::hours(24) {
        return Err("a visit cannot last more than a day; check in again".into());
    }
    Ok(ended)
}

/// The check-out time to record when a rep checks out at `now`: never
/// before the check-in (a clock set back) and at most a day after it (a
/// visit forgotten overnight), so the visit can always be saved.
pub fn clamp_check_out(started: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    now.clamp(started, started + Duration::hours(24))
}

/// "1 h 05 min", "12 min".
pub fn format_duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m:02} min"),
    }
}

/// "350 m", "2.4 km".
pub fn format_distance(metres: f64) -> String {
    if metres < 1000.0 {
        format!("{} m", metres.round() as i64)
    } else {
        format!("{:.1} km", metres / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 北京国贸 and 北京西站, about 11.9 km apart.
    const GUOMAO: (f64, f64) = (39.9087, 116.4605);
    const WEST_STATION: (f64, f64) = (39.8946, 116.3220);

    fn p((lat, lon): (f64, f64)) -> GeoPoint {
        GeoPoint::new(lat, lon).unwrap()
    }

    #[test]
    fn distance_between_known_places_is_right() {
        let d = p(GUOMAO).distance_m(p(WEST_STATION));
        assert!((11_800.0..12_050.0).contains(&d), "{d}");
        assert_eq!(p(GUOMAO).distance_m(p(GUOMAO)), 0.0);
        // 0.001° of latitude is about 111 m everywhere.
        let d = p((31.2304, 121.4737)).distance_m(p((31.2314, 121.4737)));
        assert!((110.0..112.5).contains(&d), "{d}");
    }

    #[test]
    fn coordinates_out_of_range_are_refused() {
        assert!(GeoPoint::new(91.0, 0.0).is_err());
        assert!(GeoPoint::new(0.0, -181.0).is_err());
        assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
        let err = serde_json::from_str::<GeoPoint>(r#"{"lat": 100, "lon": 1}"#).unwrap_err();
        assert!(err.to_string().contains("latitude 100"), "{err}");
    }

    #[test]
    fn near_check_in_is_clean_far_one_is_flagged_not_refused() {
        let rules = VisitRules::default();
        let customer = p(GUOMAO);
        let near = Visit::check_in(p((39.9100, 116.4610)), 20.0, Some(customer));
        assert!(near.flags(&rules).is_empty(), "{:?}", near.flags(&rules));
        let far = Visit::check_in(p(WEST_STATION), 20.0, Some(customer));
        assert!(matches!(far.flags(&rules)[..], [VisitFlag::Far { distance_m }] if distance_m > 10_000.0));
    }

    #[test]
    fn poor_accuracy_and_missing_location_are_flagged() {
        let rules = VisitRules::default();
        let blurry = Visit::check_in(p(GUOMAO), 800.0, Some(p(GUOMAO)));
        assert_eq!(
            blurry.flags(&rules),
            vec![VisitFlag::PoorAccuracy { accuracy_m: 800.0 }]
        );
        let nowhere = Visit::check_in(p(GUOMAO), 15.0, None);
        assert_eq!(nowhere.flags(&rules), vec![VisitFlag::NoLocation]);
    }

    #[test]
    fn only_a_precise_check_in_at_an_unplaced_customer_may_set_its_location() {
        let rules = VisitRules::default();
        assert!(Visit::check_in(p(GUOMAO), 30.0, None).may_set_location(&rules));
        assert!(!Visit::check_in(p(GUOMAO), 300.0, None).may_set_location(&rules));
        assert!(!Visit::check_in(p(GUOMAO), 30.0, Some(p(WEST_STATION))).may_set_location(&rules));
    }

    #[test]
    fn check_out_must_follow_check_in_within_a_day() {
        let start: DateTime<Utc> = "2026-11-23T02:00:00Z".parse().unwrap();
        assert!(check_out(start, start + Duration::minutes(45)).is_ok());
        assert!(check_out(start, start - Duration::minutes(1)).is_err());
        assert!(check_out(start, start + Duration::hours(25)).is_err());
        // What the app records instead always passes.
        for now in [start - Duration::minutes(5), start + Duration::hours(30)] {
            assert!(check_out(start, clamp_check_out(start, now)).is_ok());
        }
        let mut v = Visit::check_in(p(GUOMAO), 10.0, None);
        v.ended_at = Some(start + Duration::minutes(65));
        assert_eq!(format_duration(v.duration(start).unwrap()), "1 h 05 min");
        assert_eq!(format_duration(Duration::minutes(12)), "12 min");
    }

    #[test]
    fn nearest_customers_come_first() {
        let places = [
            ("西站", p(WEST_STATION)),
            ("国贸", p(GUOMAO)),
            ("三里屯", p((39.9365, 116.4540))),
        ];
        let near = nearest(p((39.9100, 116.4610)), places, 2);
        let names: Vec<&str> = near.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["国贸", "三里屯"]);
        assert!(near[0].1 < 200.0, "{}", near[0].1);
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(format_distance(349.6), "350 m");
        assert_eq!(format_distance(2_440.0), "2.4 km");
    }

    #[test]
    fn rules_are_validated() {
        assert!(VisitRules::default().check().is_ok());
        assert!(VisitRules {
            radius_m: 0,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(VisitRules {
            max_accuracy_m: 0,
            ..Default::default()
        }
        .check()
        .is_err());
    }
}
