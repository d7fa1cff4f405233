//! One push, inside its batch's transaction: each mutation answered from
//! an earlier identical push or decided by the shared sync rules, and what
//! the decision causes (`yingpan_shared::sync::effects`) carried out.

use super::dedup::{judge_new_customer, merged_into, write_flag, Verdict};
use super::moves::{refresh_pool_entry, remove_pool_entries};
use super::pool::{load_history, note_activity, note_win, pool_op};
use super::records::{load_record, write_conflicts, write_record};
use super::{Conn, Db};
use crate::store::columns::corrupt;
use crate::store::{StoreError, StoreResult};
use sqlx::Row as _;
use std::collections::HashMap;
use yingpan_shared::access::{can_see, Viewer};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::sync::{
    decide, effects, needs_duplicate_check, needs_history, parent_of, Decision, Effect, Mutation, MutationResult,
    MutationStatus, Op, PushRequest, StoredRecord,
};
use yingpan_shared::user::User;

/// A push's answers by mutation seq: those given before (read in one
/// query) and those decided now (stored in one statement at the end). A
/// seq named twice in one push is answered the second time as the first.
#[derive(Default)]
pub(super) struct Answers {
    given: HashMap<i64, MutationResult>,
    decided: Vec<(i64, String)>,
}

impl Answers {
    pub(super) fn found(&mut self, seq: i64, result: MutationResult) {
        self.given.insert(seq, result);
    }

    pub(super) fn earlier(&self, seq: i64) -> Option<&MutationResult> {
        self.given.get(&seq)
    }

    pub(super) fn keep(&mut self, seq: i64, result: &MutationResult) -> serde_json::Result<()> {
        self.decided.push((seq, serde_json::to_string(result)?));
        self.given.insert(seq, result.clone());
        Ok(())
    }

    pub(super) fn decided(&self) -> &[(i64, String)] {
        &self.decided
    }
}

/// Keeps a mutation's answer so a retried push gets the same one.
/// What this client was answered before for the mutations of a push
/// (a retried push, or part of one), in one query.
pub(super) async fn earlier_answers(
    conn: &mut Conn,
    client: &str,
    author: &str,
    mutations: &[Mutation],
) -> StoreResult<Answers> {
    let mut answers = Answers::default();
    if mutations.is_empty() {
        return Ok(answers);
    }
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT seq, result FROM applied_mutations WHERE client_id = ");
    q.push_bind(client)
        .push(" AND user_id = ")
        .push_bind(author)
        .push(" AND seq IN (");
    let mut list = q.separated(", ");
    for m in mutations {
        list.push_bind(i64::try_from(m.seq).map_err(corrupt)?);
    }
    list.push_unseparated(")");
    // Its shape varies with the push: not worth a prepared statement.
    for row in q.build().persistent(false).fetch_all(&mut *conn).await? {
        let text: String = row.try_get("result")?;
        answers.found(row.try_get("seq")?, serde_json::from_str(&text).map_err(corrupt)?);
    }
    Ok(answers)
}

/// Stores a push's new answers, so that a retry is answered from them.
pub(super) async fn remember_answers(
    conn: &mut Conn,
    client: &str,
    author: &str,
    answers: &[(i64, String)],
    now: i64,
) -> StoreResult<()> {
    // Five values a row, well within every backend's limit per statement.
    for chunk in answers.chunks(500) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO applied_mutations (client_id, seq, user_id, result, applied_at) ",
        );
        q.push_values(chunk, |mut row, (seq, result)| {
            row.push_bind(client)
                .push_bind(*seq)
                .push_bind(author)
                .push_bind(result.clone())
                .push_bind(now);
        });
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Applies one push inside the transaction of its batch (see
/// `group_commit`): each mutation is answered from an earlier
/// identical push or decided by the shared sync rules.
pub(super) async fn push_in(
    conn: &mut Conn,
    viewer: &Viewer,
    users: &[User],
    req: &PushRequest,
    now: i64,
) -> StoreResult<Vec<MutationResult>> {
    let teams: HashMap<UserId, Option<TeamId>> = users.iter().map(|u| (u.id, u.team_id)).collect();
    let team_lookup = |id: UserId| teams.get(&id).copied().flatten();
    let client = req.client_id.to_string();
    let author = viewer.id.to_string();
    let tx = conn;
    // A client's stored answers are its user's: another user
    // naming the same client id learns nothing and changes nothing.
    sqlx::query("INSERT INTO sync_clients (client_id, user_id) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING")
        .bind(&client)
        .bind(&author)
        .execute(&mut *tx)
        .await?;
    let holder: String = sqlx::query("SELECT user_id FROM sync_clients WHERE client_id = $1")
        .bind(&client)
        .fetch_one(&mut *tx)
        .await?
        .try_get("user_id")?;
    if holder != author {
        return Err(StoreError::Refused(
            "this device's sync id belongs to someone else; sign out and in again on this device".into(),
        ));
    }
    let mut results = Vec::with_capacity(req.mutations.len());
    let mut answers = earlier_answers(tx, &client, &author, &req.mutations).await?;
    for m in &req.mutations {
        let mseq = i64::try_from(m.seq).map_err(corrupt)?;
        if let Some(earlier) = answers.earlier(mseq) {
            results.push(earlier.clone());
            continue;
        }
        if matches!(m.op, Op::Claim | Op::Release { .. }) {
            let outcome = pool_op(tx, viewer, users, m, now).await?;
            let result = MutationResult {
                seq: m.seq,
                status: if outcome.is_ok() {
                    MutationStatus::Applied
                } else {
                    MutationStatus::Rejected
                },
                message: outcome.err(),
                conflicts: Vec::new(),
            };
            answers.keep(mseq, &result).map_err(corrupt)?;
            results.push(result);
            continue;
        }
        // A change to a customer merged away meanwhile goes to
        // the customer it was merged into.
        let mut redirected;
        let mut current = load_record(tx, m.entity, m.id).await?;
        let mut m = m;
        if let Some(survivor) = merged_into(current.as_ref()) {
            if !matches!(m.op, Op::Update { .. }) {
                // A delete (or a claim) meant for the merged-away
                // customer must never reach the survivor.
                // Named only to someone who may see it.
                let name = load_record(tx, EntityKind::Customer, survivor)
                    .await?
                    .filter(|(r, _)| can_see(viewer, r.owner_id, r.owner_id.and_then(team_lookup)))
                    .and_then(|(r, _)| r.data.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| "another customer".to_owned());
                let result = MutationResult {
                    seq: m.seq,
                    status: MutationStatus::Rejected,
                    message: Some(format!(
                        "this customer was merged into {name} ({survivor}); {}",
                        if matches!(m.op, Op::Delete) {
                            "nothing was deleted"
                        } else {
                            "change that one instead"
                        }
                    )),
                    conflicts: Vec::new(),
                };
                answers.keep(mseq, &result).map_err(corrupt)?;
                results.push(result);
                continue;
            }
            redirected = m.clone();
            redirected.id = survivor;
            current = load_record(tx, EntityKind::Customer, survivor).await?;
            m = &redirected;
        }
        let mut parent = match parent_of(m, current.as_ref().map(|(r, _)| r)) {
            Some(pid) => load_record(tx, EntityKind::Customer, pid).await?,
            None => None,
        };
        if let (Some(survivor), Op::Create { fields }) = (merged_into(parent.as_ref()), &m.op) {
            let mut fields = fields.clone();
            fields.insert("customer_id".into(), serde_json::json!(survivor));
            redirected = Mutation {
                op: Op::Create { fields },
                ..m.clone()
            };
            m = &redirected;
            parent = load_record(tx, EntityKind::Customer, survivor).await?;
        }
        let history = match &parent {
            Some((p, _)) if needs_history(m) => load_history(tx, p.id).await?,
            _ => Vec::new(),
        };
        let decision = decide(
            viewer,
            &team_lookup,
            m,
            current.as_ref().map(|(r, _)| r),
            parent.as_ref().map(|(r, _)| r),
            &history,
            chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
        );
        let mut flag = None;
        let decision = match decision {
            // A new customer, or one renamed (or given a phone or
            // email) into another's: the same policy either way.
            Decision::Write { ref record, .. }
                if needs_duplicate_check(m.entity, current.as_ref().map(|(r, _)| r), &record.data) =>
            {
                match judge_new_customer(tx, users, m.id, &record.data).await? {
                    Verdict::Refuse(message) => Decision::Reject { message },
                    Verdict::Flag(existing, likeness, score) => {
                        flag = Some((existing, likeness, score));
                        decision
                    }
                    Verdict::Fine => decision,
                }
            }
            other => other,
        };
        let result = match decision {
            Decision::Reject { message } => MutationResult {
                seq: m.seq,
                status: MutationStatus::Rejected,
                message: Some(message),
                conflicts: Vec::new(),
            },
            Decision::Unchanged => MutationResult {
                seq: m.seq,
                status: MutationStatus::Applied,
                message: None,
                conflicts: Vec::new(),
            },
            Decision::Write {
                record,
                status,
                conflicts,
            } => {
                write_record(
                    tx,
                    m.entity,
                    m.id,
                    record.owner_id,
                    record.parent_id,
                    &record.data,
                    record.deleted,
                    now,
                    &author,
                )
                .await?;
                let written = StoredRecord {
                    entity: m.entity,
                    id: m.id,
                    owner_id: record.owner_id,
                    parent_id: record.parent_id,
                    data: record.data,
                    deleted: record.deleted,
                };
                if let Some((existing, likeness, score)) = flag.take() {
                    write_flag(tx, &written, &existing, likeness, score, now).await?;
                }
                let before = current.as_ref().map(|(r, _)| r);
                let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
                for effect in effects(m.entity, before, &written, !conflicts.is_empty(), at) {
                    match effect {
                        Effect::Activity { customer, at } => note_activity(tx, customer, at.timestamp_millis()).await?,
                        Effect::Won { customer } => note_win(tx, customer, now).await?,
                        Effect::RefreshPoolEntry { customer } => refresh_pool_entry(tx, customer, now, &author).await?,
                        Effect::RemovePoolEntry { customer } => remove_pool_entries(tx, &[customer], now).await?,
                        Effect::KeepConflicts => {
                            if let Some((before, last_writer)) = &current {
                                let lost_by = last_writer.parse().ok().map(UserId);
                                write_conflicts(tx, before, &conflicts, Some(viewer.id), lost_by, now).await?;
                            }
                        }
                    }
                }
                MutationResult {
                    seq: m.seq,
                    status,
                    message: None,
                    conflicts,
                }
            }
            Decision::EditOfDeleted { conflicts } => {
                if let Some((gone, deleter)) = &current {
                    let kept_by = deleter.parse().ok().map(UserId);
                    write_conflicts(tx, gone, &conflicts, kept_by, Some(viewer.id), now).await?;
                }
                MutationResult {
                    seq: m.seq,
                    status: MutationStatus::Conflicted,
                    message: Some(format!(
                        "this {} was deleted meanwhile; your edit is kept in the conflict list",
                        m.entity
                    )),
                    conflicts,
                }
            }
        };
        answers.keep(mseq, &result).map_err(corrupt)?;
        results.push(result);
    }
    remember_answers(tx, &client, &author, answers.decided(), now).await?;
    Ok(results)
}
