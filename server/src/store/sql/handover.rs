//! A departing rep's book: planning and carrying out its handover to one
//! colleague, several, or the pool, leads included.

use super::moves::{move_customers, Move};
use super::records::write_record;
use super::Conn;
use crate::store::columns::{corrupt, parse_uuid};
use crate::store::Refusal;
use crate::store::StoreResult;
use sqlx::Row as _;
use std::collections::HashMap;
use yingpan_shared::api::{HandoverPlan, HandoverShare};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::ownership::OwnershipKind;
use yingpan_shared::pool::{plan_handover, Handover};
use yingpan_shared::user::User;

/// Plans (and with `confirm`, carries out) a departed rep's handover.
#[allow(clippy::too_many_arguments)]
/// Gives a departing rep's leads to the receivers (see
/// `plan_lead_handover`).
pub(super) async fn hand_over_leads(
    conn: &mut Conn,
    rep: UserId,
    handover: &Handover,
    by: UserId,
    now: i64,
) -> StoreResult<()> {
    let rows = sqlx::query(
        "SELECT id, data FROM records WHERE entity = 'lead' AND owner_id = $1 AND deleted = FALSE ORDER BY id",
    )
    .bind(rep.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut leads = HashMap::new();
    for row in &rows {
        let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
        leads.insert(id, data);
    }
    let mut ids: Vec<uuid::Uuid> = leads.keys().copied().collect();
    ids.sort();
    for (id, to) in yingpan_shared::pool::plan_lead_handover(&ids, handover, by) {
        let mut data = leads.remove(&id).unwrap_or_default();
        data.insert("owner_id".into(), serde_json::json!(to));
        write_record(
            &mut *conn,
            EntityKind::Lead,
            id,
            Some(to),
            None,
            &data,
            false,
            now,
            &by.to_string(),
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn hand_over_in(
    conn: &mut Conn,
    users: &[User],
    departing: &User,
    handover: &Handover,
    confirm: bool,
    by: UserId,
    now: i64,
) -> StoreResult<Result<HandoverPlan, Refusal>> {
    let rep = departing.id.to_string();
    let rows = sqlx::query(
        "SELECT id, data FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE ORDER BY id",
    )
    .bind(&rep)
    .fetch_all(&mut *conn)
    .await?;
    let mut customers = Vec::with_capacity(rows.len());
    let mut names = HashMap::new();
    for row in &rows {
        let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
        names.insert(
            id,
            data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
        );
        customers.push(id);
    }
    let records: i64 = sqlx::query("SELECT COUNT(*) AS n FROM records WHERE owner_id = $1 AND deleted = FALSE")
        .bind(&rep)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let receivers: Vec<UserId> = match handover {
        Handover::ToOne { to } => vec![*to],
        Handover::Spread { to } => to.clone(),
        Handover::Pool => Vec::new(),
    };
    let mut books = Vec::new();
    for r in &receivers {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE",
        )
        .bind(r.to_string())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        books.push((*r, n.max(0) as u64));
    }
    let plan = match plan_handover(&customers, handover, &books) {
        Ok(p) => p,
        Err(why) => return Ok(Err(Refusal::Invalid(why))),
    };
    let targets: Vec<Option<UserId>> = if receivers.is_empty() {
        vec![None]
    } else {
        receivers.iter().copied().map(Some).collect()
    };
    let shares = targets
        .iter()
        .map(|t| {
            let mine: Vec<&uuid::Uuid> = plan.iter().filter(|(_, to)| to == t).map(|(c, _)| c).collect();
            let before = books.iter().find(|(u, _)| Some(*u) == *t).map_or(0, |(_, n)| *n);
            HandoverShare {
                to: *t,
                customers: mine.len() as u64,
                owned_after: if t.is_some() { before + mine.len() as u64 } else { 0 },
                sample: mine.iter().take(5).map(|c| names[*c].clone()).collect(),
            }
        })
        .collect();
    let outcome = HandoverPlan {
        customers: customers.len() as u64,
        records: records.max(0) as u64,
        shares,
        done: confirm,
    };
    if !confirm {
        return Ok(Ok(outcome));
    }
    sqlx::query("UPDATE users SET active = FALSE, departed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&rep)
        .execute(&mut *conn)
        .await?;
    let users: Vec<User> = users
        .iter()
        .map(|u| User {
            active: u.active && u.id != departing.id,
            ..u.clone()
        })
        .collect();
    let moves: Vec<Move> = plan
        .into_iter()
        .map(|(customer, to)| Move {
            customer,
            from: Some(departing.id),
            to,
            reason: Some(format!("{} left the company", departing.display_name)),
        })
        .collect();
    move_customers(&mut *conn, &users, &moves, OwnershipKind::Departure, Some(by), now).await?;
    hand_over_leads(&mut *conn, departing.id, handover, by, now).await?;
    Ok(Ok(outcome))
}
