//! Dunning (催款): the levels a company sets by days past due, which level
//! a customer is at next, and when a dunning letter is resolved.
//!
//! Levels run in order and are never skipped: a customer gets level `n+1`
//! only after level `n`, and only once its oldest open installment is at
//! least that level's days past due (a negative number of days is a
//! courteous reminder before the due date). A letter lists every overdue
//! installment of the customer when it was made, and is resolved only when
//! all of them are paid (or written off); once every letter is resolved,
//! a new arrear starts again at the first level. A letter postponed (with
//! a reason) holds the next level back until its date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most levels a company may set.
pub const MAX_LEVELS: usize = 8;

/// How a letter reaches the customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    /// Printed and handed over or posted.
    #[default]
    Print,
    Email,
}

/// Who acts on a level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Actor {
    #[default]
    Rep,
    Manager,
    Finance,
}

impl Actor {
    /// Whether someone of `role` may send a letter of this level: a rep's
    /// level anyone who sees the customer; a manager's level managers; a
    /// finance level finance; admins any.
    pub fn may(self, role: crate::user::Role) -> bool {
        use crate::user::Role;
        match self {
            Actor::Rep => true,
            Actor::Manager => matches!(role, Role::Manager | Role::Admin),
            Actor::Finance => matches!(role, Role::Finance | Role::Admin),
        }
    }
}

/// The most installments one letter lists (the oldest first).
pub const MAX_LISTED: usize = 1_000;

/// One level of dunning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Level {
    pub name: String,
    /// Days past due of the oldest open installment (negative: before it
    /// falls due).
    pub days: i32,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub actor: Actor,
    /// The letter's template; empty prints the built-in one.
    #[serde(default)]
    pub template: String,
}

/// The company's levels, checked: one to [`MAX_LEVELS`], days rising.
pub fn check_levels(levels: &[Level]) -> Result<(), String> {
    if levels.is_empty() || levels.len() > MAX_LEVELS {
        return Err(format!("set between 1 and {MAX_LEVELS} dunning levels"));
    }
    if levels.windows(2).any(|w| w[0].days >= w[1].days) {
        return Err("each dunning level comes more days past due than the one before".into());
    }
    if levels
        .iter()
        .any(|l| l.name.trim().is_empty() || !(-90..=3650).contains(&l.days))
    {
        return Err("each dunning level needs a name, and days between -90 and 3650".into());
    }
    if levels
        .iter()
        .any(|l| l.name.chars().count() > 60 || l.template.len() > super::print::MAX_TEMPLATE)
    {
        return Err("a dunning level's name is at most 60 characters, its template at most 64 KB".into());
    }
    Ok(())
}

/// The built-in levels: a reminder a week before, then 1, 30 and 60 days
/// past due.
pub fn default_levels() -> Vec<Level> {
    let level = |name: &str, days, actor| Level {
        name: name.into(),
        days,
        channel: Channel::Print,
        actor,
        template: String::new(),
    };
    vec![
        level("付款提醒", -7, Actor::Rep),
        level("逾期通知", 1, Actor::Rep),
        level("催款函", 30, Actor::Finance),
        level("律师函预告", 60, Actor::Manager),
    ]
}

/// A dunning letter sent to a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Letter {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// Its level's place in the company's levels, from 0.
    pub level: usize,
    /// The installments it asks to be paid.
    pub installments: Vec<Uuid>,
    pub date: NaiveDate,
    /// Held until this date, for `reason`.
    #[serde(default)]
    pub postponed_until: Option<NaiveDate>,
    #[serde(default)]
    pub reason: String,
    /// Who made it (set by the server).
    #[serde(default)]
    pub by: Option<crate::ids::UserId>,
}

/// Whether `letter` is resolved: everything it lists is paid, by
/// `outstanding` (what an installment still owes; nothing once written
/// off).
pub fn resolved(letter: &Letter, outstanding: &dyn Fn(Uuid) -> i64) -> bool {
    letter.installments.iter().all(|i| outstanding(*i) <= 0)
}

/// The level a customer is due for on `today`, if any: the one after the
/// last unresolved letter's (the first when none is open), once the oldest
/// open installment is that many days past due, and not while a letter is
/// postponed. `oldest_days`: days past due of the customer's oldest open
/// installment (`None`: nothing owed).
pub fn next_level(
    levels: &[Level],
    open_letters: &[&Letter],
    oldest_days: Option<i64>,
    today: NaiveDate,
) -> Option<usize> {
    let days = oldest_days?;
    if open_letters
        .iter()
        .any(|l| l.postponed_until.is_some_and(|until| until > today))
    {
        return None;
    }
    let next = open_letters.iter().map(|l| l.level + 1).max().unwrap_or(0);
    let level = levels.get(next)?;
    (days >= i64::from(level.days)).then_some(next)
}

/// The letter a customer is due for on `today`, if any: its level, and
/// the installments it lists (every one still owed that is past due, or
/// for a reminder before the due date, falls due within the reminder's
/// days). `owed` tells what an installment still owes (nothing once
/// written off). The server decides it when a letter is made; the app
/// shows the same answer offline.
pub fn letter_due(
    levels: &[Level],
    letters: &[Letter],
    installments: &[super::receivable::Installment],
    owed: &dyn Fn(&super::receivable::Installment) -> i64,
    today: NaiveDate,
) -> Option<(usize, Vec<Uuid>)> {
    let open: Vec<(&super::receivable::Installment, i64)> = installments
        .iter()
        .filter(|i| !i.written_off && owed(i) > 0)
        .filter_map(|i| Some((i, (today - i.due?).num_days())))
        .collect();
    let oldest = open.iter().map(|(_, days)| *days).max();
    let by_id = |id: Uuid| installments.iter().find(|i| i.id == id).map_or(0, owed);
    let unresolved: Vec<&Letter> = letters.iter().filter(|l| !resolved(l, &by_id)).collect();
    let level = next_level(levels, &unresolved, oldest, today)?;
    let from = i64::from(levels[level].days.min(1));
    let listed = open
        .iter()
        .filter(|(_, days)| *days >= from)
        .map(|(i, _)| i.id)
        .collect();
    Some((level, listed))
}

/// An installment to act on today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chase {
    pub installment_id: Uuid,
    pub customer_id: Uuid,
    pub due: NaiveDate,
    /// What it still owes.
    pub owed: i64,
    /// Days past due (negative: due in that many days).
    pub days: i64,
}

/// Today's receivables to act on: those to remind the customer of (not
/// yet due, and on or past the reminder day its `remind_days` set), the
/// soonest first; and those past due, the oldest first. `owed` tells what
/// an installment still owes.
pub fn to_chase(
    installments: &[super::receivable::Installment],
    owed: &dyn Fn(&super::receivable::Installment) -> i64,
    today: NaiveDate,
) -> (Vec<Chase>, Vec<Chase>) {
    let (mut remind, mut overdue) = (Vec::new(), Vec::new());
    for i in installments.iter().filter(|i| !i.written_off) {
        let (Some(due), left) = (i.due, owed(i)) else {
            continue;
        };
        if left <= 0 {
            continue;
        }
        let chase = Chase {
            installment_id: i.id,
            customer_id: i.customer_id,
            due,
            owed: left,
            days: (today - due).num_days(),
        };
        if chase.days > 0 {
            overdue.push(chase);
        } else if super::receivable::remind_on(i, i.remind_days).is_some_and(|on| on <= today) {
            remind.push(chase);
        }
    }
    remind.sort_by_key(|c| (c.due, c.installment_id));
    overdue.sort_by_key(|c| (c.due, c.installment_id));
    (remind, overdue)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn letter(level: usize, installments: &[u128]) -> Letter {
        Letter {
            id: Uuid::from_u128(level as u128 + 100),
            customer_id: Uuid::from_u128(1),
            level,
            installments: installments.iter().map(|n| Uuid::from_u128(*n)).collect(),
            date: day(1),
            postponed_until: None,
            reason: String::new(),
            by: None,
        }
    }

    #[test]
    fn the_letter_due_lists_what_is_past_due_and_resolves_once_paid() {
        use crate::money::receivable::Installment;
        let levels = default_levels();
        let due = |n: u128, day_of_month: u32, fen: i64| Installment {
            id: Uuid::from_u128(n),
            customer_id: Uuid::from_u128(1),
            fen,
            due: Some(day(day_of_month)),
            ..Installment::default()
        };
        // One due on the 1st, one on the 12th, one on the 30th.
        let plan = [due(1, 1, 500), due(2, 12, 300), due(3, 30, 200)];
        let all_owed = |i: &Installment| i.fen;
        // On the 7th: six days past due, but the reminder comes first; it
        // lists what is due within its seven days.
        let (level, listed) = letter_due(&levels, &[], &plan, &all_owed, day(7)).unwrap();
        assert_eq!((level, listed), (0, vec![Uuid::from_u128(1), Uuid::from_u128(2)]));
        let reminder = Letter {
            installments: vec![Uuid::from_u128(1), Uuid::from_u128(2)],
            ..letter(0, &[])
        };
        // The overdue notice lists only what is past due.
        let (level, listed) = letter_due(&levels, std::slice::from_ref(&reminder), &plan, &all_owed, day(7)).unwrap();
        assert_eq!((level, listed), (1, vec![Uuid::from_u128(1)]));
        // Once everything the reminder listed is paid, dunning starts over.
        let paid_first_two = |i: &Installment| if i.id == Uuid::from_u128(3) { i.fen } else { 0 };
        assert_eq!(
            letter_due(&levels, &[reminder], &plan, &paid_first_two, day(25)),
            Some((0, vec![Uuid::from_u128(3)]))
        );
        // Nothing owed: no letter.
        assert_eq!(letter_due(&levels, &[], &plan, &|_| 0, day(7)), None);
    }

    #[test]
    fn levels_run_in_order_and_are_never_skipped() {
        let levels = default_levels();
        assert_eq!(check_levels(&levels), Ok(()));
        // A week before the due date: the courteous reminder.
        assert_eq!(next_level(&levels, &[], Some(-7), day(7)), Some(0));
        assert_eq!(next_level(&levels, &[], Some(-8), day(7)), None);
        // 45 days past due with nothing sent yet: still the first level,
        // never straight to the third.
        assert_eq!(next_level(&levels, &[], Some(45), day(7)), Some(0));
        let first = letter(0, &[1]);
        assert_eq!(next_level(&levels, &[&first], Some(45), day(7)), Some(1));
        let second = letter(1, &[1]);
        assert_eq!(next_level(&levels, &[&first, &second], Some(45), day(7)), Some(2));
        assert_eq!(next_level(&levels, &[&first, &second], Some(29), day(7)), None);
        // After the last level there is no further one.
        let all: Vec<Letter> = (0..4).map(|l| letter(l, &[1])).collect();
        let open: Vec<&Letter> = all.iter().collect();
        assert_eq!(next_level(&levels, &open, Some(400), day(7)), None);
        assert_eq!(next_level(&levels, &[], None, day(7)), None, "nothing owed");
    }

    #[test]
    fn a_postponed_letter_holds_the_next_level_until_its_date() {
        let levels = default_levels();
        let held = Letter {
            postponed_until: Some(day(20)),
            reason: "客户承诺月底付款".into(),
            ..letter(0, &[1])
        };
        assert_eq!(next_level(&levels, &[&held], Some(45), day(7)), None);
        assert_eq!(next_level(&levels, &[&held], Some(45), day(20)), Some(1));
    }

    #[test]
    fn a_letter_is_resolved_only_when_everything_it_lists_is_paid() {
        let l = letter(1, &[1, 2]);
        assert!(!resolved(&l, &|i| if i == Uuid::from_u128(1) { 0 } else { 500 }));
        assert!(resolved(&l, &|_| 0));
    }

    #[test]
    fn today_lists_what_to_remind_and_what_is_overdue() {
        use crate::money::receivable::Installment;
        let due = |n: u128, d: u32, remind_days: u16| Installment {
            id: Uuid::from_u128(n),
            customer_id: Uuid::from_u128(1),
            fen: 100,
            due: Some(day(d)),
            remind_days,
            ..Installment::default()
        };
        // Today is the 7th: due on the 10th with 3 days' notice (remind),
        // on the 11th with 3 (not yet), on the 7th (today: remind), on the
        // 2nd (overdue), on the 5th but paid (nothing).
        let plan = [due(1, 10, 3), due(2, 11, 3), due(3, 7, 0), due(4, 2, 3), due(5, 5, 3)];
        let owed = |i: &Installment| if i.id == Uuid::from_u128(5) { 0 } else { i.fen };
        let (remind, overdue) = to_chase(&plan, &owed, day(7));
        let ids = |l: &[Chase]| l.iter().map(|c| c.installment_id.as_u128()).collect::<Vec<_>>();
        assert_eq!(ids(&remind), [3, 1]);
        assert_eq!(ids(&overdue), [4]);
        assert_eq!(overdue[0].days, 5);
    }

    #[test]
    fn a_level_is_sent_by_its_actor() {
        use crate::user::Role;
        assert!(Actor::Rep.may(Role::Rep));
        assert!(!Actor::Finance.may(Role::Rep) && !Actor::Finance.may(Role::Manager));
        assert!(Actor::Finance.may(Role::Finance) && Actor::Manager.may(Role::Admin));
        assert!(!Actor::Manager.may(Role::Finance));
    }

    #[test]
    fn levels_must_rise_and_be_named() {
        let mut levels = default_levels();
        levels[2].days = 1;
        assert!(check_levels(&levels).is_err());
        assert!(check_levels(&[]).is_err());
        let mut unnamed = default_levels();
        unnamed[0].name = " ".into();
        assert!(check_levels(&unnamed).is_err());
    }
}
