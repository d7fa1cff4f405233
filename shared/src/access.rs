//! Who may see which records. The server applies this rule to every pull and
//! push; the app never decides visibility on its own.

use crate::ids::{TeamId, UserId};
use crate::sync::{Mutation, Op};
use crate::user::{Role, User};
use chrono::{DateTime, Utc};

/// The person asking, as far as visibility goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
}

impl From<&User> for Viewer {
    fn from(u: &User) -> Self {
        Viewer {
            id: u.id,
            role: u.role,
            team_id: u.team_id,
        }
    }
}

/// Whether `viewer` may see (and edit) a record owned by `owner`, where
/// `owner_team` is that owner's team. `None` owner means the pool.
///
/// - a rep sees what they own;
/// - a manager sees what they or anyone in their team owns, and the pool;
/// - an admin sees everything.
pub fn can_see(viewer: &Viewer, owner: Option<UserId>, owner_team: Option<TeamId>) -> bool {
    match viewer.role {
        Role::Admin => true,
        Role::Rep => owner == Some(viewer.id),
        Role::Manager => match owner {
            None => true,
            Some(o) if o == viewer.id => true,
            Some(_) => viewer.team_id.is_some() && owner_team == viewer.team_id,
        },
    }
}

/// The team of user `id`, from a list of all users.
pub fn team_of(users: &[User], id: UserId) -> Option<TeamId> {
    users.iter().find(|u| u.id == id).and_then(|u| u.team_id)
}

/// Whether `viewer` may hand a customer from `from` to `to` (`None`: the
/// pool). Managers move customers within their team and to or from the
/// pool; admins anywhere. Reps cannot reassign. The arguments pair each
/// owner with their team; `to` must be an active user.
pub fn may_reassign(
    viewer: &Viewer,
    from: Option<UserId>,
    from_team: Option<TeamId>,
    to: Option<UserId>,
    to_team: Option<TeamId>,
) -> Result<(), &'static str> {
    if viewer.role == Role::Rep {
        return Err("only a manager or an admin can reassign customers");
    }
    if !can_see(viewer, from, from_team) {
        return Err("this customer is not in your team");
    }
    if !can_see(viewer, to, to_team) {
        return Err("the new owner is not in your team");
    }
    Ok(())
}

/// Whether `viewer` may close `rep`'s account and hand their customers to
/// `receivers` (none: the pool). Everyone involved must be in the viewer's
/// reach, and the receivers active and not the one leaving.
pub fn may_hand_over(viewer: &Viewer, users: &[User], rep: UserId, receivers: &[UserId]) -> Result<(), String> {
    let leaving = users.iter().find(|u| u.id == rep).ok_or("there is no such user")?;
    if viewer.role == Role::Rep {
        return Err("only a manager or an admin can hand over a rep's customers".into());
    }
    if rep == viewer.id {
        return Err("you cannot close your own account".into());
    }
    if !leaving.active {
        return Err(format!("{}'s account is already closed", leaving.display_name));
    }
    let team = |id: UserId| team_of(users, id);
    if receivers.is_empty() {
        return may_reassign(viewer, Some(rep), leaving.team_id, None, None).map_err(String::from);
    }
    for r in receivers {
        let Some(receiver) = users.iter().find(|u| u.id == *r) else {
            return Err("one of the chosen receivers does not exist".into());
        };
        if *r == rep || !receiver.active {
            return Err(format!("{} cannot receive customers", receiver.display_name));
        }
        may_reassign(viewer, Some(rep), leaving.team_id, Some(*r), team(*r))
            .map_err(|why| format!("{}: {why}", receiver.display_name))?;
    }
    Ok(())
}

/// What a closed account's device may still hand in: facts (visits, notes)
/// recorded before the account was closed. Nothing recorded later, and no
/// edit, counts: the customers belong to someone else now.
pub fn after_closing(m: &Mutation, closed_at: DateTime<Utc>) -> Result<(), String> {
    let refused = || "your account was closed; only visits and notes recorded before that are kept".to_owned();
    let Op::Create { fields } = &m.op else {
        return Err(refused());
    };
    if !m.entity.is_fact() {
        return Err(refused());
    }
    match fields
        .get("at")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
    {
        Some(at) if at <= closed_at => Ok(()),
        _ => Err(refused()),
    }
}

/// The owners whose records a viewer sees, for filtering queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerScope {
    /// No filter.
    All,
    /// Records owned by one of `owners`, plus pool records if `pool`.
    Owners { owners: Vec<UserId>, pool: bool },
}

/// Turns [`can_see`] into a filter over all `users`, so the database can do
/// the filtering without the rule being written again in SQL.
pub fn scope(viewer: &Viewer, users: &[User]) -> OwnerScope {
    if viewer.role == Role::Admin {
        return OwnerScope::All;
    }
    let owners = users
        .iter()
        .filter(|u| can_see(viewer, Some(u.id), u.team_id))
        .map(|u| u.id)
        .collect();
    OwnerScope::Owners {
        owners,
        pool: can_see(viewer, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn user(role: Role, team: Option<TeamId>) -> User {
        User {
            id: UserId(Uuid::now_v7()),
            username: format!("{}-{}", role.as_str(), Uuid::now_v7()),
            display_name: "x".into(),
            role,
            team_id: team,
            active: true,
        }
    }

    #[test]
    fn rep_sees_only_their_own_records() {
        let team = Some(TeamId(Uuid::now_v7()));
        let rep = user(Role::Rep, team);
        let other = user(Role::Rep, team);
        let v = Viewer::from(&rep);
        assert!(can_see(&v, Some(rep.id), team));
        assert!(!can_see(&v, Some(other.id), team));
        assert!(!can_see(&v, None, None));
    }

    #[test]
    fn manager_sees_their_team_and_the_pool_but_not_other_teams() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = user(Role::Manager, north);
        let v = Viewer::from(&manager);
        assert!(can_see(&v, Some(user(Role::Rep, north).id), north));
        assert!(!can_see(&v, Some(user(Role::Rep, south).id), south));
        assert!(can_see(&v, None, None));
    }

    #[test]
    fn manager_without_team_sees_no_one_elses_records() {
        let manager = user(Role::Manager, None);
        let rep = user(Role::Rep, None);
        assert!(!can_see(&Viewer::from(&manager), Some(rep.id), None));
    }

    #[test]
    fn only_managers_and_admins_reassign_and_managers_only_within_their_team() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = Viewer::from(&user(Role::Manager, north));
        let (a, b) = (user(Role::Rep, north), user(Role::Rep, north));
        let stranger = user(Role::Rep, south);
        assert_eq!(may_reassign(&manager, Some(a.id), north, Some(b.id), north), Ok(()));
        assert_eq!(may_reassign(&manager, Some(a.id), north, None, None), Ok(()));
        assert!(may_reassign(&manager, Some(a.id), north, Some(stranger.id), south).is_err());
        assert!(may_reassign(&manager, Some(stranger.id), south, Some(a.id), north).is_err());
        assert!(may_reassign(&Viewer::from(&a), Some(a.id), north, Some(b.id), north).is_err());
        let admin = Viewer::from(&user(Role::Admin, None));
        assert_eq!(
            may_reassign(&admin, Some(a.id), north, Some(stranger.id), south),
            Ok(())
        );
    }

    #[test]
    fn managers_hand_over_within_their_team_to_active_receivers() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = user(Role::Manager, north);
        let (leaving, stays) = (user(Role::Rep, north), user(Role::Rep, north));
        let mut gone = user(Role::Rep, north);
        gone.active = false;
        let stranger = user(Role::Rep, south);
        let all = vec![
            manager.clone(),
            leaving.clone(),
            stays.clone(),
            gone.clone(),
            stranger.clone(),
        ];
        let m = Viewer::from(&manager);
        assert_eq!(may_hand_over(&m, &all, leaving.id, &[stays.id]), Ok(()));
        assert_eq!(may_hand_over(&m, &all, leaving.id, &[]), Ok(()));
        assert!(may_hand_over(&m, &all, leaving.id, &[stranger.id]).is_err());
        assert!(may_hand_over(&m, &all, leaving.id, &[gone.id]).is_err());
        assert!(may_hand_over(&m, &all, leaving.id, &[leaving.id]).is_err());
        assert!(may_hand_over(&m, &all, stranger.id, &[]).is_err());
        assert!(may_hand_over(&m, &all, gone.id, &[stays.id])
            .unwrap_err()
            .contains("already closed"));
        assert!(may_hand_over(&Viewer::from(&stays), &all, leaving.id, &[stays.id]).is_err());
        assert!(may_hand_over(&m, &all, manager.id, &[stays.id]).is_err());
    }

    #[test]
    fn closed_account_hands_in_only_facts_recorded_before_closing() {
        use crate::entity::EntityKind;
        let closed: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
        let fact = |entity, at: &str| Mutation {
            seq: 1,
            entity,
            id: Uuid::now_v7(),
            op: Op::Create {
                fields: serde_json::json!({"at": at}).as_object().unwrap().clone(),
            },
        };
        assert!(after_closing(&fact(EntityKind::Activity, "2026-06-01T11:00:00Z"), closed).is_ok());
        assert!(after_closing(&fact(EntityKind::Activity, "2026-06-01T13:00:00Z"), closed).is_err());
        assert!(after_closing(&fact(EntityKind::Customer, "2026-06-01T11:00:00Z"), closed).is_err());
        let edit = Mutation {
            seq: 2,
            entity: EntityKind::Activity,
            id: Uuid::now_v7(),
            op: Op::Delete,
        };
        assert!(after_closing(&edit, closed).is_err());
    }

    #[test]
    fn scope_lists_exactly_the_visible_owners() {
        let north = Some(TeamId(Uuid::now_v7()));
        let manager = user(Role::Manager, north);
        let rep = user(Role::Rep, north);
        let stranger = user(Role::Rep, Some(TeamId(Uuid::now_v7())));
        let all = vec![manager.clone(), rep.clone(), stranger];
        assert_eq!(
            scope(&Viewer::from(&manager), &all),
            OwnerScope::Owners {
                owners: vec![manager.id, rep.id],
                pool: true
            }
        );
        assert_eq!(scope(&Viewer::from(&user(Role::Admin, None)), &all), OwnerScope::All);
    }
}
