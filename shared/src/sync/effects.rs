//! What a pushed write causes beyond the record itself. The store carries
//! the effects out; which ones follow from a write is decided here, once.

use super::StoredRecord;
use crate::entity::{EntityKind, FieldMap};
use crate::pipeline::{Funnel, Standing};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One consequence of writing a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// A visit, call or note under a customer: its follow-up clock counts
    /// from `at` (when it happened, never later than now).
    Activity { customer: Uuid, at: DateTime<Utc> },
    /// A deal newly won: the customer's "no won deal" clock starts again.
    Won { customer: Uuid },
    /// A pool customer changed: its pool summary follows.
    RefreshPoolEntry { customer: Uuid },
    /// A pool customer was deleted: its pool summary goes too.
    RemovePoolEntry { customer: Uuid },
    /// Values that lost to this write are kept as conflict records.
    KeepConflicts,
}

/// The fields the duplicate check compares.
const IDENTITY_FIELDS: [&str; 3] = ["name", "phone", "email"];

/// Whether writing `after` over `before` must pass the duplicate check: a
/// new customer, or one renamed (or given a phone or email) into
/// another's. The same company policy applies either way.
pub fn needs_duplicate_check(entity: EntityKind, before: Option<&StoredRecord>, after: &FieldMap) -> bool {
    entity == EntityKind::Customer
        && before.is_none_or(|b| IDENTITY_FIELDS.iter().any(|f| b.data.get(*f) != after.get(*f)))
}

/// When an activity happened: its `at`, but never later than `now` (a
/// phone's clock running ahead cannot hold a customer for longer).
pub fn activity_at(data: &FieldMap, now: DateTime<Utc>) -> DateTime<Utc> {
    data.get("at")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
        .map_or(now, |t| t.min(now))
}

fn is_won(record: &StoredRecord) -> bool {
    !record.deleted && record.data.get("stage").and_then(|s| s.as_str()).map(Funnel::standing) == Some(Standing::Won)
}

/// What writing `after` (of `entity`) over `before` causes, given whether
/// the write displaced values (`conflicts`).
pub fn effects(
    entity: EntityKind,
    before: Option<&StoredRecord>,
    after: &StoredRecord,
    conflicts: bool,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    match (entity, after.parent_id) {
        (EntityKind::Activity, Some(customer)) => effects.push(Effect::Activity {
            customer,
            at: activity_at(&after.data, now),
        }),
        // Won now (created won, or moved into won), not every later edit
        // of a deal won long ago.
        (EntityKind::Opportunity, Some(customer)) if is_won(after) && !before.is_some_and(is_won) => {
            effects.push(Effect::Won { customer });
        }
        (EntityKind::Customer, _) if after.owner_id.is_none() => effects.push(if after.deleted {
            Effect::RemovePoolEntry { customer: after.id }
        } else {
            Effect::RefreshPoolEntry { customer: after.id }
        }),
        _ => {}
    }
    if conflicts && before.is_some() {
        effects.push(Effect::KeepConflicts);
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use serde_json::json;

    fn record(entity: EntityKind, parent: Option<Uuid>, data: serde_json::Value) -> StoredRecord {
        StoredRecord {
            entity,
            id: Uuid::now_v7(),
            owner_id: Some(UserId(Uuid::now_v7())),
            parent_id: parent,
            data: serde_json::from_value(data).unwrap(),
            deleted: false,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn an_activity_moves_its_customers_clock_to_when_it_happened_never_later_than_now() {
        let customer = Uuid::now_v7();
        let now = at("2026-12-03T10:00:00Z");
        let visit = record(
            EntityKind::Activity,
            Some(customer),
            json!({"at": "2026-12-02T09:00:00Z"}),
        );
        assert_eq!(
            effects(EntityKind::Activity, None, &visit, false, now),
            [Effect::Activity {
                customer,
                at: at("2026-12-02T09:00:00Z")
            }]
        );
        let ahead = record(
            EntityKind::Activity,
            Some(customer),
            json!({"at": "2027-01-01T00:00:00Z"}),
        );
        assert_eq!(
            effects(EntityKind::Activity, None, &ahead, false, now),
            [Effect::Activity { customer, at: now }]
        );
    }

    #[test]
    fn a_deal_counts_as_won_when_it_becomes_won_not_at_every_later_edit() {
        let customer = Uuid::now_v7();
        let now = at("2026-12-03T10:00:00Z");
        let open = record(EntityKind::Opportunity, Some(customer), json!({"stage": "proposal"}));
        let won = StoredRecord {
            data: serde_json::from_value(json!({"stage": "won"})).unwrap(),
            ..open.clone()
        };
        let won_deal = [Effect::Won { customer }];
        assert_eq!(effects(EntityKind::Opportunity, None, &won, false, now), won_deal);
        assert_eq!(
            effects(EntityKind::Opportunity, Some(&open), &won, false, now),
            won_deal
        );
        assert_eq!(effects(EntityKind::Opportunity, Some(&won), &won, false, now), []);
        // A deleted won deal is no win; restoring it is one again.
        let gone = StoredRecord {
            deleted: true,
            ..won.clone()
        };
        assert_eq!(effects(EntityKind::Opportunity, None, &gone, false, now), []);
        assert_eq!(
            effects(EntityKind::Opportunity, Some(&gone), &won, false, now),
            won_deal
        );
    }

    #[test]
    fn a_pool_customers_summary_follows_it_and_owned_customers_have_none() {
        let now = at("2026-12-03T10:00:00Z");
        let owned = record(EntityKind::Customer, None, json!({"name": "华信"}));
        assert_eq!(effects(EntityKind::Customer, None, &owned, false, now), []);
        let pooled = StoredRecord {
            owner_id: None,
            ..owned.clone()
        };
        assert_eq!(
            effects(EntityKind::Customer, Some(&owned), &pooled, false, now),
            [Effect::RefreshPoolEntry { customer: owned.id }]
        );
        let deleted = StoredRecord {
            deleted: true,
            ..pooled.clone()
        };
        assert_eq!(
            effects(EntityKind::Customer, Some(&pooled), &deleted, true, now),
            [Effect::RemovePoolEntry { customer: owned.id }, Effect::KeepConflicts]
        );
    }

    #[test]
    fn lost_values_are_kept_only_when_something_was_there_before() {
        let now = at("2026-12-03T10:00:00Z");
        let contact = record(EntityKind::Contact, Some(Uuid::now_v7()), json!({"name": "王"}));
        assert_eq!(effects(EntityKind::Contact, None, &contact, true, now), []);
        assert_eq!(
            effects(EntityKind::Contact, Some(&contact), &contact, true, now),
            [Effect::KeepConflicts]
        );
    }

    #[test]
    fn new_and_renamed_customers_are_checked_for_duplicates_other_edits_are_not() {
        let before = record(
            EntityKind::Customer,
            None,
            json!({"name": "华信", "phone": "1", "note": "a"}),
        );
        let fields = |v: serde_json::Value| -> FieldMap { serde_json::from_value(v).unwrap() };
        let same = fields(json!({"name": "华信", "phone": "1", "note": "b"}));
        assert!(needs_duplicate_check(EntityKind::Customer, None, &same));
        assert!(!needs_duplicate_check(EntityKind::Customer, Some(&before), &same));
        let renamed = fields(json!({"name": "华新", "phone": "1"}));
        assert!(needs_duplicate_check(EntityKind::Customer, Some(&before), &renamed));
        let new_email = fields(json!({"name": "华信", "phone": "1", "email": "a@b.cn"}));
        assert!(needs_duplicate_check(EntityKind::Customer, Some(&before), &new_email));
        assert!(!needs_duplicate_check(EntityKind::Contact, None, &same));
    }
}
