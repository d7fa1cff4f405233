//! The customer pool (公海): who may claim or release a customer, when an
//! owned customer goes back automatically, and how a departed rep's book is
//! shared out. Pure: the server gathers the facts, these functions decide.

use crate::customer::{Customer, Grade};
use crate::ids::UserId;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest period any pool rule counts in days: ten years.
pub const MAX_DAYS: u32 = 3650;

/// Pool rules, set by an admin. Defaults are the common practice in Chinese
/// CRMs (see the seeds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolRules {
    /// Most customers a rep may own before claiming more is refused.
    pub max_owned: u32,
    /// Claims per rep per calendar day (in `utc_offset_minutes`).
    pub max_claims_per_day: u32,
    /// A rep cannot re-claim a customer they released or lost this recently.
    pub reclaim_after_days: u32,
    /// Back to the pool after this many days without a follow-up (0: never).
    pub follow_up_days: u32,
    /// Back to the pool after this many days without a won deal (0: never).
    pub deal_days: u32,
    /// Per-grade replacements for the two limits above.
    pub grade_overrides: BTreeMap<Grade, ReturnLimits>,
    /// Locked customers never return automatically.
    pub exempt_locked: bool,
    /// Customers with an open contract never return automatically.
    pub exempt_open_contracts: bool,
    /// Reps are warned this many days before a customer returns.
    pub warn_days: u32,
    /// The company's time zone, for "per day" limits.
    pub utc_offset_minutes: i32,
}

impl Default for PoolRules {
    fn default() -> Self {
        PoolRules {
            max_owned: 200,
            max_claims_per_day: 20,
            reclaim_after_days: 30,
            follow_up_days: 30,
            deal_days: 90,
            grade_overrides: BTreeMap::new(),
            exempt_locked: true,
            exempt_open_contracts: true,
            warn_days: 3,
            utc_offset_minutes: 8 * 60,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLimits {
    pub follow_up_days: u32,
    pub deal_days: u32,
}

impl PoolRules {
    /// Checks an admin's edit; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_owned == 0 {
            return Err("the owned-customer cap must be at least 1".into());
        }
        if !(-14 * 60..=14 * 60).contains(&self.utc_offset_minutes) {
            return Err("the time zone offset must be between -14:00 and +14:00".into());
        }
        if self.warn_days > 365 || self.reclaim_after_days > 3650 {
            return Err("warning and re-claim periods must be under a year and ten years".into());
        }
        let periods = [(self.follow_up_days, self.deal_days)]
            .into_iter()
            .chain(self.grade_overrides.values().map(|l| (l.follow_up_days, l.deal_days)));
        for (follow_up, deal) in periods {
            if follow_up > MAX_DAYS || deal > MAX_DAYS {
                return Err(format!("return periods must be at most {MAX_DAYS} days (ten years)"));
            }
        }
        if self.max_owned > 1_000_000 || self.max_claims_per_day > 100_000 {
            return Err("the caps must be at most 1,000,000 customers and 100,000 claims a day".into());
        }
        Ok(())
    }

    fn limits(&self, grade: Option<Grade>) -> ReturnLimits {
        grade
            .and_then(|g| self.grade_overrides.get(&g).copied())
            .unwrap_or(ReturnLimits {
                follow_up_days: self.follow_up_days,
                deal_days: self.deal_days,
            })
    }

    /// Midnight at the start of `now`'s day in the company's time zone.
    /// The company's calendar date at `now`.
    pub fn local_date(&self, now: DateTime<Utc>) -> chrono::NaiveDate {
        let offset = FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).unwrap());
        now.with_timezone(&offset).date_naive()
    }

    pub fn day_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let offset = FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).unwrap());
        self.local_date(now)
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now)
    }
}

/// What the server knows when a rep claims a pool customer.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimFacts {
    /// The customer's current owner (`None`: it is in the pool).
    pub owner: Option<UserId>,
    /// Customers the rep owns now.
    pub owned: u32,
    /// Claims the rep made since the start of today.
    pub claims_today: u32,
    /// When this rep last released or lost this customer.
    pub last_lost: Option<DateTime<Utc>>,
}

/// Whether `rep` may claim a customer now; `Err` says why not.
pub fn check_claim(rules: &PoolRules, rep: UserId, facts: &ClaimFacts, now: DateTime<Utc>) -> Result<(), String> {
    match facts.owner {
        Some(o) if o == rep => return Err("you already own this customer".into()),
        Some(_) => return Err("another rep claimed this customer first".into()),
        None => {}
    }
    if facts.owned >= rules.max_owned {
        return Err(format!(
            "you already own {} customers, the most allowed; release one to claim another",
            facts.owned
        ));
    }
    if facts.claims_today >= rules.max_claims_per_day {
        return Err(format!(
            "you have made {} claims today, the daily limit; try again tomorrow",
            facts.claims_today
        ));
    }
    if let Some(lost) = facts.last_lost {
        let allowed = lost + Duration::days(i64::from(rules.reclaim_after_days));
        if now < allowed {
            return Err(format!(
                "you gave up this customer on {}; you can claim it again from {}",
                lost.format("%Y-%m-%d"),
                allowed.format("%Y-%m-%d")
            ));
        }
    }
    Ok(())
}

/// Longest release reason, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// A release reason, trimmed; `Err` if missing or too long.
pub fn release_reason(reason: &str) -> Result<String, String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err("say why you are releasing this customer".into());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(format!("keep the reason under {MAX_REASON_CHARS} characters"));
    }
    Ok(reason.to_owned())
}

/// What decides when an owned customer goes back to the pool.
#[derive(Clone, Debug, PartialEq)]
pub struct ReturnFacts {
    pub grade: Option<Grade>,
    pub locked: bool,
    pub open_contract: bool,
    /// When the current owner got the customer.
    pub owner_since: DateTime<Utc>,
    pub last_activity: Option<DateTime<Utc>>,
    pub last_won_deal: Option<DateTime<Utc>>,
}

impl ReturnFacts {
    /// What a device knows from a cached customer and the newest activity
    /// it holds for it; `None` for a customer without an owner.
    pub fn of(customer: &Customer, newest_activity: Option<DateTime<Utc>>) -> Option<ReturnFacts> {
        customer.owner_id?;
        Some(ReturnFacts {
            grade: customer.grade,
            locked: customer.locked,
            open_contract: customer.open_contract,
            owner_since: customer.owner_since?,
            last_activity: customer.last_activity_at.max(newest_activity),
            last_won_deal: customer.last_won_at,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    NoFollowUp,
    NoDeal,
}

impl ReturnReason {
    pub fn describe(self, days: u32) -> String {
        match self {
            ReturnReason::NoFollowUp => format!("no follow-up for {days} days"),
            ReturnReason::NoDeal => format!("no won deal for {days} days"),
        }
    }
}

/// When the customer goes back to the pool if nothing happens, and why;
/// `None` if it never does. Each clock starts at the later of its event and
/// the time the owner got the customer.
pub fn return_due(rules: &PoolRules, facts: &ReturnFacts) -> Option<(DateTime<Utc>, ReturnReason, u32)> {
    if (facts.locked && rules.exempt_locked) || (facts.open_contract && rules.exempt_open_contracts) {
        return None;
    }
    let limits = rules.limits(facts.grade);
    let since = |event: Option<DateTime<Utc>>| event.map_or(facts.owner_since, |e| e.max(facts.owner_since));
    let follow = (limits.follow_up_days > 0).then(|| {
        (
            since(facts.last_activity) + Duration::days(limits.follow_up_days.into()),
            ReturnReason::NoFollowUp,
            limits.follow_up_days,
        )
    });
    let deal = (limits.deal_days > 0).then(|| {
        (
            since(facts.last_won_deal) + Duration::days(limits.deal_days.into()),
            ReturnReason::NoDeal,
            limits.deal_days,
        )
    });
    [follow, deal].into_iter().flatten().min_by_key(|(at, _, _)| *at)
}

/// Whether the customer should go back now.
pub fn should_return(rules: &PoolRules, facts: &ReturnFacts, now: DateTime<Utc>) -> Option<String> {
    let (at, reason, days) = return_due(rules, facts)?;
    (at <= now).then(|| reason.describe(days))
}

/// Whether the owner should be warned now that the customer returns soon.
pub fn returns_soon(rules: &PoolRules, facts: &ReturnFacts, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (at, _, _) = return_due(rules, facts)?;
    (at > now && at - now <= Duration::days(rules.warn_days.into())).then_some(at)
}

/// What happens to a departed rep's customers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Handover {
    /// Everything to one rep.
    ToOne { to: UserId },
    /// Spread over these reps so that their books end up as even as possible.
    Spread { to: Vec<UserId> },
    /// Released to the pool.
    Pool,
}

/// Who gets a departing rep's leads: the one receiver, or the
/// receivers in turn; with the book going to the pool, the manager who
/// closes the account (a lead has no pool).
pub fn plan_lead_handover(leads: &[Uuid], handover: &Handover, by: UserId) -> Vec<(Uuid, UserId)> {
    let receivers: Vec<UserId> = match handover {
        Handover::ToOne { to } => vec![*to],
        Handover::Spread { to } if !to.is_empty() => to.clone(),
        Handover::Spread { .. } | Handover::Pool => vec![by],
    };
    leads
        .iter()
        .enumerate()
        .map(|(i, lead)| (*lead, receivers[i % receivers.len()]))
        .collect()
}

/// Who gets each customer. `targets` pairs each receiving rep with the
/// number of customers they own now; spreading gives each customer to the
/// rep with the fewest so far (ties: the order given), which evens the books
/// out. Customers are handed out in the order given.
pub fn plan_handover(
    customers: &[Uuid],
    handover: &Handover,
    targets: &[(UserId, u64)],
) -> Result<Vec<(Uuid, Option<UserId>)>, String> {
    match handover {
        Handover::Pool => Ok(customers.iter().map(|c| (*c, None)).collect()),
        Handover::ToOne { to } => Ok(customers.iter().map(|c| (*c, Some(*to))).collect()),
        Handover::Spread { to } => {
            if to.is_empty() {
                return Err("choose at least one rep to receive the customers".into());
            }
            let mut load: Vec<(UserId, u64)> = to
                .iter()
                .map(|u| (*u, targets.iter().find(|(t, _)| t == u).map_or(0, |(_, n)| *n)))
                .collect();
            let mut plan = Vec::with_capacity(customers.len());
            for c in customers {
                let slot = load
                    .iter_mut()
                    .enumerate()
                    .min_by_key(|(i, (_, n))| (*n, *i))
                    .map(|(_, slot)| slot)
                    .expect("at least one target");
                slot.1 += 1;
                plan.push((*c, Some(slot.0)));
            }
            Ok(plan)
        }
    }
}

/// The summary a pool customer shows to every rep: enough to decide whether
/// to claim it, nothing more. Server-made; its id is the customer's id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoolEntry {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    pub pooled_at: DateTime<Utc>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + day * 86_400, 0).unwrap() // 2026-01-01 + day
    }

    fn rep() -> UserId {
        UserId(Uuid::now_v7())
    }

    fn facts(owned: u32, claims_today: u32, last_lost: Option<DateTime<Utc>>) -> ClaimFacts {
        ClaimFacts {
            owner: None,
            owned,
            claims_today,
            last_lost,
        }
    }

    #[test]
    fn rules_refuse_periods_that_could_overflow_a_date() {
        let mut rules = PoolRules {
            follow_up_days: u32::MAX,
            ..PoolRules::default()
        };
        assert!(rules.validate().unwrap_err().contains("at most 3650"));
        rules.follow_up_days = 30;
        rules.grade_overrides.insert(
            Grade::A,
            ReturnLimits {
                follow_up_days: 30,
                deal_days: 4000,
            },
        );
        assert!(rules.validate().is_err());
        assert!(PoolRules::default().validate().is_ok());
    }

    #[test]
    fn claim_within_limits_is_allowed() {
        assert_eq!(
            check_claim(&PoolRules::default(), rep(), &facts(10, 3, None), t(0)),
            Ok(())
        );
    }

    #[test]
    fn claim_of_an_owned_customer_says_someone_was_first() {
        let (me, other) = (rep(), rep());
        let mut f = facts(0, 0, None);
        f.owner = Some(other);
        assert!(check_claim(&PoolRules::default(), me, &f, t(0))
            .unwrap_err()
            .contains("first"));
        f.owner = Some(me);
        assert!(check_claim(&PoolRules::default(), me, &f, t(0))
            .unwrap_err()
            .contains("already own"));
    }

    #[test]
    fn owned_cap_and_daily_claims_are_limits() {
        let rules = PoolRules::default();
        assert!(check_claim(&rules, rep(), &facts(200, 0, None), t(0))
            .unwrap_err()
            .contains("200"));
        assert!(check_claim(&rules, rep(), &facts(199, 0, None), t(0)).is_ok());
        assert!(check_claim(&rules, rep(), &facts(0, 20, None), t(0))
            .unwrap_err()
            .contains("daily"));
        assert!(check_claim(&rules, rep(), &facts(0, 19, None), t(0)).is_ok());
    }

    #[test]
    fn reclaim_waits_out_the_cooldown() {
        let rules = PoolRules::default();
        let err = check_claim(&rules, rep(), &facts(0, 0, Some(t(0))), t(29)).unwrap_err();
        assert!(err.contains("2026-01-31"), "{err}");
        assert!(check_claim(&rules, rep(), &facts(0, 0, Some(t(0))), t(30)).is_ok());
    }

    #[test]
    fn day_starts_at_company_midnight() {
        let rules = PoolRules::default(); // UTC+8
        let now = DateTime::parse_from_rfc3339("2026-03-05T17:30:00Z").unwrap().to_utc(); // 01:30 on the 6th in Beijing
        assert_eq!(rules.day_start(now).to_rfc3339(), "2026-03-05T16:00:00+00:00");
    }

    fn owned(since: i64, activity: Option<i64>) -> ReturnFacts {
        ReturnFacts {
            grade: None,
            locked: false,
            open_contract: false,
            owner_since: t(since),
            last_activity: activity.map(t),
            last_won_deal: None,
        }
    }

    #[test]
    fn customer_returns_after_follow_up_days_from_the_later_of_claim_and_activity() {
        let rules = PoolRules::default();
        assert_eq!(should_return(&rules, &owned(0, None), t(29)), None);
        assert_eq!(
            should_return(&rules, &owned(0, None), t(30)).unwrap(),
            "no follow-up for 30 days"
        );
        // An activity before the claim does not shorten the clock.
        assert_eq!(should_return(&rules, &owned(10, Some(2)), t(39)), None);
        assert!(should_return(&rules, &owned(10, Some(25)), t(54)).is_none());
        assert!(should_return(&rules, &owned(10, Some(25)), t(55)).is_some());
    }

    #[test]
    fn customer_without_a_won_deal_returns_even_when_followed_up() {
        let rules = PoolRules::default();
        let f = owned(0, Some(89));
        assert_eq!(should_return(&rules, &f, t(90)).unwrap(), "no won deal for 90 days");
        let mut won = f.clone();
        won.last_won_deal = Some(t(80));
        assert_eq!(should_return(&rules, &won, t(100)), None);
    }

    #[test]
    fn grade_overrides_locks_and_open_contracts() {
        let mut rules = PoolRules::default();
        rules.grade_overrides.insert(
            Grade::A,
            ReturnLimits {
                follow_up_days: 60,
                deal_days: 0,
            },
        );
        let mut a = owned(0, None);
        a.grade = Some(Grade::A);
        assert_eq!(should_return(&rules, &a, t(59)), None);
        assert!(should_return(&rules, &a, t(60)).is_some());
        let mut locked = owned(0, None);
        locked.locked = true;
        assert_eq!(should_return(&rules, &locked, t(500)), None);
        rules.exempt_locked = false;
        assert!(should_return(&rules, &locked, t(500)).is_some());
        let mut contract = owned(0, None);
        contract.open_contract = true;
        assert_eq!(should_return(&rules, &contract, t(500)), None);
    }

    #[test]
    fn a_device_reads_the_return_facts_from_the_cached_customer_with_its_last_win() {
        let customer: Customer = serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(1), "name": "华信科技", "kind": "company",
            "owner_id": Uuid::from_u128(2), "owner_since": t(0),
            "last_activity_at": t(10), "last_won_at": t(5),
        }))
        .unwrap();
        let facts = ReturnFacts::of(&customer, Some(t(12))).unwrap();
        assert_eq!(facts.last_won_deal, Some(t(5)));
        assert_eq!(facts.last_activity, Some(t(12)), "the newer of the two activities");
        let rules = PoolRules {
            follow_up_days: 365,
            deal_days: 90,
            ..PoolRules::default()
        };
        let due = |facts: &ReturnFacts| return_due(&rules, facts).map(|(at, reason, _)| (at, reason));
        assert_eq!(
            due(&facts),
            Some((t(95), ReturnReason::NoDeal)),
            "90 days after the win"
        );
        let never_won = ReturnFacts::of(
            &Customer {
                last_won_at: None,
                ..customer.clone()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            due(&never_won),
            Some((t(90), ReturnReason::NoDeal)),
            "90 days after it was got"
        );
        let unowned = Customer {
            owner_id: None,
            ..customer
        };
        assert!(
            ReturnFacts::of(&unowned, None).is_none(),
            "the pool's customers have no clock"
        );
    }

    #[test]
    fn owner_is_warned_in_the_last_days() {
        let rules = PoolRules::default();
        let f = owned(0, None);
        assert_eq!(returns_soon(&rules, &f, t(26)), None);
        assert_eq!(returns_soon(&rules, &f, t(27)), Some(t(30)));
        assert_eq!(returns_soon(&rules, &f, t(30)), None, "due now: returned, not warned");
    }

    #[test]
    fn leads_follow_the_book_and_go_to_the_manager_when_the_book_goes_to_the_pool() {
        let leads: Vec<Uuid> = (1..=3).map(Uuid::from_u128).collect();
        let (a, b, boss) = (
            UserId(Uuid::from_u128(10)),
            UserId(Uuid::from_u128(11)),
            UserId(Uuid::from_u128(12)),
        );
        let to = |plan: Vec<(Uuid, UserId)>| plan.into_iter().map(|(_, u)| u).collect::<Vec<_>>();
        assert_eq!(
            to(plan_lead_handover(&leads, &Handover::ToOne { to: a }, boss)),
            [a, a, a]
        );
        assert_eq!(
            to(plan_lead_handover(&leads, &Handover::Spread { to: vec![a, b] }, boss)),
            [a, b, a]
        );
        assert_eq!(
            to(plan_lead_handover(&leads, &Handover::Pool, boss)),
            [boss, boss, boss]
        );
    }

    #[test]
    fn spreading_evens_out_the_books() {
        let (a, b, c) = (rep(), rep(), rep());
        let customers: Vec<Uuid> = (0..10).map(|_| Uuid::now_v7()).collect();
        let plan = plan_handover(
            &customers,
            &Handover::Spread { to: vec![a, b, c] },
            &[(a, 5), (b, 0), (c, 2)],
        )
        .unwrap();
        let count = |u| plan.iter().filter(|(_, to)| *to == Some(u)).count() as u64;
        assert_eq!((count(a) + 5, count(b), count(c) + 2), (6, 6, 5));
        assert_eq!(plan.len(), 10);
        assert!(plan_handover(&customers, &Handover::Spread { to: vec![] }, &[]).is_err());
    }

    #[test]
    fn handover_to_one_or_to_the_pool_moves_every_customer() {
        let a = rep();
        let customers: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let one = plan_handover(&customers, &Handover::ToOne { to: a }, &[]).unwrap();
        assert!(one.iter().all(|(_, to)| *to == Some(a)));
        let pool = plan_handover(&customers, &Handover::Pool, &[]).unwrap();
        assert!(pool.iter().all(|(_, to)| to.is_none()));
    }

    #[test]
    fn release_needs_a_reason() {
        assert!(release_reason("  ").is_err());
        assert_eq!(release_reason(" 客户已转行 ").unwrap(), "客户已转行");
        assert!(release_reason(&"长".repeat(201)).is_err());
    }
}
