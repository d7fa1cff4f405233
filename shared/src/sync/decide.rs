//! What a pushed mutation does to the server's copy of a record. Pure: the
//! store loads the record (and its parent customer), calls [`decide`], and
//! writes what it says, all in one transaction.

use super::wire::{Mutation, MutationStatus, Op};
use crate::access::{can_see, Viewer};
use crate::entity::{EntityKind, FieldMap};
use crate::ids::{TeamId, UserId};
use crate::merge::{merge_update, FieldConflict};
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

/// Decides the effect of `m`, pushed by `viewer`, on `current`. `parent` is the
/// record named by [`parent_of`]; `team_of` answers which team a user is in.
pub fn decide(
    viewer: &Viewer,
    team_of: &dyn Fn(UserId) -> Option<TeamId>,
    m: &Mutation,
    current: Option<&StoredRecord>,
    parent: Option<&StoredRecord>,
) -> Decision {
    let visible = |owner: Option<UserId>| can_see(viewer, owner, owner.and_then(team_of));
    let what = m.entity.as_str();
    if m.entity.is_server_made() && !matches!(m.op, Op::Delete) {
        return reject(format!("a {what} is made by the server; it can only be dismissed"));
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
                    _ => return reject("its customer does not exist or is not yours"),
                },
            };
            if !visible(owner_id) {
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
        (Op::Delete, Some(rec)) if rec.deleted => Decision::Unchanged,
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
        decide(who, &move |_| Some(team), m, cur, parent)
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
}
