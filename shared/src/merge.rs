//! Field-level merging of an edit into the server's current record.
//!
//! The rule: every edit carries, per field, the value the client saw before
//! editing (its *base*). A field whose server value still equals the base is
//! simply updated. A field that changed on the server since the base was
//! edited concurrently by someone else: the edit that reaches the server later
//! wins, and the value it replaced is returned as a [`FieldConflict`] so it is
//! kept and can be shown and re-applied. No value is ever silently lost.

use crate::entity::FieldMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One field edited concurrently: `kept` is now in the record, `lost` is the
/// value it replaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldConflict {
    pub field: String,
    pub kept: Value,
    pub lost: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MergeOutcome {
    pub merged: FieldMap,
    pub conflicts: Vec<FieldConflict>,
}

/// Applies `changes` (new values) made from `base` (old values the client saw)
/// to `current`. A field missing from `base` is a blind write: applied
/// without a conflict check.
pub fn merge_update(current: &FieldMap, changes: &FieldMap, base: &FieldMap) -> MergeOutcome {
    let mut merged = current.clone();
    let mut conflicts = Vec::new();
    for (field, new) in changes {
        let now = current.get(field).unwrap_or(&Value::Null);
        if let Some(seen) = base.get(field) {
            if seen != now && now != new {
                conflicts.push(FieldConflict {
                    field: field.clone(),
                    kept: new.clone(),
                    lost: now.clone(),
                });
            }
        }
        merged.insert(field.clone(), new.clone());
    }
    MergeOutcome { merged, conflicts }
}

/// The edit that turns `before` into `after`: the changed fields with their
/// new values, and the same fields' old values as the base to merge from.
/// `None` when nothing changed.
pub fn edit_between(before: &FieldMap, after: &FieldMap) -> Option<(FieldMap, FieldMap)> {
    let mut changes = FieldMap::new();
    let mut base = FieldMap::new();
    for (field, new) in after {
        let old = before.get(field).unwrap_or(&Value::Null);
        if old != new {
            changes.insert(field.clone(), new.clone());
            base.insert(field.clone(), old.clone());
        }
    }
    (!changes.is_empty()).then_some((changes, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn map(v: Value) -> FieldMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn edit_based_on_current_value_applies_cleanly() {
        let out = merge_update(
            &map(json!({"name": "华信", "region": "北京"})),
            &map(json!({"region": "上海"})),
            &map(json!({"region": "北京"})),
        );
        assert_eq!(out.merged, map(json!({"name": "华信", "region": "上海"})));
        assert!(out.conflicts.is_empty());
    }

    #[test]
    fn edits_to_different_fields_both_survive() {
        // Server already has someone else's name change; this edit touches region.
        let out = merge_update(
            &map(json!({"name": "华信集团", "region": "北京"})),
            &map(json!({"region": "上海"})),
            &map(json!({"region": "北京"})),
        );
        assert_eq!(out.merged["name"], "华信集团");
        assert_eq!(out.merged["region"], "上海");
        assert!(out.conflicts.is_empty());
    }

    #[test]
    fn concurrent_edit_of_same_field_keeps_the_losing_value() {
        let out = merge_update(
            &map(json!({"phone": "010-1111"})),
            &map(json!({"phone": "010-2222"})),
            &map(json!({"phone": "010-0000"})),
        );
        assert_eq!(out.merged["phone"], "010-2222");
        assert_eq!(
            out.conflicts,
            vec![FieldConflict {
                field: "phone".into(),
                kept: json!("010-2222"),
                lost: json!("010-1111")
            }]
        );
    }

    #[test]
    fn same_value_reached_twice_is_not_a_conflict() {
        let out = merge_update(
            &map(json!({"phone": "010-2222"})),
            &map(json!({"phone": "010-2222"})),
            &map(json!({"phone": "010-0000"})),
        );
        assert!(out.conflicts.is_empty());
    }

    #[test]
    fn edit_between_lists_only_changed_fields_with_their_old_values() {
        let before = map(json!({"name": "华信", "phone": null, "region": "北京"}));
        let after = map(json!({"name": "华信", "phone": "010-1234", "region": "上海"}));
        let (changes, base) = edit_between(&before, &after).unwrap();
        assert_eq!(changes, map(json!({"phone": "010-1234", "region": "上海"})));
        assert_eq!(base, map(json!({"phone": null, "region": "北京"})));
        assert_eq!(edit_between(&before, &before), None);
    }

    fn small_map() -> impl Strategy<Value = FieldMap> {
        proptest::collection::btree_map("[a-d]", 0i64..3, 0..4)
            .prop_map(|m| m.into_iter().map(|(k, v)| (k, json!(v))).collect())
    }

    proptest! {
        /// Every value present before the merge is either still in the record
        /// or reported as lost: nothing disappears.
        #[test]
        fn no_value_is_lost(current in small_map(), changes in small_map(), base in small_map()) {
            let out = merge_update(&current, &changes, &base);
            for (field, before) in &current {
                let after = &out.merged[field];
                let reported = out.conflicts.iter().any(|c| &c.field == field && &c.lost == before);
                let overwritten_from_base = base.get(field) == Some(before) || base.get(field).is_none();
                prop_assert!(after == before || reported || overwritten_from_base);
            }
            for (field, new) in &changes {
                prop_assert_eq!(&out.merged[field], new);
            }
        }

        /// Edits of different fields, both made from the same state, give the
        /// same record in either order and never conflict.
        #[test]
        fn edits_of_different_fields_commute(current in small_map(), a in small_map(), b in small_map()) {
            let b: FieldMap = b.into_iter().filter(|(k, _)| !a.contains_key(k)).collect();
            let base = |edit: &FieldMap| -> FieldMap {
                edit.keys().map(|k| (k.clone(), current.get(k).cloned().unwrap_or(Value::Null))).collect()
            };
            let ab = merge_update(&merge_update(&current, &a, &base(&a)).merged, &b, &base(&b));
            let ba = merge_update(&merge_update(&current, &b, &base(&b)).merged, &a, &base(&a));
            prop_assert_eq!(&ab.merged, &ba.merged);
            prop_assert!(ab.conflicts.is_empty() && ba.conflicts.is_empty());
        }

        /// Two edits of the same field from the same state: the later one
        /// stands, and the earlier one's value is reported, whichever order.
        #[test]
        fn same_field_later_edit_wins_and_earlier_is_kept(x in 0i64..5, y in 0i64..5, start in 0i64..5) {
            prop_assume!(x != y && x != start && y != start);
            let current: FieldMap = [("f".to_owned(), json!(start))].into_iter().collect();
            let edit = |v: i64| -> FieldMap { [("f".to_owned(), json!(v))].into_iter().collect() };
            let first = merge_update(&current, &edit(x), &current);
            let second = merge_update(&first.merged, &edit(y), &current);
            prop_assert_eq!(&second.merged["f"], &json!(y));
            prop_assert_eq!(&second.conflicts[0].lost, &json!(x));
        }

        #[test]
        fn merging_is_deterministic(current in small_map(), changes in small_map(), base in small_map()) {
            prop_assert_eq!(merge_update(&current, &changes, &base), merge_update(&current, &changes, &base));
        }
    }
}
