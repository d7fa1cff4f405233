//! The rep's today view (今日待办): follow-ups due today and tomorrow, the
//! overdue ones, customers gone quiet, and contacts' birthdays this week.
//! Computed on the phone from its cache, so it works offline; the app only
//! gathers the facts.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// Company settings for the today view.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TodayRules {
    /// A customer with no activity and no order for this many days is
    /// listed as gone quiet.
    pub quiet_days: u32,
}

impl Default for TodayRules {
    fn default() -> Self {
        TodayRules { quiet_days: 14 }
    }
}

impl TodayRules {
    pub fn check(&self) -> Result<(), String> {
        if !(1..=365).contains(&self.quiet_days) {
            return Err("days without contact must be between 1 and 365".into());
        }
        Ok(())
    }
}

/// One of the rep's customers.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    /// Since when the rep has it (their clock for "gone quiet" starts there).
    pub since: Option<DateTime<Utc>>,
    /// The latest won deal.
    pub last_order: Option<DateTime<Utc>>,
}

/// An activity, as far as the today view cares.
#[derive(Clone, Debug, PartialEq)]
pub struct Touch {
    pub customer_id: Uuid,
    pub at: DateTime<Utc>,
    pub next_follow_up: Option<NaiveDate>,
}

/// A contact with a birthday.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub customer_id: Uuid,
    pub name: String,
    pub birthday: NaiveDate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Due {
    pub customer_id: Uuid,
    pub name: String,
    pub due: NaiveDate,
    /// Days past the date (0 when due today, negative when due later).
    pub days_late: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quiet {
    pub customer_id: Uuid,
    pub name: String,
    /// Days since the last activity or order (or since the rep got it).
    pub days: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Birthday {
    pub customer_id: Uuid,
    pub customer_name: String,
    pub name: String,
    /// This year's (or next year's) date of the birthday.
    pub on: NaiveDate,
    pub in_days: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Today {
    /// Oldest first.
    pub overdue: Vec<Due>,
    pub today: Vec<Due>,
    pub tomorrow: Vec<Due>,
    /// Quietest first.
    pub quiet: Vec<Quiet>,
    /// Soonest first.
    pub birthdays: Vec<Birthday>,
}

/// The date `at` falls on at UTC offset `offset_minutes`.
pub fn local_date(at: DateTime<Utc>, offset_minutes: i32) -> NaiveDate {
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    at.with_timezone(&offset).date_naive()
}

/// Each customer's pending follow-up: the date set by its latest activity.
/// A later activity without a date means the follow-up happened.
pub fn pending_follow_ups(touches: &[Touch]) -> HashMap<Uuid, NaiveDate> {
    let mut latest: HashMap<Uuid, &Touch> = HashMap::new();
    for t in touches {
        let slot = latest.entry(t.customer_id).or_insert(t);
        if t.at > slot.at {
            *slot = t;
        }
    }
    latest
        .into_iter()
        .filter_map(|(id, t)| Some((id, t.next_follow_up?)))
        .collect()
}

/// The today view for `accounts` on local date `today`.
pub fn today_view(
    rules: &TodayRules,
    today: NaiveDate,
    offset_minutes: i32,
    accounts: &[Account],
    touches: &[Touch],
    people: &[Person],
) -> Today {
    let names: HashMap<Uuid, &Account> = accounts.iter().map(|a| (a.id, a)).collect();
    let mut view = Today::default();
    for (id, due) in pending_follow_ups(touches) {
        let Some(account) = names.get(&id) else {
            continue;
        };
        let entry = Due {
            customer_id: id,
            name: account.name.clone(),
            due,
            days_late: (today - due).num_days(),
        };
        match entry.days_late {
            0 => view.today.push(entry),
            -1 => view.tomorrow.push(entry),
            d if d > 0 => view.overdue.push(entry),
            _ => {}
        }
    }
    let mut last_touch: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for t in touches {
        let slot = last_touch.entry(t.customer_id).or_insert(t.at);
        *slot = (*slot).max(t.at);
    }
    for a in accounts {
        let last = [last_touch.get(&a.id).copied(), a.last_order]
            .into_iter()
            .flatten()
            .max();
        let Some(since) = last.or(a.since) else {
            continue;
        };
        let days = (today - local_date(since, offset_minutes)).num_days();
        if days >= i64::from(rules.quiet_days) {
            view.quiet.push(Quiet {
                customer_id: a.id,
                name: a.name.clone(),
                days,
            });
        }
    }
    for p in people {
        let Some(account) = names.get(&p.customer_id) else {
            continue;
        };
        let Some(on) = next_birthday(p.birthday, today) else {
            continue;
        };
        let in_days = (on - today).num_days();
        if in_days < 7 {
            view.birthdays.push(Birthday {
                customer_id: p.customer_id,
                customer_name: account.name.clone(),
                name: p.name.clone(),
                on,
                in_days,
            });
        }
    }
    let by_name = |a: &str, b: &str| a.cmp(b);
    view.overdue
        .sort_by(|a, b| a.due.cmp(&b.due).then_with(|| by_name(&a.name, &b.name)));
    view.today.sort_by(|a, b| by_name(&a.name, &b.name));
    view.tomorrow.sort_by(|a, b| by_name(&a.name, &b.name));
    view.quiet
        .sort_by(|a, b| b.days.cmp(&a.days).then_with(|| by_name(&a.name, &b.name)));
    view.birthdays
        .sort_by(|a, b| a.on.cmp(&b.on).then_with(|| by_name(&a.name, &b.name)));
    view
}

/// The first birthday on or after `today`; 29 February is kept on 28
/// February in other years.
pub fn next_birthday(birthday: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let in_year = |year: i32| {
        NaiveDate::from_ymd_opt(year, birthday.month(), birthday.day()).or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
    };
    let this_year = in_year(today.year())?;
    if this_year >= today {
        Some(this_year)
    } else {
        in_year(today.year() + 1)
    }
}

/// The date `days` after `today` (for "tomorrow" labels).
pub fn days_after(today: NaiveDate, days: i64) -> NaiveDate {
    today + Duration::days(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEIJING: i32 = 8 * 60;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn time(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn account(n: u128, name: &str, since: &str) -> Account {
        Account {
            id: id(n),
            name: name.into(),
            since: Some(time(since)),
            last_order: None,
        }
    }

    fn touch(n: u128, at: &str, next: Option<&str>) -> Touch {
        Touch {
            customer_id: id(n),
            at: time(at),
            next_follow_up: next.map(date),
        }
    }

    #[test]
    fn follow_ups_fall_into_overdue_today_and_tomorrow() {
        let accounts = [
            account(1, "华信科技", "2026-10-01T00:00:00Z"),
            account(2, "恒达机械", "2026-10-01T00:00:00Z"),
            account(3, "博远电子", "2026-10-01T00:00:00Z"),
            account(4, "天成物流", "2026-10-01T00:00:00Z"),
        ];
        let touches = [
            touch(1, "2026-11-10T02:00:00Z", Some("2026-11-20")),
            touch(2, "2026-11-20T02:00:00Z", Some("2026-11-23")),
            touch(3, "2026-11-21T02:00:00Z", Some("2026-11-24")),
            touch(4, "2026-11-21T02:00:00Z", Some("2026-12-24")),
        ];
        let view = today_view(
            &TodayRules::default(),
            date("2026-11-23"),
            BEIJING,
            &accounts,
            &touches,
            &[],
        );
        assert_eq!(view.overdue.len(), 1);
        assert_eq!(
            (view.overdue[0].name.as_str(), view.overdue[0].days_late),
            ("华信科技", 3)
        );
        assert_eq!(view.today[0].name, "恒达机械");
        assert_eq!(view.tomorrow[0].name, "博远电子");
        assert!(view.quiet.is_empty(), "{:?}", view.quiet);
    }

    #[test]
    fn a_later_activity_settles_or_moves_the_follow_up() {
        let accounts = [account(1, "华信科技", "2026-10-01T00:00:00Z")];
        let done = [
            touch(1, "2026-11-10T02:00:00Z", Some("2026-11-20")),
            touch(1, "2026-11-21T02:00:00Z", None),
        ];
        let view = today_view(
            &TodayRules::default(),
            date("2026-11-23"),
            BEIJING,
            &accounts,
            &done,
            &[],
        );
        assert!(view.overdue.is_empty());
        let moved = [
            touch(1, "2026-11-21T02:00:00Z", Some("2026-11-24")),
            touch(1, "2026-11-10T02:00:00Z", Some("2026-11-20")),
        ];
        let view = today_view(
            &TodayRules::default(),
            date("2026-11-23"),
            BEIJING,
            &accounts,
            &moved,
            &[],
        );
        assert!(view.overdue.is_empty());
        assert_eq!(view.tomorrow.len(), 1);
    }

    #[test]
    fn only_the_reps_own_customers_are_listed() {
        let touches = [touch(9, "2026-11-10T02:00:00Z", Some("2026-11-20"))];
        let view = today_view(&TodayRules::default(), date("2026-11-23"), BEIJING, &[], &touches, &[]);
        assert_eq!(view, Today::default());
    }

    #[test]
    fn quiet_customers_count_from_the_last_activity_order_or_handover() {
        let mut ordered = account(2, "恒达机械", "2026-01-01T00:00:00Z");
        ordered.last_order = Some(time("2026-11-20T00:00:00Z"));
        let accounts = [
            account(1, "华信科技", "2026-01-01T00:00:00Z"),
            ordered,
            account(3, "新到手", "2026-11-20T00:00:00Z"),
            account(4, "久未联系", "2026-01-01T00:00:00Z"),
        ];
        let touches = [
            touch(1, "2026-11-01T02:00:00Z", None),
            touch(4, "2026-09-01T02:00:00Z", None),
        ];
        let view = today_view(
            &TodayRules::default(),
            date("2026-11-23"),
            BEIJING,
            &accounts,
            &touches,
            &[],
        );
        let quiet: Vec<(&str, i64)> = view.quiet.iter().map(|q| (q.name.as_str(), q.days)).collect();
        assert_eq!(quiet, vec![("久未联系", 83), ("华信科技", 22)]);
    }

    #[test]
    fn days_are_counted_in_local_time() {
        // 23:30 on the 22nd in Beijing is still the 22nd there.
        let at = time("2026-11-22T15:30:00Z");
        assert_eq!(local_date(at, BEIJING), date("2026-11-22"));
        assert_eq!(local_date(time("2026-11-22T16:30:00Z"), BEIJING), date("2026-11-23"));
    }

    #[test]
    fn birthdays_in_the_coming_week_including_across_new_year_and_leap_days() {
        let accounts = [account(1, "华信科技", "2026-01-01T00:00:00Z")];
        let person = |name: &str, b: &str| Person {
            customer_id: id(1),
            name: name.into(),
            birthday: date(b),
        };
        let people = [
            person("王芳", "1985-11-25"),
            person("李伟", "1990-11-22"),
            person("赵敏", "1979-12-01"),
        ];
        let view = today_view(
            &TodayRules::default(),
            date("2026-11-23"),
            BEIJING,
            &accounts,
            &[],
            &people,
        );
        let listed: Vec<(&str, i64)> = view.birthdays.iter().map(|b| (b.name.as_str(), b.in_days)).collect();
        assert_eq!(listed, vec![("王芳", 2)]);
        assert_eq!(
            next_birthday(date("1990-01-02"), date("2026-12-30")),
            Some(date("2027-01-02"))
        );
        assert_eq!(
            next_birthday(date("1992-02-29"), date("2027-02-20")),
            Some(date("2027-02-28"))
        );
        assert_eq!(
            next_birthday(date("1992-02-29"), date("2028-02-20")),
            Some(date("2028-02-29"))
        );
    }

    #[test]
    fn rules_are_validated() {
        assert!(TodayRules::default().check().is_ok());
        assert!(TodayRules { quiet_days: 0 }.check().is_err());
    }
}
