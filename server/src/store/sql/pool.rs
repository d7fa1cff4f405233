//! The customer pool: its rules, claims and releases decided by the shared
//! pool rules against facts read under the write lock, what a customer's
//! activity and wins tell the return clock, and the automatic return.

use super::handover::hand_over_in;
use super::moves::{lock_writes, millis, move_customers, time, Move};
use super::records::{load_record, next_seq, overlay};
use super::{load_setting, load_users, save_setting, Backend, Conn, Db, DbRow, BEGIN_WRITE, JOB_LOCK};
use crate::store::columns::{corrupt, parse_uuid};
use crate::store::StoreResult;
use crate::store::{CustomerPool, Refusal};
use sqlx::Row as _;
use yingpan_shared::access::{can_change, can_see, may_reassign, team_of, Viewer};
use yingpan_shared::api::HandoverPlan;
use yingpan_shared::customer::Customer;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::ownership::{OwnershipChange, OwnershipKind};
use yingpan_shared::pool::{check_claim, release_reason, should_return, ClaimFacts, Handover, PoolRules, ReturnFacts};
use yingpan_shared::sync::{Mutation, Op, StoredRecord};
use yingpan_shared::user::User;

pub(super) const RULES_KEY: &str = "pool_rules";

pub(super) async fn load_rules(conn: &mut Conn) -> StoreResult<PoolRules> {
    load_setting(conn, RULES_KEY).await
}

pub(super) async fn claim_facts(
    conn: &mut Conn,
    rules: &PoolRules,
    rep: UserId,
    customer: &StoredRecord,
    now: i64,
) -> StoreResult<ClaimFacts> {
    let owned: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE",
    )
    .bind(rep.to_string())
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let claims: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM ownership_log WHERE to_user = $1 AND kind = 'claim' AND at >= $2")
            .bind(rep.to_string())
            .bind(millis(rules.day_start(time(now))))
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    let last_lost: Option<i64> =
        sqlx::query("SELECT MAX(at) AS at FROM ownership_log WHERE customer_id = $1 AND from_user = $2")
            .bind(customer.id.to_string())
            .bind(rep.to_string())
            .fetch_one(&mut *conn)
            .await?
            .try_get("at")?;
    Ok(ClaimFacts {
        owner: customer.owner_id,
        owned: u32::try_from(owned).unwrap_or(u32::MAX),
        claims_today: u32::try_from(claims).unwrap_or(u32::MAX),
        last_lost: last_lost.map(time),
    })
}

/// A claim or a release pushed by `viewer`: decided by the pool rules
/// against the current state (the caller holds the write lock).
pub(super) async fn pool_op(
    conn: &mut Conn,
    viewer: &Viewer,
    users: &[User],
    m: &Mutation,
    now: i64,
) -> StoreResult<Result<(), String>> {
    if m.entity != EntityKind::Customer {
        return Ok(Err("only customers can be claimed or released".into()));
    }
    if let Some(why) = yingpan_shared::access::read_only(viewer) {
        return Ok(Err(why.into()));
    }
    let customer = match load_record(&mut *conn, EntityKind::Customer, m.id).await? {
        Some((c, _)) if !c.deleted => c,
        _ => return Ok(Err("this customer no longer exists".into())),
    };
    let (kind, to, reason) = match &m.op {
        Op::Claim => {
            let rules = load_rules(&mut *conn).await?;
            let facts = claim_facts(&mut *conn, &rules, viewer.id, &customer, now).await?;
            if let Err(why) = check_claim(&rules, viewer.id, &facts, time(now)) {
                return Ok(Err(why));
            }
            (OwnershipKind::Claim, Some(viewer.id), None)
        }
        Op::Release { reason } => {
            let reason = match release_reason(reason) {
                Ok(r) => r,
                Err(why) => return Ok(Err(why)),
            };
            let owner_team = customer.owner_id.and_then(|o| team_of(users, o));
            if customer.owner_id.is_none() {
                return Ok(Err("this customer is already in the pool".into()));
            }
            if !can_change(viewer, customer.owner_id, owner_team) {
                return Ok(Err("you no longer own this customer".into()));
            }
            (OwnershipKind::Release, None, Some(reason))
        }
        _ => return Ok(Err("not a pool operation".into())),
    };
    let moves = [Move {
        customer: customer.id,
        from: customer.owner_id,
        to,
        reason,
    }];
    move_customers(&mut *conn, users, &moves, kind, Some(viewer.id), now).await?;
    Ok(Ok(()))
}

/// The customer's ownership history, oldest first.
pub(super) async fn load_history(conn: &mut Conn, customer: uuid::Uuid) -> StoreResult<Vec<OwnershipChange>> {
    let rows = sqlx::query(
        "SELECT id, customer_id, kind, from_user, to_user, by_user, reason, at FROM ownership_log \
         WHERE customer_id = $1 ORDER BY at",
    )
    .bind(customer.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(change_from_row).collect()
}

pub(super) fn change_from_row(row: &DbRow) -> StoreResult<OwnershipChange> {
    let user = |col: &str| -> StoreResult<Option<UserId>> {
        let v: Option<String> = row.try_get(col)?;
        Ok(v.as_deref().map(parse_uuid).transpose()?.map(UserId))
    };
    let kind: String = row.try_get("kind")?;
    Ok(OwnershipChange {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        customer_id: parse_uuid(&row.try_get::<String, _>("customer_id")?)?,
        kind: OwnershipKind::parse(&kind).ok_or_else(|| corrupt(format!("unknown ownership kind {kind:?}")))?,
        from: user("from_user")?,
        to: user("to_user")?,
        by: user("by_user")?,
        reason: row.try_get("reason")?,
        at: time(row.try_get("at")?),
    })
}

/// Moves an activity's customer's follow-up clock forward. A time in
/// the future (a wrong device clock) counts as now.
/// A customer's follow-up clock counts from `at` if that is later
/// than what it counted from.
pub(super) async fn note_activity(conn: &mut Conn, customer: uuid::Uuid, at: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE records SET last_activity_at = CASE WHEN last_activity_at IS NULL OR last_activity_at < $1 \
         THEN $1 ELSE last_activity_at END WHERE entity = 'customer' AND id = $2",
    )
    .bind(at)
    .bind(customer.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Starts a customer's "no won deal" clock again when one of its
/// opportunities is won.
/// Restarts a customer's no-deal clock; the customer gets a fresh
/// position so its viewers' devices pull the new `last_won_at` (wins are
/// rare enough for that).
pub(super) async fn note_win(conn: &mut Conn, customer: uuid::Uuid, now: i64) -> StoreResult<()> {
    let seq = next_seq(&mut *conn).await?;
    sqlx::query("UPDATE records SET last_won_at = $1, seq = $2 WHERE entity = 'customer' AND id = $3")
        .bind(now)
        .bind(seq)
        .bind(customer.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn owned_customers_in(
    conn: &mut Conn,
    owners: Option<&[UserId]>,
) -> StoreResult<Vec<crate::store::OwnedCustomer>> {
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT id, owner_id, owner_since, last_activity_at, last_won_at, open_contract, data FROM records \
         WHERE entity = 'customer' AND deleted = FALSE AND owner_id IS NOT NULL",
    );
    if let Some(owners) = owners {
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        q.push(" AND owner_id IN (");
        let mut list = q.separated(", ");
        for o in owners {
            list.push_bind(o.to_string());
        }
        list.push_unseparated(")");
    }
    q.push(" ORDER BY id");
    let mut out = Vec::new();
    for row in q.build().fetch_all(&mut *conn).await? {
        let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let mut data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
        overlay(EntityKind::Customer, &mut data, &row)?;
        // The facts a device gathers from the same record (ReturnFacts::of).
        // One record that no longer reads as a customer must not stop the
        // return of every other.
        let customer: Customer = match serde_json::from_value(serde_json::Value::Object(data)) {
            Ok(customer) => customer,
            Err(e) => {
                tracing::warn!(customer = %id, error = %e, "stored customer does not read; left out of the pool rules");
                continue;
            }
        };
        if let Some(facts) = ReturnFacts::of(&customer, None) {
            out.push(crate::store::OwnedCustomer {
                id,
                owner: customer
                    .owner_id
                    .ok_or_else(|| corrupt("owned customer without owner"))?,
                name: customer.name.to_string(),
                facts,
            });
        }
    }
    Ok(out)
}

pub(super) fn due_moves(rules: &PoolRules, owned: Vec<crate::store::OwnedCustomer>, now: i64) -> Vec<Move> {
    owned
        .into_iter()
        .filter_map(|c| {
            should_return(rules, &c.facts, time(now)).map(|reason| Move {
                customer: c.id,
                from: Some(c.owner),
                to: None,
                reason: Some(reason),
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl CustomerPool for Backend {
    async fn pool_rules(&self) -> StoreResult<PoolRules> {
        let mut conn = self.pool.acquire().await?;
        load_rules(&mut conn).await
    }

    async fn set_pool_rules(&self, rules: &PoolRules) -> StoreResult<()> {
        save_setting(&self.pool, RULES_KEY, rules).await
    }

    async fn reassign(
        &self,
        viewer: &Viewer,
        customer: uuid::Uuid,
        to: Option<UserId>,
        now: i64,
    ) -> StoreResult<Result<u64, Refusal>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        if let Some(new_owner) = to {
            if !users
                .iter()
                .any(|u| u.id == new_owner && u.active && u.role != yingpan_shared::user::Role::Finance)
            {
                return Ok(Err(Refusal::Invalid(
                    "the new owner must be an active rep, manager or admin".into(),
                )));
            }
        }
        let Some((record, _)) = load_record(&mut tx, EntityKind::Customer, customer).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        let from = record.owner_id;
        let team = |id: Option<UserId>| id.and_then(|u| team_of(users, u));
        if record.deleted || !can_see(viewer, from, team(from)) {
            return Ok(Err(Refusal::NotFound));
        }
        if let Err(why) = may_reassign(viewer, users, from, to) {
            return Ok(Err(Refusal::Forbidden(why.into())));
        }
        if from == to {
            return Ok(Ok(0));
        }
        let moves = [Move {
            customer,
            from,
            to,
            reason: None,
        }];
        let moved = move_customers(&mut tx, users, &moves, OwnershipKind::Reassign, Some(viewer.id), now).await?;
        tx.commit().await?;
        Ok(Ok(moved))
    }

    async fn hand_over(
        &self,
        viewer: &Viewer,
        rep: UserId,
        handover: &Handover,
        confirm: bool,
        now: i64,
    ) -> StoreResult<Result<HandoverPlan, Refusal>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        let receivers: Vec<UserId> = match handover {
            Handover::ToOne { to } => vec![*to],
            Handover::Spread { to } => to.clone(),
            Handover::Pool => Vec::new(),
        };
        if let Err(why) = yingpan_shared::access::may_hand_over(viewer, users, rep, &receivers) {
            return Ok(Err(if users.iter().any(|u| u.id == rep) {
                Refusal::Forbidden(why)
            } else {
                Refusal::NotFound
            }));
        }
        let departing = users
            .iter()
            .find(|u| u.id == rep)
            .cloned()
            .ok_or_else(|| corrupt("user vanished"))?;
        let outcome = hand_over_in(&mut tx, users, &departing, handover, confirm, viewer.id, now).await?;
        if confirm && outcome.is_ok() {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn auto_return(&self, now: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        if let Some(lock) = JOB_LOCK {
            let got: bool = sqlx::query(lock).fetch_one(&mut *tx).await?.try_get("locked")?;
            if !got {
                return Ok(0);
            }
        }
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        let rules = load_rules(&mut tx).await?;
        let owned = owned_customers_in(&mut tx, None).await?;
        let moves = due_moves(&rules, owned, now);
        move_customers(&mut tx, users, &moves, OwnershipKind::AutoReturn, None, now).await?;
        tx.commit().await?;
        Ok(moves.len() as u64)
    }

    async fn owned_customers(&self, owners: Option<&[UserId]>) -> StoreResult<Vec<crate::store::OwnedCustomer>> {
        let mut conn = self.pool.acquire().await?;
        owned_customers_in(&mut conn, owners).await
    }
}
