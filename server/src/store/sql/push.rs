//! One push, inside its batch's transaction: each mutation answered from
//! an earlier identical push or decided by the shared sync rules, and what
//! the decision causes (`yingpan_shared::sync::effects`) carried out. What
//! is decided is written when the push ends (`pending`).

use super::dedup::{keys_of, merged_into, Verdict};
use super::money::load_book;
use super::pending::{Later, Loaded, Pending};
use super::pool::{load_history, load_rules, pool_op};
use super::{load_setting, Conn, Db};
use crate::store::columns::corrupt;
use crate::store::{StoreError, StoreResult};
use sqlx::Row as _;
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::access::{can_see, Viewer};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::merge::FieldConflict;
use yingpan_shared::money::book::{follow, Book, Follow, MoneyWrite};
use yingpan_shared::rules::WorkRules;
use yingpan_shared::sync::{
    decide, effects, needs_duplicate_check, needs_history, parent_of, Decision, Effect, Mutation, MutationResult,
    MutationStatus, Op, PushRequest, RecordWrite, StoredRecord,
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
    tx: &mut Conn,
    viewer: &Viewer,
    users: &[User],
    req: &PushRequest,
    now: i64,
) -> StoreResult<Vec<MutationResult>> {
    let client = req.client_id.to_string();
    let author = viewer.id.to_string();
    hold_client(tx, &client, &author).await?;
    let push = Push {
        viewer,
        users,
        teams: users.iter().map(|u| (u.id, u.team_id)).collect(),
        author: &author,
        now,
        money_rules: tokio::sync::OnceCell::new(),
    };
    let mut results = Vec::with_capacity(req.mutations.len());
    let mut answers = earlier_answers(tx, &client, &author, &req.mutations).await?;
    let mut pending = Pending::default();
    let new: Vec<&Mutation> = req
        .mutations
        .iter()
        .filter(|m| i64::try_from(m.seq).is_ok_and(|seq| answers.earlier(seq).is_none()))
        .collect();
    pending.prefetch(tx, &new).await?;
    for m in &req.mutations {
        let mseq = i64::try_from(m.seq).map_err(corrupt)?;
        let result = match answers.earlier(mseq) {
            Some(earlier) => earlier.clone(),
            None => {
                let result = push.apply(tx, &mut pending, m).await?;
                answers.keep(mseq, &result).map_err(corrupt)?;
                result
            }
        };
        results.push(result);
    }
    pending.flush(tx, now).await?;
    remember_answers(tx, &client, &author, answers.decided(), now).await?;
    Ok(results)
}

/// A client's stored answers are its user's: another user naming the same
/// client id learns nothing and changes nothing.
async fn hold_client(tx: &mut Conn, client: &str, author: &str) -> StoreResult<()> {
    sqlx::query("INSERT INTO sync_clients (client_id, user_id) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING")
        .bind(client)
        .bind(author)
        .execute(&mut *tx)
        .await?;
    let holder: String = sqlx::query("SELECT user_id FROM sync_clients WHERE client_id = $1")
        .bind(client)
        .fetch_one(&mut *tx)
        .await?
        .try_get("user_id")?;
    if holder != author {
        return Err(StoreError::Refused(
            "this device's sync id belongs to someone else; sign out and in again on this device".into(),
        ));
    }
    Ok(())
}

/// What every mutation of one push is decided with.
struct Push<'a> {
    viewer: &'a Viewer,
    users: &'a [User],
    teams: HashMap<UserId, Option<TeamId>>,
    author: &'a str,
    now: i64,
    /// The company's date and its work rules (contract approval, dunning
    /// levels), read at the push's first money write.
    money_rules: tokio::sync::OnceCell<(chrono::NaiveDate, WorkRules)>,
}

/// A mutation with the records it is decided against, after following a
/// merge: the record it names and that record's customer.
struct Target {
    mutation: Mutation,
    current: Loaded,
    parent: Loaded,
}

impl Push<'_> {
    fn team(&self, id: UserId) -> Option<TeamId> {
        self.teams.get(&id).copied().flatten()
    }

    fn answer(m: &Mutation, status: MutationStatus, message: Option<String>) -> MutationResult {
        MutationResult {
            seq: m.seq,
            status,
            message,
            conflicts: Vec::new(),
        }
    }

    /// Decides one new mutation, and what the decision causes.
    async fn apply(&self, tx: &mut Conn, pending: &mut Pending, m: &Mutation) -> StoreResult<MutationResult> {
        if matches!(m.op, Op::Claim | Op::Release { .. }) {
            // A claim moves customers in SQL: what was decided goes first.
            pending.flush(tx, self.now).await?;
            return Ok(match pool_op(tx, self.viewer, self.users, m, self.now).await? {
                Ok(()) => Self::answer(m, MutationStatus::Applied, None),
                Err(why) => Self::answer(m, MutationStatus::Rejected, Some(why)),
            });
        }
        let target = match self.target(tx, pending, m).await? {
            Ok(target) => target,
            Err(refused) => return Ok(refused),
        };
        let m = &target.mutation;
        let current = target.current.as_ref().map(|(r, _)| r);
        // Money is decided against the customer's whole book as it stands
        // now, what this push decided before included.
        let book = match &target.parent {
            // A print or a product changes no one's money.
            Some((p, _)) if m.entity.is_money() && m.entity != EntityKind::Print => {
                pending.flush(tx, self.now).await?;
                Some((p.clone(), load_book(tx, p.id).await?))
            }
            _ => None,
        };
        let history = match &target.parent {
            Some((p, _)) if needs_history(m) => load_history(tx, p.id).await?,
            _ => Vec::new(),
        };
        let decision = decide(
            self.viewer,
            &|id| self.team(id),
            m,
            current,
            target.parent.as_ref().map(|(r, _)| r),
            &history,
            chrono::DateTime::from_timestamp_millis(self.now).unwrap_or_default(),
        );
        let mut flag = None;
        let decision = match decision {
            // A new customer, or one renamed (or given a phone or email)
            // into another's: the same policy either way.
            Decision::Write { ref record, .. } if needs_duplicate_check(m.entity, current, &record.data) => {
                match pending.judge(tx, self.users, m.id, keys_of(&record.data)).await? {
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
        Ok(match decision {
            Decision::Reject { message } => Self::answer(m, MutationStatus::Rejected, Some(message)),
            Decision::Unchanged => Self::answer(m, MutationStatus::Applied, None),
            Decision::Write {
                mut record,
                status,
                conflicts,
            } => {
                let follows = match &book {
                    Some((customer, book)) => match self.money(tx, book, m.entity, current, &mut record).await? {
                        Ok(follows) => Some((customer, follows)),
                        Err(why) => return Ok(Self::answer(m, MutationStatus::Rejected, Some(why))),
                    },
                    None => None,
                };
                let written = StoredRecord {
                    entity: m.entity,
                    id: m.id,
                    owner_id: record.owner_id,
                    parent_id: record.parent_id,
                    data: record.data,
                    deleted: record.deleted,
                };
                self.write(pending, &target.current, &written, &conflicts);
                if let Some((customer, follows)) = follows {
                    self.follow(pending, customer, follows);
                }
                if let Some((existing, likeness, score)) = flag {
                    pending.later(Later::Flag {
                        customer: written,
                        existing,
                        likeness,
                        score,
                    });
                }
                MutationResult {
                    seq: m.seq,
                    status,
                    message: None,
                    conflicts,
                }
            }
            Decision::EditOfDeleted { conflicts } => {
                if let Some((gone, deleter)) = &target.current {
                    pending.later(Later::Conflicts {
                        record: gone.clone(),
                        conflicts: conflicts.clone(),
                        kept_by: deleter.parse().ok().map(UserId),
                        lost_by: Some(self.viewer.id),
                    });
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
        })
    }

    /// What a money write does beyond itself, by the shared rules, or why
    /// it is refused; the rules may set fields of `record` the server
    /// decides.
    async fn money(
        &self,
        tx: &mut Conn,
        book: &Book,
        entity: EntityKind,
        current: Option<&StoredRecord>,
        record: &mut RecordWrite,
    ) -> StoreResult<Result<Vec<Follow>, String>> {
        let (today, rules) = self
            .money_rules
            .get_or_try_init(|| async {
                let now = chrono::DateTime::from_timestamp_millis(self.now).unwrap_or_default();
                let today = load_rules(&mut *tx).await?.local_date(now);
                let rules = load_setting::<WorkRules>(&mut *tx, "work_rules").await?;
                Ok::<_, StoreError>((today, rules))
            })
            .await?;
        let write = MoneyWrite {
            role: self.viewer.role,
            by: self.viewer.id,
            entity,
            before: current.filter(|c| !c.deleted).map(|c| &c.data),
            after: &mut record.data,
            deleted: record.deleted,
            today: *today,
            approval: rules.contracts_need_approval,
            levels: &rules.money.dunning,
        };
        Ok(follow(book, write, &mut Uuid::now_v7))
    }

    /// Writes what a money write made follow, as its author's.
    fn follow(&self, pending: &mut Pending, customer: &StoredRecord, follows: Vec<Follow>) {
        for f in follows {
            match f {
                Follow::Write { entity, id, data } => pending.write(
                    StoredRecord {
                        entity,
                        id,
                        owner_id: customer.owner_id,
                        parent_id: Some(customer.id),
                        data,
                        deleted: false,
                    },
                    self.author,
                    self.now,
                ),
                Follow::OpenContract(open) => pending.later(Later::OpenContract {
                    customer: customer.id,
                    open,
                }),
            }
        }
    }

    /// Loads what `m` is decided against. A change to a customer merged
    /// away meanwhile goes to the customer it was merged into, and so does
    /// a record created under one; anything else meant for a merged-away
    /// customer is refused (the answer is the `Err`).
    async fn target(
        &self,
        tx: &mut Conn,
        pending: &mut Pending,
        m: &Mutation,
    ) -> StoreResult<Result<Target, MutationResult>> {
        let mut m = m.clone();
        let mut current = pending.load(tx, m.entity, m.id).await?;
        if let Some(survivor) = merged_into(current.as_ref()) {
            if !matches!(m.op, Op::Update { .. }) {
                return Ok(Err(self.refuse_merged(tx, pending, &m, survivor).await?));
            }
            m.id = survivor;
            current = pending.load(tx, EntityKind::Customer, survivor).await?;
        }
        let mut parent = match parent_of(&m, current.as_ref().map(|(r, _)| r)) {
            Some(pid) => pending.load(tx, EntityKind::Customer, pid).await?,
            None => None,
        };
        if let (Some(survivor), Op::Create { fields }) = (merged_into(parent.as_ref()), &mut m.op) {
            fields.insert("customer_id".into(), serde_json::json!(survivor));
            parent = pending.load(tx, EntityKind::Customer, survivor).await?;
        }
        Ok(Ok(Target {
            mutation: m,
            current,
            parent,
        }))
    }

    /// A delete (or a claim) meant for a merged-away customer must never
    /// reach the survivor, which is named only to someone who may see it.
    async fn refuse_merged(
        &self,
        tx: &mut Conn,
        pending: &mut Pending,
        m: &Mutation,
        survivor: Uuid,
    ) -> StoreResult<MutationResult> {
        let name = pending
            .load(tx, EntityKind::Customer, survivor)
            .await?
            .filter(|(r, _)| can_see(self.viewer, r.owner_id, r.owner_id.and_then(|o| self.team(o))))
            .and_then(|(r, _)| r.data.get("name").and_then(|n| n.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "another customer".to_owned());
        let what = if matches!(m.op, Op::Delete) {
            "nothing was deleted"
        } else {
            "change that one instead"
        };
        Ok(Self::answer(
            m,
            MutationStatus::Rejected,
            Some(format!("this customer was merged into {name} ({survivor}); {what}")),
        ))
    }

    /// Writes a record decided on, and what the shared rules say the write
    /// causes (`yingpan_shared::sync::effects`), when the push ends.
    fn write(&self, pending: &mut Pending, current: &Loaded, written: &StoredRecord, conflicts: &[FieldConflict]) {
        pending.write(written.clone(), self.author, self.now);
        let before = current.as_ref().map(|(r, _)| r);
        let at = chrono::DateTime::from_timestamp_millis(self.now).unwrap_or_default();
        for effect in effects(written.entity, before, written, !conflicts.is_empty(), at) {
            pending.later(match effect {
                Effect::Activity { customer, at } => Later::Activity {
                    customer,
                    at: at.timestamp_millis(),
                },
                Effect::Won { customer } => Later::Won { customer },
                Effect::RefreshPoolEntry { customer } => Later::RefreshPoolEntry {
                    customer,
                    author: self.author.to_owned(),
                },
                Effect::RemovePoolEntry { customer } => Later::RemovePoolEntry { customer },
                Effect::KeepConflicts => match current {
                    Some((before, last_writer)) => Later::Conflicts {
                        record: before.clone(),
                        conflicts: conflicts.to_vec(),
                        kept_by: Some(self.viewer.id),
                        lost_by: last_writer.parse().ok().map(UserId),
                    },
                    None => continue,
                },
            });
        }
    }
}
