//! Who may see which records. The server applies this rule to every pull and
//! push; the app never decides visibility on its own.

use crate::entity::EntityKind;
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
/// - finance reads every customer (money hangs on all of them);
/// - an admin sees everything.
///
/// Seeing is not changing: see [`can_change`].
pub fn can_see(viewer: &Viewer, owner: Option<UserId>, owner_team: Option<TeamId>) -> bool {
    match viewer.role {
        Role::Admin | Role::Finance => true,
        Role::Rep => owner == Some(viewer.id),
        Role::Manager => match owner {
            None => true,
            Some(o) if o == viewer.id => true,
            Some(_) => viewer.team_id.is_some() && owner_team == viewer.team_id,
        },
    }
}

/// Whether `viewer` may change a record owned by `owner`: what they see,
/// except that finance only reads customers.
pub fn can_change(viewer: &Viewer, owner: Option<UserId>, owner_team: Option<TeamId>) -> bool {
    viewer.role != Role::Finance && can_see(viewer, owner, owner_team)
}

/// Why `viewer` may not change customers and their records at all, if so.
pub fn read_only(viewer: &Viewer) -> Option<&'static str> {
    (viewer.role == Role::Finance).then_some(FINANCE_READS)
}

const FINANCE_READS: &str = "finance reads customers but does not change them; ask their owner or manager";

/// Why `role` may not make `op` on a record of `kind`, if so. Finance
/// keeps the money (products, receivable plans, allocations, refunds and
/// credit notes, confirming receipts) and reads the rest; anyone who sees
/// a customer may record a receipt there (finance confirms it) or print.
pub fn may_not_write(role: Role, kind: EntityKind, op: &Op) -> Option<&'static str> {
    let finance = matches!(role, Role::Finance | Role::Admin);
    match kind {
        EntityKind::Product => (!finance).then_some("only an admin or finance manages products"),
        EntityKind::Installment | EntityKind::Allocation | EntityKind::Credit => {
            (!finance).then_some("only finance changes receivables, allocations, refunds and credit notes")
        }
        EntityKind::Receipt if !matches!(op, Op::Create { .. }) => {
            (!finance).then_some("only finance confirms or changes a receipt")
        }
        EntityKind::Receipt | EntityKind::Print | EntityKind::Dunning => None,
        // Finance approves (signs) contracts the rules say it may.
        EntityKind::Contract if matches!(op, Op::Update { .. }) => None,
        EntityKind::Quote | EntityKind::Contract | EntityKind::Delivery => (role == Role::Finance)
            .then_some("finance reads quotes, contracts and deliveries; ask the customer's owner to change them"),
        _ => (role == Role::Finance).then_some(FINANCE_READS),
    }
}

/// Why `role` may not archive customers (or bring archived ones back), if
/// so. The company owns its customers: a rep releases one to the pool;
/// managers (within their team) and admins archive, reversibly.
pub fn may_archive(role: Role) -> Result<(), &'static str> {
    match role {
        Role::Manager | Role::Admin => Ok(()),
        Role::Rep => Err(
            "a customer belongs to the company and cannot be deleted; release it to the pool, or ask your manager to archive it",
        ),
        Role::Finance => Err(FINANCE_READS),
    }
}

/// The team of user `id`, from a list of all users.
pub fn team_of(users: &[User], id: UserId) -> Option<TeamId> {
    users.iter().find(|u| u.id == id).and_then(|u| u.team_id)
}

/// Whether `viewer` may hand a customer from `from` to `to` (`None`: the
/// pool). Managers move customers within their team and to or from the
/// pool; admins anywhere; reps and finance not at all. Nobody takes the book
/// of someone at or above their own rank (a manager cannot move a peer
/// manager's customers). `to` must be an active user.
pub fn may_reassign(
    viewer: &Viewer,
    users: &[User],
    from: Option<UserId>,
    to: Option<UserId>,
) -> Result<(), &'static str> {
    if matches!(viewer.role, Role::Rep | Role::Finance) {
        return Err("only a manager or an admin can reassign customers");
    }
    if !can_see(viewer, from, from.and_then(|f| team_of(users, f))) {
        return Err("this customer is not in your team");
    }
    if !can_see(viewer, to, to.and_then(|t| team_of(users, t))) {
        return Err("the new owner is not in your team");
    }
    let holder = from.and_then(|f| users.iter().find(|u| u.id == f));
    if holder.is_some_and(|h| h.id != viewer.id && h.role.rank() >= viewer.role.rank()) {
        return Err("only someone above its owner can move this customer");
    }
    Ok(())
}

/// Most reps one departing rep's book may be spread over.
pub const MAX_RECEIVERS: usize = 200;

/// Whether `viewer` may close `rep`'s account and hand their customers to
/// `receivers` (none: the pool). Everyone involved must be in the viewer's
/// reach, and the receivers active and not the one leaving.
pub fn may_hand_over(viewer: &Viewer, users: &[User], rep: UserId, receivers: &[UserId]) -> Result<(), String> {
    let leaving = users.iter().find(|u| u.id == rep).ok_or("there is no such user")?;
    if matches!(viewer.role, Role::Rep | Role::Finance) {
        return Err("only a manager or an admin can hand over a rep's customers".into());
    }
    if rep == viewer.id {
        return Err("you cannot close your own account".into());
    }
    if leaving.role.rank() >= viewer.role.rank() {
        return Err(format!(
            "{} is not below you; only someone above them can close their account",
            leaving.display_name
        ));
    }
    if !leaving.active {
        return Err(format!("{}'s account is already closed", leaving.display_name));
    }
    if receivers.is_empty() {
        return may_reassign(viewer, users, Some(rep), None).map_err(String::from);
    }
    if receivers.len() > MAX_RECEIVERS {
        return Err(format!("spread a book over at most {MAX_RECEIVERS} reps"));
    }
    for r in receivers {
        let Some(receiver) = users.iter().find(|u| u.id == *r) else {
            return Err("one of the chosen receivers does not exist".into());
        };
        if *r == rep || !receiver.active {
            return Err(format!("{} cannot receive customers", receiver.display_name));
        }
        if receiver.role == Role::Finance {
            return Err(format!(
                "{} works in finance and cannot own customers",
                receiver.display_name
            ));
        }
        may_reassign(viewer, users, Some(rep), Some(*r)).map_err(|why| format!("{}: {why}", receiver.display_name))?;
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
    // Visits, calls and notes only: money was never the device's to keep.
    if m.entity != crate::entity::EntityKind::Activity {
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
    if matches!(viewer.role, Role::Admin | Role::Finance) {
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
        let boss = user(Role::Manager, north);
        let manager = Viewer::from(&boss);
        let (a, b) = (user(Role::Rep, north), user(Role::Rep, north));
        let stranger = user(Role::Rep, south);
        let peer = user(Role::Manager, north);
        let money = user(Role::Finance, None);
        let all = [
            boss.clone(),
            a.clone(),
            b.clone(),
            stranger.clone(),
            peer.clone(),
            money.clone(),
        ];
        assert_eq!(may_reassign(&manager, &all, Some(a.id), Some(b.id)), Ok(()));
        assert_eq!(may_reassign(&manager, &all, Some(a.id), None), Ok(()));
        assert_eq!(may_reassign(&manager, &all, Some(boss.id), Some(a.id)), Ok(()));
        assert!(may_reassign(&manager, &all, Some(a.id), Some(stranger.id)).is_err());
        assert!(may_reassign(&manager, &all, Some(stranger.id), Some(a.id)).is_err());
        assert!(may_reassign(&manager, &all, Some(peer.id), Some(a.id)).is_err());
        assert!(may_reassign(&Viewer::from(&a), &all, Some(a.id), Some(b.id)).is_err());
        assert!(may_reassign(&Viewer::from(&money), &all, Some(a.id), Some(b.id)).is_err());
        let admin = Viewer::from(&user(Role::Admin, None));
        assert_eq!(may_reassign(&admin, &all, Some(a.id), Some(stranger.id)), Ok(()));
        assert_eq!(may_reassign(&admin, &all, Some(peer.id), Some(a.id)), Ok(()));
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
    fn departures_only_reach_down() {
        let north = Some(TeamId(Uuid::now_v7()));
        let manager = user(Role::Manager, north);
        let peer = user(Role::Manager, north);
        let admin = user(Role::Admin, None);
        let other_admin = user(Role::Admin, None);
        let rep = user(Role::Rep, north);
        let money = user(Role::Finance, None);
        let all = vec![
            manager.clone(),
            peer.clone(),
            admin.clone(),
            other_admin.clone(),
            rep.clone(),
            money.clone(),
        ];
        let m = Viewer::from(&manager);
        assert!(may_hand_over(&m, &all, peer.id, &[manager.id])
            .unwrap_err()
            .contains("not below you"));
        assert!(may_hand_over(&m, &all, admin.id, &[]).is_err());
        let a = Viewer::from(&admin);
        assert_eq!(may_hand_over(&a, &all, peer.id, &[rep.id]), Ok(()));
        assert!(may_hand_over(&a, &all, other_admin.id, &[]).is_err());
        assert!(may_hand_over(&a, &all, rep.id, &[money.id])
            .unwrap_err()
            .contains("finance"));
        assert!(may_hand_over(&Viewer::from(&money), &all, rep.id, &[]).is_err());
    }

    #[test]
    fn finance_reads_every_customer_and_changes_none() {
        let rep = user(Role::Rep, Some(TeamId(Uuid::now_v7())));
        let money = Viewer::from(&user(Role::Finance, None));
        assert!(can_see(&money, Some(rep.id), rep.team_id));
        assert!(can_see(&money, None, None));
        assert!(!can_change(&money, Some(rep.id), rep.team_id));
        assert!(read_only(&money).is_some());
        assert!(read_only(&Viewer::from(&rep)).is_none());
        assert_eq!(scope(&money, std::slice::from_ref(&rep)), OwnerScope::All);
    }

    #[test]
    fn finance_keeps_the_money_and_reps_sell() {
        let create = Op::Create {
            fields: Default::default(),
        };
        let edit = Op::Update {
            fields: Default::default(),
            base: Default::default(),
        };
        for kind in [
            EntityKind::Product,
            EntityKind::Installment,
            EntityKind::Allocation,
            EntityKind::Credit,
        ] {
            assert!(may_not_write(Role::Finance, kind, &create).is_none(), "{kind}");
            assert!(may_not_write(Role::Rep, kind, &create).is_some(), "{kind}");
            assert!(may_not_write(Role::Manager, kind, &create).is_some(), "{kind}");
        }
        for kind in [
            EntityKind::Quote,
            EntityKind::Contract,
            EntityKind::Delivery,
            EntityKind::Customer,
        ] {
            assert!(may_not_write(Role::Rep, kind, &create).is_none(), "{kind}");
            assert!(may_not_write(Role::Finance, kind, &create).is_some(), "{kind}");
        }
        assert!(
            may_not_write(Role::Rep, EntityKind::Receipt, &create).is_none(),
            "recorded to be confirmed"
        );
        assert!(
            may_not_write(Role::Rep, EntityKind::Receipt, &edit).is_some(),
            "only finance confirms"
        );
        assert!(may_not_write(Role::Finance, EntityKind::Receipt, &edit).is_none());
        assert!(may_not_write(Role::Finance, EntityKind::Print, &create).is_none());
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
        for money in [
            EntityKind::Credit,
            EntityKind::Allocation,
            EntityKind::Delivery,
            EntityKind::Print,
        ] {
            assert!(
                after_closing(&fact(money, "2026-06-01T11:00:00Z"), closed).is_err(),
                "a closed account writes no {money}"
            );
        }
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
