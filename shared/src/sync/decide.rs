//! What a pushed mutation does to the server's copy of a record. Pure: the
//! store loads the record (and its parent customer), calls [`decide`], and
//! writes what it says, all in one transaction.

use super::wire::{Mutation, MutationStatus, Op};
use crate::access::{can_change, can_see, may_archive, may_not_write, Viewer};
use crate::entity::{EntityKind, FieldMap};
use crate::ids::{TeamId, UserId};
use crate::merge::{merge_update, FieldConflict};
use crate::ownership::{lost_at, owner_at, OwnershipChange};
use crate::user::Role;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// A record as the server holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    pub entity: EntityKind,
    pub id: Uuid,
    /// The owning user: the customer's owner, also for its children.
    pub owner_id: Option<UserId>,
    pub parent_id: Option<Uuid>,
    pub data: FieldMap,
    pub deleted: bool,
}

/// The new state of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordWrite {
    pub owner_id: Option<UserId>,
    pub parent_id: Option<Uuid>,
    pub data: FieldMap,
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Write {
        record: RecordWrite,
        status: MutationStatus,
        conflicts: Vec<FieldConflict>,
    },
    /// Nothing to write (for example a delete of a record already deleted).
    Unchanged,
    /// An edit of a record deleted meanwhile: nothing is written to the
    /// record, but the edit's values are kept as conflicts (`kept` is null).
    EditOfDeleted {
        conflicts: Vec<FieldConflict>,
    },
    Reject {
        message: String,
    },
}

fn reject(message: impl Into<String>) -> Decision {
    Decision::Reject {
        message: message.into(),
    }
}

/// The customer a mutation's record hangs under, which the store must load
/// before calling [`decide`].
pub fn parent_of(m: &Mutation, current: Option<&StoredRecord>) -> Option<Uuid> {
    if let Some(rec) = current {
        return rec.parent_id;
    }
    let field = m.entity.parent_field()?;
    match &m.op {
        Op::Create { fields } => fields.get(field)?.as_str()?.parse().ok(),
        _ => None,
    }
}

/// How long after losing a customer a former owner's device may still
/// hand in what it recorded while they owned it (as for a closed account).
pub const FACT_GRACE_DAYS: i64 = 14;

/// Whether a fact (an activity) pushed by `viewer` may hang under `parent`
/// although `viewer` cannot see it now: a visit logged offline while the rep
/// owned the customer still counts after the customer changed hands, if it
/// arrives within [`FACT_GRACE_DAYS`] of the change.
fn fact_owned_when_made(
    viewer: &Viewer,
    fields: &FieldMap,
    parent: &StoredRecord,
    history: &[OwnershipChange],
    now: DateTime<Utc>,
) -> bool {
    let Some(at) = fields
        .get("at")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
    else {
        return false;
    };
    owner_at(history, parent.owner_id, at) == Some(viewer.id)
        && lost_at(history, viewer.id, at).is_some_and(|lost| now - lost <= chrono::Duration::days(FACT_GRACE_DAYS))
}

/// Decides the effect of `m`, pushed by `viewer`, on `current`. `parent` is the
/// record named by [`parent_of`]; `team_of` answers which team a user is in;
/// `history` is the parent customer's ownership history, which the store
/// loads for facts (see [`needs_history`]); `now` is the server's time.
pub fn decide(
    viewer: &Viewer,
    team_of: &dyn Fn(UserId) -> Option<TeamId>,
    m: &Mutation,
    current: Option<&StoredRecord>,
    parent: Option<&StoredRecord>,
    history: &[OwnershipChange],
    now: DateTime<Utc>,
) -> Decision {
    // Finance changes money records of customers it may only read.
    let visible = |owner: Option<UserId>| match m.entity.is_money() {
        true => can_see(viewer, owner, owner.and_then(team_of)),
        false => can_change(viewer, owner, owner.and_then(team_of)),
    };
    let what = m.entity.as_str();
    if let Some(why) = may_not_write(viewer.role, m.entity, &m.op) {
        return reject(why);
    }
    if matches!(m.op, Op::Claim | Op::Release { .. }) {
        return reject("only customers can be claimed or released, through the pool");
    }
    if m.entity.is_permanent() {
        return reject(format!("a {what} record is kept by the server and cannot be changed"));
    }
    if m.entity.is_server_made() && !matches!(m.op, Op::Delete) {
        return reject(format!("a {what} is made by the server; it can only be dismissed"));
    }
    if let Some(message) = manager_only_change(viewer, m, current) {
        return reject(message);
    }
    if m.entity.is_fact() && !matches!(m.op, Op::Create { .. }) {
        return reject(format!(
            "an {what} is a record of what happened and cannot be changed; add a new one instead"
        ));
    }
    match (&m.op, current) {
        (Op::Create { .. }, Some(_)) => reject(format!("a {} with this id already exists", m.entity.as_str())),
        (Op::Create { fields }, None) => {
            let data = match m.entity.canonicalize(m.id, fields) {
                Ok(d) => d,
                Err(e) => return reject(e.to_string()),
            };
            let (owner_id, parent_id) = match m.entity.parent_field() {
                None => (owner_field(&data), None),
                Some(_) => match parent {
                    Some(p) if !p.deleted && visible(p.owner_id) => (p.owner_id, Some(p.id)),
                    Some(p) if p.deleted => return reject("its customer has been deleted"),
                    Some(p) if m.entity.is_fact() && fact_owned_when_made(viewer, &data, p, history, now) => {
                        (p.owner_id, Some(p.id))
                    }
                    _ => return reject("its customer does not exist or is not yours"),
                },
            };
            let mut data = data;
            if m.entity.is_fact() {
                data.insert("by".into(), Value::String(viewer.id.to_string()));
            }
            if let (EntityKind::Activity, Some(p)) = (m.entity, parent) {
                crate::visit::remeasure(&mut data, &p.data);
            }
            if m.entity == EntityKind::Lead && owner_id.is_none() {
                return reject("a lead needs an owner: yourself or someone in your team");
            }
            if m.entity.parent_field().is_none() && !visible(owner_id) {
                return reject("you may only create customers for yourself or your team");
            }
            Decision::Write {
                record: RecordWrite {
                    owner_id,
                    parent_id,
                    data,
                    deleted: false,
                },
                status: MutationStatus::Applied,
                conflicts: Vec::new(),
            }
        }
        (_, None) => reject(format!("this {} does not exist", m.entity.as_str())),
        (_, Some(rec)) if !visible(rec.owner_id) => {
            reject(format!("you no longer have access to this {}", m.entity.as_str()))
        }
        (Op::Claim | Op::Release { .. }, Some(_)) => reject("claims and releases go through the pool rules"),
        (Op::Delete, Some(rec)) if rec.deleted => Decision::Unchanged,
        (Op::Delete, Some(_)) if m.entity == EntityKind::Customer && may_archive(viewer.role).is_err() => {
            reject(may_archive(viewer.role).err().unwrap_or_default())
        }
        (Op::Update { fields, .. }, Some(rec)) if rec.deleted => Decision::EditOfDeleted {
            conflicts: fields
                .iter()
                .map(|(field, value)| FieldConflict {
                    field: field.clone(),
                    kept: Value::Null,
                    lost: value.clone(),
                })
                .collect(),
        },
        (Op::Delete, Some(rec)) => Decision::Write {
            record: RecordWrite {
                owner_id: rec.owner_id,
                parent_id: rec.parent_id,
                data: rec.data.clone(),
                deleted: true,
            },
            status: MutationStatus::Applied,
            conflicts: Vec::new(),
        },
        (Op::Update { fields, base }, Some(rec)) => {
            for field in m.entity.fixed_fields() {
                let current = rec.data.get(*field).unwrap_or(&Value::Null);
                if fields.get(*field).is_some_and(|v| v != current) {
                    return reject(format!("{field} cannot be changed by editing"));
                }
            }
            let outcome = merge_update(&rec.data, fields, base);
            let data = match m.entity.canonicalize(m.id, &outcome.merged) {
                Ok(d) => d,
                Err(e) => return reject(e.to_string()),
            };
            let status = if outcome.conflicts.is_empty() {
                MutationStatus::Applied
            } else {
                MutationStatus::Conflicted
            };
            Decision::Write {
                record: RecordWrite {
                    owner_id: rec.owner_id,
                    parent_id: rec.parent_id,
                    data,
                    deleted: false,
                },
                status,
                conflicts: outcome.conflicts,
            }
        }
    }
}

/// Whether the store must load the parent's ownership history for `m`.
pub fn needs_history(m: &Mutation) -> bool {
    m.entity.is_fact() && matches!(m.op, Op::Create { .. })
}

/// Locking a customer keeps it out of the pool, so only managers may do it.
fn manager_only_change(viewer: &Viewer, m: &Mutation, current: Option<&StoredRecord>) -> Option<&'static str> {
    if m.entity != EntityKind::Customer || viewer.role != Role::Rep {
        return None;
    }
    let locked_now = current
        .and_then(|r| r.data.get("locked"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let wants = match &m.op {
        Op::Create { fields } | Op::Update { fields, .. } => fields.get("locked").and_then(Value::as_bool),
        _ => None,
    };
    match wants {
        Some(locked) if locked != locked_now => Some("only a manager can lock or unlock a customer"),
        _ => None,
    }
}

fn owner_field(data: &FieldMap) -> Option<UserId> {
    data.get("owner_id")?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::Role;
    use serde_json::json;

    struct World {
        rep: Viewer,
        other: Viewer,
        team: TeamId,
    }

    fn world() -> World {
        let team = TeamId(Uuid::now_v7());
        let viewer = |role| Viewer {
            id: UserId(Uuid::now_v7()),
            role,
            team_id: Some(team),
        };
        World {
            rep: viewer(Role::Rep),
            other: viewer(Role::Rep),
            team,
        }
    }

    fn mutation(entity: EntityKind, id: Uuid, op: Op) -> Mutation {
        Mutation { seq: 1, entity, id, op }
    }

    fn fields(v: Value) -> FieldMap {
        v.as_object().unwrap().clone()
    }

    fn customer_of(owner: &Viewer) -> StoredRecord {
        let id = Uuid::now_v7();
        StoredRecord {
            entity: EntityKind::Customer,
            id,
            owner_id: Some(owner.id),
            parent_id: None,
            data: fields(json!({"id": id, "name": "华信科技", "owner_id": owner.id, "kind": "company"})),
            deleted: false,
        }
    }

    fn run(
        w: &World,
        who: &Viewer,
        m: &Mutation,
        cur: Option<&StoredRecord>,
        parent: Option<&StoredRecord>,
    ) -> Decision {
        let team = w.team;
        decide(
            who,
            &move |_| Some(team),
            m,
            cur,
            parent,
            &[],
            "2026-05-02T12:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn rep_creates_customer_they_own() {
        let w = world();
        let m = mutation(
            EntityKind::Customer,
            Uuid::now_v7(),
            Op::Create {
                fields: fields(json!({"name": "华信科技", "owner_id": w.rep.id})),
            },
        );
        let Decision::Write { record, status, .. } = run(&w, &w.rep, &m, None, None) else {
            panic!("not written")
        };
        assert_eq!(record.owner_id, Some(w.rep.id));
        assert_eq!(status, MutationStatus::Applied);
    }

    #[test]
    fn rep_cannot_create_customer_for_someone_else() {
        let w = world();
        let m = mutation(
            EntityKind::Customer,
            Uuid::now_v7(),
            Op::Create {
                fields: fields(json!({"name": "华信科技", "owner_id": w.other.id})),
            },
        );
        assert!(matches!(run(&w, &w.rep, &m, None, None), Decision::Reject { .. }));
    }

    #[test]
    fn contact_inherits_its_customers_owner() {
        let w = world();
        let customer = customer_of(&w.rep);
        let m = mutation(
            EntityKind::Contact,
            Uuid::now_v7(),
            Op::Create {
                fields: fields(json!({"customer_id": customer.id, "name": "王芳"})),
            },
        );
        assert_eq!(parent_of(&m, None), Some(customer.id));
        let Decision::Write { record, .. } = run(&w, &w.rep, &m, None, Some(&customer)) else {
            panic!("not written")
        };
        assert_eq!(record.owner_id, Some(w.rep.id));
        assert_eq!(record.parent_id, Some(customer.id));
    }

    #[test]
    fn rep_cannot_touch_another_reps_customer() {
        let w = world();
        let theirs = customer_of(&w.other);
        let m = mutation(
            EntityKind::Customer,
            theirs.id,
            Op::Update {
                fields: fields(json!({"name": "抢单"})),
                base: FieldMap::new(),
            },
        );
        let d = run(&w, &w.rep, &m, Some(&theirs), None);
        assert!(matches!(d, Decision::Reject { message } if message.contains("no longer have access")));
    }

    #[test]
    fn owner_cannot_be_changed_by_an_edit() {
        let w = world();
        let mine = customer_of(&w.rep);
        let m = mutation(
            EntityKind::Customer,
            mine.id,
            Op::Update {
                fields: fields(json!({"owner_id": w.other.id})),
                base: FieldMap::new(),
            },
        );
        assert!(matches!(
            run(&w, &w.rep, &m, Some(&mine), None),
            Decision::Reject { .. }
        ));
    }

    #[test]
    fn concurrent_same_field_edit_is_conflicted_not_lost() {
        let w = world();
        let mine = customer_of(&w.rep);
        let m = mutation(
            EntityKind::Customer,
            mine.id,
            Op::Update {
                fields: fields(json!({"name": "华信集团"})),
                base: fields(json!({"name": "华信"})),
            },
        );
        let Decision::Write {
            status,
            conflicts,
            record,
        } = run(&w, &w.rep, &m, Some(&mine), None)
        else {
            panic!("not written")
        };
        assert_eq!(status, MutationStatus::Conflicted);
        assert_eq!(record.data["name"], "华信集团");
        assert_eq!(conflicts[0].lost, json!("华信科技"));
    }

    #[test]
    fn activities_cannot_be_edited_or_deleted() {
        let w = world();
        let customer = customer_of(&w.rep);
        let id = Uuid::now_v7();
        let activity = StoredRecord {
            entity: EntityKind::Activity,
            id,
            owner_id: Some(w.rep.id),
            parent_id: Some(customer.id),
            data: fields(
                json!({"id": id, "customer_id": customer.id, "content": "电话", "at": "2026-11-20T06:30:00Z"}),
            ),
            deleted: false,
        };
        let edit = mutation(
            EntityKind::Activity,
            id,
            Op::Update {
                fields: fields(json!({"content": "改"})),
                base: FieldMap::new(),
            },
        );
        let delete = mutation(EntityKind::Activity, id, Op::Delete);
        for m in [edit, delete] {
            assert!(matches!(
                run(&w, &w.rep, &m, Some(&activity), Some(&customer)),
                Decision::Reject { .. }
            ));
        }
    }

    #[test]
    fn clients_cannot_make_conflict_records() {
        let w = world();
        let m = mutation(
            EntityKind::Conflict,
            Uuid::now_v7(),
            Op::Create {
                fields: FieldMap::new(),
            },
        );
        assert!(matches!(run(&w, &w.rep, &m, None, None), Decision::Reject { .. }));
    }

    #[test]
    fn invalid_edit_is_rejected_with_the_reason() {
        let w = world();
        let mine = customer_of(&w.rep);
        let m = mutation(
            EntityKind::Customer,
            mine.id,
            Op::Update {
                fields: fields(json!({"email": "not-an-email"})),
                base: FieldMap::new(),
            },
        );
        let d = run(&w, &w.rep, &m, Some(&mine), None);
        assert!(matches!(d, Decision::Reject { message } if message.contains("email")));
    }

    #[test]
    fn edit_of_deleted_record_is_kept_as_conflict_and_repeat_delete_is_harmless() {
        let w = world();
        let mut gone = customer_of(&w.rep);
        gone.deleted = true;
        let edit = mutation(
            EntityKind::Customer,
            gone.id,
            Op::Update {
                fields: fields(json!({"name": "x"})),
                base: FieldMap::new(),
            },
        );
        let Decision::EditOfDeleted { conflicts } = run(&w, &w.rep, &edit, Some(&gone), None) else {
            panic!("an edit of a deleted record must be kept as a conflict")
        };
        assert_eq!(conflicts[0].lost, json!("x"));
        let delete = mutation(EntityKind::Customer, gone.id, Op::Delete);
        assert_eq!(run(&w, &w.rep, &delete, Some(&gone), None), Decision::Unchanged);
    }

    fn visit(customer: &StoredRecord, at: &str) -> Mutation {
        mutation(
            EntityKind::Activity,
            Uuid::now_v7(),
            Op::Create {
                fields: fields(json!({"customer_id": customer.id, "kind": "visit", "content": "拜访", "at": at})),
            },
        )
    }

    #[test]
    fn visit_logged_while_owning_counts_after_the_customer_changed_hands() {
        let w = world();
        let now_others = customer_of(&w.other);
        let handed_over = crate::ownership::OwnershipChange {
            id: Uuid::now_v7(),
            customer_id: now_others.id,
            kind: crate::ownership::OwnershipKind::Departure,
            from: Some(w.rep.id),
            to: Some(w.other.id),
            by: None,
            reason: None,
            at: "2026-05-02T00:00:00Z".parse().unwrap(),
        };
        let history = [handed_over];
        let team = w.team;
        let decide_at = |at: &str| {
            decide(
                &w.rep,
                &move |_| Some(team),
                &visit(&now_others, at),
                None,
                Some(&now_others),
                &history,
                "2026-05-10T00:00:00Z".parse().unwrap(),
            )
        };
        let Decision::Write { record, .. } = decide_at("2026-05-01T09:00:00Z") else {
            panic!("a visit made while owning is kept")
        };
        assert_eq!(
            record.owner_id,
            Some(w.other.id),
            "it belongs with the customer's new owner"
        );
        assert_eq!(record.data["by"], json!(w.rep.id), "and keeps its author");
        assert!(matches!(decide_at("2026-05-03T09:00:00Z"), Decision::Reject { .. }));
        let weeks_late = decide(
            &w.rep,
            &move |_| Some(team),
            &visit(&now_others, "2026-05-01T09:00:00Z"),
            None,
            Some(&now_others),
            &history,
            "2026-05-20T00:00:00Z".parse().unwrap(),
        );
        assert!(
            matches!(weeks_late, Decision::Reject { .. }),
            "a former owner's backdated note past the grace is refused"
        );
    }

    #[test]
    fn the_server_measures_a_visits_distance_itself() {
        let w = world();
        let mut customer = customer_of(&w.rep);
        customer
            .data
            .insert("location".into(), json!({"lat": 39.9, "lon": 116.4}));
        let m = mutation(
            EntityKind::Activity,
            Uuid::now_v7(),
            Op::Create {
                fields: fields(json!({"customer_id": customer.id, "kind": "visit", "content": "拜访",
                    "at": "2026-05-01T09:00:00Z",
                    "visit": {"point": {"lat": 39.99, "lon": 116.4}, "accuracy_m": 10.0, "distance_m": 1.0}})),
            },
        );
        let Decision::Write { record, .. } = run(&w, &w.rep, &m, None, Some(&customer)) else {
            panic!("not written")
        };
        let d = record.data["visit"]["distance_m"].as_f64().unwrap();
        assert!((d - 10_000.0).abs() < 100.0, "the forged 1 m became {d}");
    }

    #[test]
    fn finance_changes_no_customer_and_reps_delete_none() {
        let w = world();
        let customer = customer_of(&w.rep);
        let money = Viewer {
            role: Role::Finance,
            ..w.rep
        };
        let edit = mutation(
            EntityKind::Customer,
            customer.id,
            Op::Update {
                fields: fields(json!({"phone": "010-1"})),
                base: FieldMap::new(),
            },
        );
        assert!(matches!(
            run(&w, &money, &edit, Some(&customer), None),
            Decision::Reject { .. }
        ));
        let delete = mutation(EntityKind::Customer, customer.id, Op::Delete);
        assert!(matches!(
            run(&w, &w.rep, &delete, Some(&customer), None),
            Decision::Reject { .. }
        ));
        let manager = Viewer {
            role: Role::Manager,
            ..w.other
        };
        assert!(matches!(
            run(&w, &manager, &delete, Some(&customer), None),
            Decision::Write { .. }
        ));
    }

    #[test]
    fn activity_author_is_the_pusher_whatever_the_client_says() {
        let w = world();
        let customer = customer_of(&w.rep);
        let mut m = visit(&customer, "2026-05-01T09:00:00Z");
        if let Op::Create { fields } = &mut m.op {
            fields.insert("by".into(), json!(w.other.id));
        }
        let Decision::Write { record, .. } = run(&w, &w.rep, &m, None, Some(&customer)) else {
            panic!("not written")
        };
        assert_eq!(record.data["by"], json!(w.rep.id));
    }

    #[test]
    fn only_managers_lock_customers_and_history_is_untouchable() {
        let w = world();
        let mine = customer_of(&w.rep);
        let lock = mutation(
            EntityKind::Customer,
            mine.id,
            Op::Update {
                fields: fields(json!({"locked": true})),
                base: FieldMap::new(),
            },
        );
        assert!(
            matches!(run(&w, &w.rep, &lock, Some(&mine), None), Decision::Reject { message } if message.contains("manager"))
        );
        let manager = Viewer {
            id: UserId(Uuid::now_v7()),
            role: Role::Manager,
            team_id: Some(w.team),
        };
        assert!(matches!(
            run(&w, &manager, &lock, Some(&mine), None),
            Decision::Write { .. }
        ));
        let forget = mutation(EntityKind::Ownership, Uuid::now_v7(), Op::Delete);
        assert!(matches!(
            run(&w, &manager, &forget, None, None),
            Decision::Reject { .. }
        ));
    }
}
