//! Ownership history: every claim, release, automatic return and
//! reassignment of a customer, with who, when and why. Server-made records,
//! synced as children of the customer so its timeline shows them offline.

use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OwnershipKind {
    /// A rep took the customer from the pool.
    Claim,
    /// The owner gave the customer back to the pool.
    Release,
    /// The pool rules took the customer back.
    AutoReturn,
    /// A manager gave the customer to someone else (or the pool).
    Reassign,
    /// The owner left the company; their book was handed over.
    Departure,
}

impl OwnershipKind {
    pub const ALL: [OwnershipKind; 5] = [
        OwnershipKind::Claim,
        OwnershipKind::Release,
        OwnershipKind::AutoReturn,
        OwnershipKind::Reassign,
        OwnershipKind::Departure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OwnershipKind::Claim => "claim",
            OwnershipKind::Release => "release",
            OwnershipKind::AutoReturn => "auto_return",
            OwnershipKind::Reassign => "reassign",
            OwnershipKind::Departure => "departure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One change of a customer's owner. `None` means the pool (for `from` and
/// `to`) or the system (for `by`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnershipChange {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: OwnershipKind,
    #[serde(default)]
    pub from: Option<UserId>,
    #[serde(default)]
    pub to: Option<UserId>,
    #[serde(default)]
    pub by: Option<UserId>,
    #[serde(default)]
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// Who owned the customer at `t`, given its history (any order) and its
/// current owner. Before the first recorded change the owner was that
/// change's `from`; with no history, the current owner always was.
pub fn owner_at(history: &[OwnershipChange], current: Option<UserId>, t: DateTime<Utc>) -> Option<UserId> {
    let mut sorted: Vec<&OwnershipChange> = history.iter().collect();
    sorted.sort_by_key(|c| c.at);
    if let Some(last_before) = sorted.iter().rev().find(|c| c.at <= t) {
        return last_before.to;
    }
    match sorted.first() {
        Some(first) => first.from,
        None => current,
    }
}

/// When `user`, owner of the customer at `t`, stopped owning it: the first
/// recorded change after `t` that took it from them.
pub fn lost_at(history: &[OwnershipChange], user: UserId, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    history
        .iter()
        .filter(|c| c.at > t && c.from == Some(user))
        .map(|c| c.at)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(from: Option<UserId>, to: Option<UserId>, at: i64) -> OwnershipChange {
        OwnershipChange {
            id: Uuid::now_v7(),
            customer_id: Uuid::nil(),
            kind: OwnershipKind::Reassign,
            from,
            to,
            by: None,
            reason: None,
            at: DateTime::from_timestamp(at, 0).unwrap(),
        }
    }

    #[test]
    fn owner_at_follows_the_history() {
        let (a, b) = (Some(UserId(Uuid::now_v7())), Some(UserId(Uuid::now_v7())));
        let history = vec![change(None, b, 300), change(a, None, 200)];
        let at = |s| owner_at(&history, b, DateTime::from_timestamp(s, 0).unwrap());
        assert_eq!(at(100), a, "before any change: the first change's from");
        assert_eq!(at(200), None, "in the pool from the release on");
        assert_eq!(at(299), None);
        assert_eq!(at(300), b);
        assert_eq!(owner_at(&[], a, DateTime::from_timestamp(1, 0).unwrap()), a);
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in OwnershipKind::ALL {
            assert_eq!(OwnershipKind::parse(k.as_str()), Some(k));
        }
    }
}
