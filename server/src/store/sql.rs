//! The SQL both stores run, written once. The two schemas use the same
//! portable column types (text ids, bigint milliseconds, text JSON), and both
//! drivers accept `$n` placeholders, so one body serves both backends; the
//! macro only stamps it out for each concrete driver type.

use super::{StoreError, StoreResult};
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::sync::MutationResult;
use yingpan_shared::user::{Role, User};

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(format!("bad id {s:?}: {e}")))
}

pub(super) fn parse_entity(s: &str) -> StoreResult<EntityKind> {
    EntityKind::parse(s).ok_or_else(|| corrupt(format!("unknown entity {s:?}")))
}

pub(super) fn make_user(
    id: &str,
    username: String,
    display_name: String,
    role: &str,
    team_id: Option<String>,
    active: bool,
) -> StoreResult<User> {
    Ok(User {
        id: UserId(parse_uuid(id)?),
        username,
        display_name,
        role: Role::parse(role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?,
        team_id: team_id.as_deref().map(parse_uuid).transpose()?.map(TeamId),
        active,
    })
}

/// Customers carry fields only the server keeps, in their own columns (set
/// in bulk when customers change hands); a record's JSON is overlaid with
/// them whenever it is read.
pub(super) fn overlay_server_fields(
    entity: EntityKind,
    data: &mut serde_json::Map<String, serde_json::Value>,
    owner: Option<&str>,
    owner_since: Option<i64>,
    last_activity: Option<i64>,
) {
    if entity != EntityKind::Customer {
        return;
    }
    let time = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map_or(serde_json::Value::Null, |t| serde_json::json!(t))
    };
    data.insert("owner_id".into(), owner.map_or(serde_json::Value::Null, |o| o.into()));
    data.insert("owner_since".into(), time(owner_since));
    data.insert("last_activity_at".into(), time(last_activity));
}

/// A server-made record's fields, for storing it like any other record.
pub(super) fn fields_of(record: &impl serde::Serialize) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    match serde_json::to_value(record).map_err(corrupt)? {
        serde_json::Value::Object(map) => Ok(map),
        other => Err(corrupt(format!("record is not an object: {other}"))),
    }
}

/// A customer's name as the search box folds it, stored for searching in
/// SQL; other records have none.
pub(super) fn search_name(entity: EntityKind, data: &FieldMap) -> Option<String> {
    (entity == EntityKind::Customer)
        .then(|| yingpan_shared::search::fold(data.get("name").and_then(|n| n.as_str()).unwrap_or("")))
}

/// A `LIKE` pattern (escape character `!`, which means the same in every
/// backend's string literals, unlike `\`) finding `word` anywhere.
pub(super) fn contains_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

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

pub(super) fn unique_violation(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what.to_owned()),
        _ => StoreError::Db(e),
    }
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $migrations:tt, $begin_write:expr, $job_lock:expr) => {
        use $crate::store::sql::{
            contains_pattern, corrupt, fields_of, make_user, overlay_server_fields, parse_entity, parse_uuid, search_name,
            unique_violation, Answers,
        };
        use $crate::store::{Refusal, Store};
        use sqlx::Row as _;
        use std::collections::HashMap;
        use yingpan_shared::access::{can_change, can_see, may_reassign, team_of, OwnerScope, Viewer};
        use yingpan_shared::conflict::Conflict;
        use yingpan_shared::merge::FieldConflict;
        use yingpan_shared::entity::{EntityKind, FieldMap};
        use yingpan_shared::ids::{TeamId, UserId};
        use yingpan_shared::sync::{
            decide, effects, needs_duplicate_check, needs_history, parent_of, Change, Cursor, Decision, Effect, Mutation,
            MutationResult, MutationStatus, PullResponse, PushRequest, StoredRecord,
        };
        use yingpan_shared::api::ArchivedCustomer;
        use yingpan_shared::user::User;

        type Conn = <$db as sqlx::Database>::Connection;
        type DbRow = <$db as sqlx::Database>::Row;

        $crate::store::pool_sql::pool_sql!($db, $job_lock);
        $crate::store::dedup_sql::dedup_sql!($db);
        $crate::store::people_sql::people_sql!($store, $db, $begin_write);

        /// A company setting stored as JSON, or its default.
        async fn load_setting<T: serde::de::DeserializeOwned + Default>(conn: &mut Conn, key: &str) -> super::StoreResult<T> {
            let row = sqlx::query("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(&mut *conn).await?;
            match row {
                Some(row) => serde_json::from_str(&row.try_get::<String, _>("value")?).map_err(corrupt),
                None => Ok(T::default()),
            }
        }

        async fn save_setting<T: serde::Serialize>(pool: &sqlx::Pool<$db>, key: &str, value: &T) -> super::StoreResult<()> {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(serde_json::to_string(value).map_err(corrupt)?)
                .execute(pool)
                .await?;
            Ok(())
        }

        const USER_COLUMNS: &str = "id, username, display_name, role, team_id, active";
        const RECORD_COLUMNS: &str =
            "entity, id, owner_id, parent_id, data, deleted, updated_by, owner_since, last_activity_at";

        async fn load_users(conn: &mut Conn) -> super::StoreResult<Vec<User>> {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
            let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
            rows.iter().map(user_from_row).collect()
        }

        fn user_from_row(row: &DbRow) -> super::StoreResult<User> {
            let id: String = row.try_get("id")?;
            let role: String = row.try_get("role")?;
            make_user(
                &id,
                row.try_get("username")?,
                row.try_get("display_name")?,
                &role,
                row.try_get("team_id")?,
                row.try_get("active")?,
            )
        }

        /// A stored record and who wrote it last.
        fn record_from_row(row: &DbRow) -> super::StoreResult<(StoredRecord, String)> {
            let entity: String = row.try_get("entity")?;
            let id: String = row.try_get("id")?;
            let owner: Option<String> = row.try_get("owner_id")?;
            let parent: Option<String> = row.try_get("parent_id")?;
            let data: String = row.try_get("data")?;
            let entity = parse_entity(&entity)?;
            let mut data = serde_json::from_str::<FieldMap>(&data).map_err(corrupt)?;
            overlay_server_fields(
                entity,
                &mut data,
                owner.as_deref(),
                row.try_get("owner_since")?,
                row.try_get("last_activity_at")?,
            );
            let record = StoredRecord {
                entity,
                id: parse_uuid(&id)?,
                owner_id: owner.as_deref().map(parse_uuid).transpose()?.map(UserId),
                parent_id: parent.as_deref().map(parse_uuid).transpose()?,
                data,
                deleted: row.try_get("deleted")?,
            };
            Ok((record, row.try_get("updated_by")?))
        }

        async fn load_record(
            conn: &mut Conn,
            entity: EntityKind,
            id: uuid::Uuid,
        ) -> super::StoreResult<Option<(StoredRecord, String)>> {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE entity = $1 AND id = $2");
            let row = sqlx::query(&sql)
                .bind(entity.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(record_from_row).transpose()
        }

        async fn next_seq(conn: &mut Conn) -> super::StoreResult<i64> {
            let row = sqlx::query("UPDATE sync_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq")
                .fetch_one(&mut *conn)
                .await?;
            Ok(row.try_get("last_seq")?)
        }

        /// Writes a record's new state under a fresh change-stream position.
        #[allow(clippy::too_many_arguments)]
        async fn write_record(
            conn: &mut Conn,
            entity: EntityKind,
            id: uuid::Uuid,
            owner: Option<UserId>,
            parent: Option<uuid::Uuid>,
            data: &FieldMap,
            deleted: bool,
            now: i64,
            author: &str,
        ) -> super::StoreResult<i64> {
            let seq = next_seq(&mut *conn).await?;
            sqlx::query(
                "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by, owner_since, search_name) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (entity, id) DO UPDATE SET owner_id = excluded.owner_id, \
                 parent_id = excluded.parent_id, data = excluded.data, deleted = excluded.deleted, \
                 seq = excluded.seq, updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
                 search_name = excluded.search_name",
            )
            .bind(entity.as_str())
            .bind(id.to_string())
            .bind(owner.map(|o| o.to_string()))
            .bind(parent.map(|p| p.to_string()))
            .bind(serde_json::Value::Object(data.clone()).to_string())
            .bind(deleted)
            .bind(seq)
            .bind(now)
            .bind(author)
            .bind((entity == EntityKind::Customer).then_some(now))
            .bind(search_name(entity, data))
            .execute(&mut *conn)
            .await?;
            if entity == EntityKind::Customer {
                index_customer(&mut *conn, id, data, deleted).await?;
            }
            Ok(seq)
        }

        /// Keeps losing values as conflict records under the record's
        /// customer, visible to whoever sees that customer.
        async fn write_conflicts(
            conn: &mut Conn,
            record: &StoredRecord,
            conflicts: &[FieldConflict],
            kept_by: Option<UserId>,
            lost_by: Option<UserId>,
            now: i64,
        ) -> super::StoreResult<()> {
            let customer_id = record.parent_id.unwrap_or(record.id);
            let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
            for c in conflicts {
                let conflict = Conflict {
                    id: uuid::Uuid::now_v7(),
                    customer_id,
                    entity: record.entity,
                    record_id: record.id,
                    field: c.field.clone(),
                    kept: c.kept.clone(),
                    lost: c.lost.clone(),
                    kept_by,
                    lost_by,
                    at,
                    record_deleted: record.deleted,
                };
                let data = fields_of(&conflict)?;
                let author = lost_by.or(kept_by).map(|u| u.to_string()).unwrap_or_default();
                write_record(
                    &mut *conn,
                    EntityKind::Conflict,
                    conflict.id,
                    record.owner_id,
                    Some(customer_id),
                    &data,
                    false,
                    now,
                    &author,
                )
                .await?;
            }
            Ok(())
        }

        /// Keeps a mutation's answer so a retried push gets the same one.
        /// What this client was answered before for the mutations of a push
        /// (a retried push, or part of one), in one query.
        async fn earlier_answers(
            conn: &mut Conn,
            client: &str,
            author: &str,
            mutations: &[Mutation],
        ) -> super::StoreResult<Answers> {
            let mut answers = Answers::default();
            if mutations.is_empty() {
                return Ok(answers);
            }
            let mut q = sqlx::QueryBuilder::<$db>::new("SELECT seq, result FROM applied_mutations WHERE client_id = ");
            q.push_bind(client).push(" AND user_id = ").push_bind(author).push(" AND seq IN (");
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
        async fn remember_answers(
            conn: &mut Conn,
            client: &str,
            author: &str,
            answers: &[(i64, String)],
            now: i64,
        ) -> super::StoreResult<()> {
            // Five values a row, well within every backend's limit per statement.
            for chunk in answers.chunks(500) {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO applied_mutations (client_id, seq, user_id, result, applied_at) ",
                );
                q.push_values(chunk, |mut row, (seq, result)| {
                    row.push_bind(client).push_bind(*seq).push_bind(author).push_bind(result.clone()).push_bind(now);
                });
                q.build().persistent(false).execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// Fills in `search_name` for customers stored before it existed, a
        /// thousand at a time, each batch in its own transaction.
        async fn name_unnamed_customers(pool: &sqlx::Pool<$db>) -> super::StoreResult<u64> {
            let mut named = 0;
            loop {
                let mut tx = pool.begin_with($begin_write).await?;
                let rows = sqlx::query(
                    "SELECT id, data FROM records WHERE entity = 'customer' AND search_name IS NULL LIMIT 1000",
                )
                .fetch_all(&mut *tx)
                .await?;
                if rows.is_empty() {
                    return Ok(named);
                }
                for row in &rows {
                    let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                    sqlx::query("UPDATE records SET search_name = $1 WHERE entity = 'customer' AND id = $2")
                        .bind(search_name(EntityKind::Customer, &data))
                        .bind(row.try_get::<String, _>("id")?)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                named += rows.len() as u64;
            }
        }

        /// Adds `AND (owner_id IN (…) OR owner_id IS NULL OR entity IN (public
        /// kinds))` for a scope.
        fn push_scope(q: &mut sqlx::QueryBuilder<'_, $db>, scope: &OwnerScope) {
            let OwnerScope::Owners { owners, pool } = scope else {
                return;
            };
            q.push(" AND (");
            for kind in EntityKind::ALL.into_iter().filter(|k| k.is_public()) {
                q.push("entity = ").push_bind(kind.as_str()).push(" OR ");
            }
            if !owners.is_empty() {
                q.push("owner_id IN (");
                let mut list = q.separated(", ");
                for o in owners {
                    list.push_bind(o.to_string());
                }
                list.push_unseparated(")");
            }
            match (owners.is_empty(), *pool) {
                (true, true) => q.push("owner_id IS NULL"),
                (false, true) => q.push(" OR owner_id IS NULL"),
                (true, false) => q.push("FALSE"),
                (false, false) => q,
            };
            q.push(")");
        }

        /// Applies one push inside the transaction of its batch (see
        /// `group_commit`): each mutation is answered from an earlier
        /// identical push or decided by the shared sync rules.
        async fn push_in(
            conn: &mut Conn,
            viewer: &Viewer,
            users: &[User],
            req: &PushRequest,
            now: i64,
        ) -> super::StoreResult<Vec<MutationResult>> {
            let teams: HashMap<UserId, Option<TeamId>> = users.iter().map(|u| (u.id, u.team_id)).collect();
            let team_lookup = |id: UserId| teams.get(&id).copied().flatten();
            let client = req.client_id.to_string();
            let author = viewer.id.to_string();
            let mut tx = conn;
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
                return Err(super::StoreError::Refused(
                    "this device's sync id belongs to someone else; sign out and in again on this device".into(),
                ));
            }
            let mut results = Vec::with_capacity(req.mutations.len());
            let mut answers = earlier_answers(&mut tx, &client, &author, &req.mutations).await?;
            for m in &req.mutations {
                let mseq = i64::try_from(m.seq).map_err(corrupt)?;
                if let Some(earlier) = answers.earlier(mseq) {
                    results.push(earlier.clone());
                    continue;
                }
                if matches!(m.op, Op::Claim | Op::Release { .. }) {
                    let outcome = pool_op(&mut tx, viewer, users, m, now).await?;
                    let result = MutationResult {
                        seq: m.seq,
                        status: if outcome.is_ok() { MutationStatus::Applied } else { MutationStatus::Rejected },
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
                let mut current = load_record(&mut tx, m.entity, m.id).await?;
                let mut m = m;
                if let Some(survivor) = merged_into(current.as_ref()) {
                    if !matches!(m.op, Op::Update { .. }) {
                        // A delete (or a claim) meant for the merged-away
                        // customer must never reach the survivor.
                        // Named only to someone who may see it.
                        let name = load_record(&mut tx, EntityKind::Customer, survivor)
                            .await?
                            .filter(|(r, _)| can_see(viewer, r.owner_id, r.owner_id.and_then(team_lookup)))
                            .and_then(|(r, _)| r.data.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                            .unwrap_or_else(|| "another customer".to_owned());
                        let result = MutationResult {
                            seq: m.seq,
                            status: MutationStatus::Rejected,
                            message: Some(format!(
                                "this customer was merged into {name} ({survivor}); {}",
                                if matches!(m.op, Op::Delete) { "nothing was deleted" } else { "change that one instead" }
                            )),
                            conflicts: Vec::new(),
                        };
                        answers.keep(mseq, &result).map_err(corrupt)?;
                        results.push(result);
                        continue;
                    }
                    redirected = m.clone();
                    redirected.id = survivor;
                    current = load_record(&mut tx, EntityKind::Customer, survivor).await?;
                    m = &redirected;
                }
                let mut parent = match parent_of(m, current.as_ref().map(|(r, _)| r)) {
                    Some(pid) => load_record(&mut tx, EntityKind::Customer, pid).await?,
                    None => None,
                };
                if let (Some(survivor), Op::Create { fields }) = (merged_into(parent.as_ref()), &m.op) {
                    let mut fields = fields.clone();
                    fields.insert("customer_id".into(), serde_json::json!(survivor));
                    redirected = Mutation { op: Op::Create { fields }, ..m.clone() };
                    m = &redirected;
                    parent = load_record(&mut tx, EntityKind::Customer, survivor).await?;
                }
                let history = match &parent {
                    Some((p, _)) if needs_history(m) => load_history(&mut tx, p.id).await?,
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
                        match judge_new_customer(&mut tx, users, m.id, &record.data).await? {
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
                    Decision::Write { record, status, conflicts } => {
                        write_record(
                            &mut tx,
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
                            write_flag(&mut tx, &written, &existing, likeness, score, now).await?;
                        }
                        let before = current.as_ref().map(|(r, _)| r);
                        let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
                        for effect in effects(m.entity, before, &written, !conflicts.is_empty(), at) {
                            match effect {
                                Effect::Activity { customer, at } => {
                                    note_activity(&mut tx, customer, at.timestamp_millis()).await?
                                }
                                Effect::Won { customer } => note_win(&mut tx, customer, now).await?,
                                Effect::RefreshPoolEntry { customer } => {
                                    refresh_pool_entry(&mut tx, customer, now, &author).await?
                                }
                                Effect::RemovePoolEntry { customer } => {
                                    remove_pool_entries(&mut tx, &[customer], now).await?
                                }
                                Effect::KeepConflicts => {
                                    if let Some((before, last_writer)) = &current {
                                        let lost_by = last_writer.parse().ok().map(UserId);
                                        write_conflicts(&mut tx, before, &conflicts, Some(viewer.id), lost_by, now)
                                            .await?;
                                    }
                                }
                            }
                        }
                        MutationResult { seq: m.seq, status, message: None, conflicts }
                    }
                    Decision::EditOfDeleted { conflicts } => {
                        if let Some((gone, deleter)) = &current {
                            let kept_by = deleter.parse().ok().map(UserId);
                            write_conflicts(&mut tx, gone, &conflicts, kept_by, Some(viewer.id), now).await?;
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
            remember_answers(&mut tx, &client, &author, answers.decided(), now).await?;
            Ok(results)
        }

        /// Writes a batch of pushes in one transaction, each in a savepoint
        /// of its own, and answers each. A batch that cannot be committed is
        /// written again one push at a time, so each push gets its own
        /// answer (a push that was in fact stored is answered from what was
        /// stored). A batch that cannot even start (no connection, the write
        /// lock not had in time) is answered "busy, come back" at once.
        async fn write_pushes(pool: sqlx::Pool<$db>, jobs: Vec<$crate::store::group_commit::PushJob>) {
            let results = match write_together(&pool, &jobs).await {
                Ok(results) => results,
                Err(Batch::NotStarted(e)) => return busy(jobs, &e),
                Err(Batch::Failed(e)) if jobs.len() == 1 => vec![Err(e)],
                Err(Batch::Failed(e)) => {
                    tracing::warn!(error = %e, pushes = jobs.len(), "a batch of pushes is written again one by one");
                    let mut jobs = jobs.into_iter();
                    while let Some(job) = jobs.next() {
                        match write_together(&pool, std::slice::from_ref(&job)).await {
                            Ok(mut results) => job.answer(results.pop().unwrap_or_else(|| Ok(Vec::new()))),
                            Err(Batch::Failed(e)) => job.answer(Err(e)),
                            Err(Batch::NotStarted(e)) => return busy(std::iter::once(job).chain(jobs), &e),
                        }
                    }
                    return;
                }
            };
            for (job, result) in jobs.into_iter().zip(results) {
                job.answer(result);
            }
        }

        /// How a batch failed: before anything was written, or after.
        enum Batch {
            NotStarted(super::StoreError),
            Failed(super::StoreError),
        }

        fn busy(jobs: impl IntoIterator<Item = $crate::store::group_commit::PushJob>, why: &super::StoreError) {
            tracing::warn!(error = %why, "pushes sent away: the store could not start writing");
            for job in jobs {
                job.answer(Err(super::StoreError::Busy));
            }
        }

        async fn write_together(
            pool: &sqlx::Pool<$db>,
            jobs: &[$crate::store::group_commit::PushJob],
        ) -> Result<Vec<super::StoreResult<Vec<MutationResult>>>, Batch> {
            let started = async {
                let mut tx = pool.begin_with($begin_write).await?;
                // What each mutation is decided against must be current: the
                // change-stream lock first, then the directory as it is now.
                lock_writes(&mut tx).await?;
                let users = load_users(&mut tx).await?;
                super::StoreResult::Ok((tx, users))
            };
            let (mut tx, users) = started.await.map_err(Batch::NotStarted)?;
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                results.push(write_one(&mut tx, &users, job).await.map_err(Batch::Failed)?);
            }
            tx.commit().await.map_err(|e| Batch::Failed(e.into()))?;
            Ok(results)
        }

        /// One push of a batch, in a savepoint released either way (a
        /// savepoint only rolled back would stay open, and every push after
        /// it would nest one level deeper): its answer, or why the batch
        /// itself cannot go on.
        async fn write_one(
            conn: &mut Conn,
            users: &[User],
            job: &$crate::store::group_commit::PushJob,
        ) -> super::StoreResult<super::StoreResult<Vec<MutationResult>>> {
            sqlx::query("SAVEPOINT push").execute(&mut *conn).await?;
            let answer = push_in(&mut *conn, &job.viewer, users, &job.req, job.now).await;
            if answer.is_err() {
                sqlx::query("ROLLBACK TO SAVEPOINT push").execute(&mut *conn).await?;
            }
            sqlx::query("RELEASE SAVEPOINT push").execute(&mut *conn).await?;
            Ok(answer)
        }

        impl $store {
            /// The store over `pool`, with its writer of pushes started.
            fn serving(pool: sqlx::Pool<$db>) -> Self {
                let writer = pool.clone();
                let pushes = $crate::store::group_commit::GroupCommit::start(move |jobs| write_pushes(writer.clone(), jobs));
                $store {
                    pool,
                    pushes,
                    directory: $crate::store::Directory::default(),
                }
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn migrate(&self) -> super::StoreResult<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                let mut tx = self.pool.begin_with($begin_write).await?;
                let indexed = index_missing_customers(&mut tx).await?;
                tx.commit().await?;
                if indexed > 0 {
                    tracing::info!(indexed, "indexed existing customers for duplicate checks");
                }
                let named = name_unnamed_customers(&self.pool).await?;
                if named > 0 {
                    tracing::info!(named, "folded existing customers' names for the ownership history search");
                }
                Ok(())
            }

            async fn create_team(&self, id: TeamId, name: &str) -> super::StoreResult<()> {
                sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
                    .bind(id.to_string())
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_user(&self, user: &User, password_hash: &str) -> super::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, team_id, active, password_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(user.id.to_string())
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(user.team_id.map(|t| t.to_string()))
                .bind(user.active)
                .bind(password_hash)
                .execute(&self.pool)
                .await
                .map_err(|e| unique_violation(e, &format!("username {} is taken", user.username)))?;
                Ok(())
            }

            async fn credentials(&self, username: &str) -> super::StoreResult<Option<(User, String)>> {
                let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
                let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
                match row {
                    Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
                    None => Ok(None),
                }
            }

            async fn users(&self) -> super::StoreResult<std::sync::Arc<Vec<User>>> {
                let mut conn = self.pool.acquire().await?;
                // Counted first: a change committed between the count and the
                // read is in what is read, and the next count reads it again.
                let changes: i64 = sqlx::query("SELECT COUNT(*) AS n FROM directory_changes")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?;
                if let Some(users) = self.directory.at(changes) {
                    return Ok(users);
                }
                let users = std::sync::Arc::new(load_users(&mut conn).await?);
                self.directory.keep(changes, users.clone());
                Ok(users)
            }

            async fn set_user_active(&self, id: UserId, active: bool) -> super::StoreResult<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if !active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(
                &self,
                token_hash: &str,
                user: UserId,
                device: &str,
                now: i64,
                expires_at: i64,
            ) -> super::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, id, device, last_seen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $3)",
                )
                    .bind(token_hash)
                    .bind(user.to_string())
                    .bind(now)
                    .bind(expires_at)
                    .bind(uuid::Uuid::now_v7().simple().to_string())
                    .bind(device)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: i64) -> super::StoreResult<Option<(User, bool)>> {
                let sql = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, u.active, u.must_change_password \
                           FROM sessions s JOIN users u ON u.id = s.user_id \
                           WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE";
                let row = sqlx::query(sql).bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
                match row {
                    Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("must_change_password")?))),
                    None => Ok(None),
                }
            }

            async fn delete_session(&self, token_hash: &str) -> super::StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn push(
                &self,
                viewer: &Viewer,
                req: &PushRequest,
                now: i64,
            ) -> super::StoreResult<Vec<MutationResult>> {
                self.pushes.push(viewer, req, now).await
            }

            async fn pull(
                &self,
                viewer: UserId,
                scope: &OwnerScope,
                since: Cursor,
                limit: u32,
            ) -> super::StoreResult<PullResponse> {
                let mut conn = self.pool.acquire().await?;
                // Every position up to the committed head belongs to a committed
                // write (see the module docs), so reading up to it is gap-free.
                let head: i64 = sqlx::query("SELECT last_seq FROM sync_state WHERE id = 1")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("last_seq")?;
                let resync_from: i64 = sqlx::query("SELECT resync_from FROM users WHERE id = $1")
                    .bind(viewer.to_string())
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get("resync_from"))
                    .transpose()?
                    .unwrap_or(0);
                // A cursor from another database, or from before the viewer's
                // own team or role changed: start the cache again.
                if since > head || (since > 0 && since < resync_from) {
                    return Ok(PullResponse { changes: Vec::new(), cursor: 0, has_more: false, reset: true, total: None });
                }
                let fetch = i64::from(limit) + 1;
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT entity, id, data, deleted, seq, owner_id, owner_since, last_activity_at FROM records WHERE seq > ",
                );
                q.push_bind(since).push(" AND seq <= ").push_bind(head);
                push_scope(&mut q, scope);
                q.push(" ORDER BY seq LIMIT ").push_bind(fetch);
                let mut changes = Vec::new();
                for row in q.build().fetch_all(&mut *conn).await? {
                    let entity: String = row.try_get("entity")?;
                    let id: String = row.try_get("id")?;
                    let deleted: bool = row.try_get("deleted")?;
                    let entity = parse_entity(&entity)?;
                    let data = if deleted {
                        None
                    } else {
                        let mut data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                        overlay_server_fields(
                            entity,
                            &mut data,
                            row.try_get::<Option<String>, _>("owner_id")?.as_deref(),
                            row.try_get("owner_since")?,
                            row.try_get("last_activity_at")?,
                        );
                        Some(data)
                    };
                    changes.push(Change { entity, id: parse_uuid(&id)?, seq: row.try_get("seq")?, data });
                }
                let evictions = sqlx::query(
                    "SELECT seq, entity, id FROM evictions WHERE user_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
                )
                .bind(viewer.to_string())
                .bind(since)
                .bind(head)
                .bind(fetch)
                .fetch_all(&mut *conn)
                .await?;
                for row in evictions {
                    let entity: String = row.try_get("entity")?;
                    let id: String = row.try_get("id")?;
                    changes.push(Change { entity: parse_entity(&entity)?, id: parse_uuid(&id)?, seq: row.try_get("seq")?, data: None });
                }
                // Both lists hold every row up to their last one; the first
                // `limit` of the merge are therefore complete up to their end.
                changes.sort_by_key(|c| c.seq);
                let has_more = changes.len() > limit as usize;
                changes.truncate(limit as usize);
                let cursor = match (has_more, changes.last()) {
                    (true, Some(last)) => last.seq,
                    _ => head,
                };
                let total = if since == 0 {
                    let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) AS n FROM records WHERE deleted = FALSE AND seq <= ");
                    count.push_bind(head);
                    push_scope(&mut count, scope);
                    let n: i64 = count.build().fetch_one(&mut *conn).await?.try_get("n")?;
                    Some(n.max(0) as u64)
                } else {
                    None
                };
                Ok(PullResponse { changes, cursor, has_more, reset: false, total })
            }

            async fn reassign(
                &self,
                viewer: &Viewer,
                users: &[User],
                customer: uuid::Uuid,
                to: Option<UserId>,
                now: i64,
            ) -> super::StoreResult<Result<u64, Refusal>> {
                if let Some(new_owner) = to {
                    if !users.iter().any(|u| u.id == new_owner && u.active && u.role != yingpan_shared::user::Role::Finance) {
                        return Ok(Err(Refusal::Invalid("the new owner must be an active rep, manager or admin".into())));
                    }
                }
                let mut tx = self.pool.begin_with($begin_write).await?;
                lock_writes(&mut tx).await?;
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
                let moves = [Move { customer, from, to, reason: None }];
                let moved = move_customers(&mut tx, users, &moves, OwnershipKind::Reassign, Some(viewer.id), now).await?;
                tx.commit().await?;
                Ok(Ok(moved))
            }

            async fn record(&self, entity: EntityKind, id: uuid::Uuid) -> super::StoreResult<Option<StoredRecord>> {
                let mut conn = self.pool.acquire().await?;
                Ok(load_record(&mut conn, entity, id).await?.map(|(r, _)| r))
            }

            async fn work_rules(&self) -> super::StoreResult<yingpan_shared::rules::WorkRules> {
                let mut conn = self.pool.acquire().await?;
                load_setting(&mut conn, "work_rules").await
            }

            async fn set_work_rules(&self, rules: &yingpan_shared::rules::WorkRules) -> super::StoreResult<()> {
                save_setting(&self.pool, "work_rules", rules).await
            }

            async fn photo_upload(&self, activity: uuid::Uuid) -> super::StoreResult<Option<super::PhotoUpload>> {
                let row = sqlx::query("SELECT photo_id, uploaded_by, total, received, complete FROM photos WHERE activity_id = $1")
                    .bind(activity.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let count = |name: &str| -> super::StoreResult<u64> { u64::try_from(row.try_get::<i64, _>(name)?).map_err(corrupt) };
                Ok(Some(super::PhotoUpload {
                    activity_id: activity,
                    photo_id: parse_uuid(&row.try_get::<String, _>("photo_id")?)?,
                    uploaded_by: UserId(parse_uuid(&row.try_get::<String, _>("uploaded_by")?)?),
                    state: yingpan_shared::photo::UploadState {
                        received: count("received")?,
                        total: count("total")?,
                        complete: row.try_get("complete")?,
                    },
                }))
            }

            async fn append_photo(&self, upload: &super::PhotoUpload, bytes: &[u8], now: i64) -> super::StoreResult<bool> {
                let len = bytes.len() as i64;
                let after = i64::try_from(upload.state.received).map_err(corrupt)?;
                let total = i64::try_from(upload.state.total).map_err(corrupt)?;
                let id = upload.activity_id.to_string();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let moved = if after == len {
                    sqlx::query(
                        "INSERT INTO photos (activity_id, photo_id, uploaded_by, total, received, complete, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (activity_id) DO NOTHING",
                    )
                    .bind(&id)
                    .bind(upload.photo_id.to_string())
                    .bind(upload.uploaded_by.to_string())
                    .bind(total)
                    .bind(after)
                    .bind(upload.state.complete)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                } else {
                    sqlx::query("UPDATE photos SET received = $1, complete = $2 WHERE activity_id = $3 AND received = $4")
                        .bind(after)
                        .bind(upload.state.complete)
                        .bind(&id)
                        .bind(after - len)
                        .execute(&mut *tx)
                        .await?
                };
                if moved.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("INSERT INTO photo_chunks (activity_id, position, data) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(after - len)
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn photo_bytes(&self, activity: uuid::Uuid) -> super::StoreResult<Option<Vec<u8>>> {
                match self.photo_upload(activity).await? {
                    Some(upload) if upload.state.complete => {}
                    _ => return Ok(None),
                }
                let rows = sqlx::query("SELECT data FROM photo_chunks WHERE activity_id = $1 ORDER BY position")
                    .bind(activity.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                let mut bytes = Vec::new();
                for row in rows {
                    bytes.extend_from_slice(&row.try_get::<Vec<u8>, _>("data")?);
                }
                Ok(Some(bytes))
            }

            async fn pool_rules(&self) -> super::StoreResult<PoolRules> {
                let mut conn = self.pool.acquire().await?;
                load_rules(&mut conn).await
            }

            async fn set_pool_rules(&self, rules: &PoolRules) -> super::StoreResult<()> {
                save_setting(&self.pool, RULES_KEY, rules).await
            }

            async fn duplicate_candidates(
                &self,
                keys: &CustomerKeys,
                exclude: Option<uuid::Uuid>,
                limit: u32,
            ) -> super::StoreResult<Vec<Candidate>> {
                let mut conn = self.pool.acquire().await?;
                find_candidates(&mut conn, keys, exclude, limit, true).await
            }

            async fn merge_customers(
                &self,
                viewer: &Viewer,
                users: &[User],
                survivor: uuid::Uuid,
                merged: uuid::Uuid,
                choices: &std::collections::BTreeMap<String, yingpan_shared::dedup::Keep>,
                now: i64,
            ) -> super::StoreResult<Result<u64, Refusal>> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                lock_writes(&mut tx).await?;
                let outcome = merge_in(&mut tx, viewer, users, survivor, merged, choices, now).await?;
                if outcome.is_ok() {
                    tx.commit().await?;
                }
                Ok(outcome)
            }

            async fn undo_merge(
                &self,
                viewer: &Viewer,
                users: &[User],
                id: uuid::Uuid,
                now: i64,
            ) -> super::StoreResult<Result<u64, Refusal>> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                lock_writes(&mut tx).await?;
                let outcome = undo_merge_in(&mut tx, viewer, users, id, now).await?;
                if outcome.is_ok() {
                    tx.commit().await?;
                }
                Ok(outcome)
            }

            async fn archived_customers(&self, limit: u32) -> super::StoreResult<Vec<ArchivedCustomer>> {
                let mut conn = self.pool.acquire().await?;
                let rows = sqlx::query(
                    "SELECT id, owner_id, data, updated_at, updated_by FROM records \
                     WHERE entity = 'customer' AND deleted = TRUE ORDER BY updated_at DESC LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all(&mut *conn)
                .await?;
                let mut archived = Vec::with_capacity(rows.len());
                for row in rows {
                    let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                    if data.contains_key("merged_into") {
                        continue;
                    }
                    let owner: Option<String> = row.try_get("owner_id")?;
                    archived.push(ArchivedCustomer {
                        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                        name: data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                        owner: owner.and_then(|o| o.parse().ok()).map(UserId),
                        at: chrono::DateTime::from_timestamp_millis(row.try_get("updated_at")?).unwrap_or_default(),
                        by: row.try_get::<String, _>("updated_by")?.parse().ok().map(UserId),
                    });
                }
                Ok(archived)
            }

            async fn restore_customer(
                &self,
                viewer: &Viewer,
                users: &[User],
                id: uuid::Uuid,
                now: i64,
            ) -> super::StoreResult<Result<(), Refusal>> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                lock_writes(&mut tx).await?;
                let Some((gone, _)) = load_record(&mut tx, EntityKind::Customer, id).await? else {
                    return Ok(Err(Refusal::NotFound));
                };
                let team = gone.owner_id.and_then(|o| team_of(users, o));
                if !can_see(viewer, gone.owner_id, team) {
                    return Ok(Err(Refusal::NotFound));
                }
                if let Err(why) = yingpan_shared::access::may_archive(viewer.role) {
                    return Ok(Err(Refusal::Forbidden(why.into())));
                }
                if !can_change(viewer, gone.owner_id, team) {
                    return Ok(Err(Refusal::Forbidden(
                        "this customer belongs outside your team; ask an admin to bring it back".into(),
                    )));
                }
                if !gone.deleted {
                    return Ok(Err(Refusal::Invalid("this customer is not archived".into())));
                }
                if let Some(into) = gone.data.get("merged_into").and_then(|v| v.as_str()) {
                    return Ok(Err(Refusal::Invalid(format!(
                        "this customer was merged into {into}; undo the merge to bring it back"
                    ))));
                }
                let author = viewer.id.to_string();
                write_record(&mut tx, EntityKind::Customer, id, gone.owner_id, None, &gone.data, false, now, &author).await?;
                // Its owner may have left meanwhile (read under the lock, so a
                // departure cannot slip in between): then it comes back to the
                // pool with its records, handed over as the rest of their book was.
                let departed = match gone.owner_id {
                    Some(owner) => !sqlx::query("SELECT active FROM users WHERE id = $1")
                        .bind(owner.to_string())
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get::<bool, _>("active"))
                        .transpose()?
                        .unwrap_or(false),
                    None => false,
                };
                if departed {
                    let back = Move {
                        customer: id,
                        from: gone.owner_id,
                        to: None,
                        reason: None,
                    };
                    move_customers(&mut tx, users, &[back], OwnershipKind::Departure, Some(viewer.id), now).await?;
                } else if gone.owner_id.is_none() {
                    refresh_pool_entry(&mut tx, id, now, &author).await?;
                }
                tx.commit().await?;
                Ok(Ok(()))
            }

            async fn duplicate_policy(&self) -> super::StoreResult<DuplicatePolicy> {
                let mut conn = self.pool.acquire().await?;
                load_policy(&mut conn).await
            }

            async fn set_duplicate_policy(&self, policy: DuplicatePolicy) -> super::StoreResult<()> {
                save_setting(&self.pool, POLICY_KEY, &policy).await
            }

            async fn hand_over(
                &self,
                viewer: &Viewer,
                users: &[User],
                rep: UserId,
                handover: &Handover,
                confirm: bool,
                now: i64,
            ) -> super::StoreResult<Result<HandoverPlan, Refusal>> {
                let receivers: Vec<UserId> = match handover {
                    Handover::ToOne { to } => vec![*to],
                    Handover::Spread { to } => to.clone(),
                    Handover::Pool => Vec::new(),
                };
                if let Err(why) = yingpan_shared::access::may_hand_over(viewer, users, rep, &receivers) {
                    return Ok(Err(if users.iter().any(|u| u.id == rep) { Refusal::Forbidden(why) } else { Refusal::NotFound }));
                }
                let departing = users.iter().find(|u| u.id == rep).cloned().ok_or_else(|| corrupt("user vanished"))?;
                let mut tx = self.pool.begin_with($begin_write).await?;
                lock_writes(&mut tx).await?;
                let outcome = hand_over_in(&mut tx, users, &departing, handover, confirm, viewer.id, now).await?;
                if confirm && outcome.is_ok() {
                    tx.commit().await?;
                }
                Ok(outcome)
            }

            async fn closed_account_session(
                &self,
                token_hash: &str,
                now: i64,
                grace_ms: i64,
            ) -> super::StoreResult<Option<(User, i64)>> {
                let sql = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, u.active, u.departed_at \
                           FROM sessions s JOIN users u ON u.id = s.user_id \
                           WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = FALSE \
                           AND u.departed_at IS NOT NULL AND u.departed_at > $3";
                let row = sqlx::query(sql)
                    .bind(token_hash)
                    .bind(now)
                    .bind(now - grace_ms)
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("departed_at")?))),
                    None => Ok(None),
                }
            }

            async fn auto_return(&self, users: &[User], now: i64) -> super::StoreResult<u64> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                if let Some(lock) = JOB_LOCK {
                    let got: bool = sqlx::query(lock).fetch_one(&mut *tx).await?.try_get("locked")?;
                    if !got {
                        return Ok(0);
                    }
                }
                lock_writes(&mut tx).await?;
                let rules = load_rules(&mut tx).await?;
                let owned = owned_customers_in(&mut tx, None).await?;
                let moves = due_moves(&rules, owned, now);
                move_customers(&mut tx, users, &moves, OwnershipKind::AutoReturn, None, now).await?;
                tx.commit().await?;
                Ok(moves.len() as u64)
            }

            async fn owned_customers(&self, owners: Option<&[UserId]>) -> super::StoreResult<Vec<$crate::store::OwnedCustomer>> {
                let mut conn = self.pool.acquire().await?;
                owned_customers_in(&mut conn, owners).await
            }

            async fn member_stats(&self, members: &[User], now: i64) -> super::StoreResult<Vec<MemberStats>> {
                let mut conn = self.pool.acquire().await?;
                let (week, month) = (now - 7 * DAY_MS, now - 30 * DAY_MS);
                // Activities are never rewritten (a change of owner leaves
                // their author and time), so these columns date them.
                let rows = sqlx::query(
                    "SELECT updated_by, COUNT(*) AS month, \
                     SUM(CASE WHEN updated_at >= $1 THEN 1 ELSE 0 END) AS week \
                     FROM records WHERE entity = 'activity' AND updated_at >= $2 GROUP BY updated_by",
                )
                .bind(week)
                .bind(month)
                .fetch_all(&mut *conn)
                .await?;
                let mut activity: HashMap<String, (i64, i64)> = HashMap::new();
                for row in rows {
                    activity.insert(row.try_get("updated_by")?, (row.try_get("week")?, row.try_get("month")?));
                }
                let mut out = Vec::with_capacity(members.len());
                for user in members {
                    let id = user.id.to_string();
                    let customers: i64 = sqlx::query(
                        "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND deleted = FALSE AND owner_id = $1",
                    )
                    .bind(&id)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?;
                    let claims: i64 =
                        sqlx::query("SELECT COUNT(*) AS n FROM ownership_log WHERE to_user = $1 AND kind = 'claim' AND at >= $2")
                            .bind(&id)
                            .bind(month)
                            .fetch_one(&mut *conn)
                            .await?
                            .try_get("n")?;
                    let (week, month) = activity.get(&id).copied().unwrap_or((0, 0));
                    out.push(member_stats_of(user, [customers, week, month, claims]));
                }
                Ok(out)
            }

            async fn pool_flow(&self, weeks: u32, now: i64) -> super::StoreResult<(u64, Vec<PoolWeek>)> {
                let mut conn = self.pool.acquire().await?;
                let size: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND deleted = FALSE AND owner_id IS NULL",
                )
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
                let mut out = Vec::new();
                for w in 0..i64::from(weeks) {
                    let (start, end) = (now - (w + 1) * 7 * DAY_MS, now - w * 7 * DAY_MS);
                    let flow = |column: &'static str| {
                        format!("SELECT COUNT(*) AS n FROM ownership_log WHERE {column} IS NULL AND at > $1 AND at <= $2")
                    };
                    let inflow: i64 = sqlx::query(&flow("to_user")).bind(start).bind(end).fetch_one(&mut *conn).await?.try_get("n")?;
                    let outflow: i64 =
                        sqlx::query(&flow("from_user")).bind(start).bind(end).fetch_one(&mut *conn).await?.try_get("n")?;
                    out.push(pool_week(start, inflow, outflow));
                }
                Ok((size.max(0) as u64, out))
            }

            async fn ownership_history(
                &self,
                scope: &OwnerScope,
                customer: Option<uuid::Uuid>,
                words: &[String],
                limit: u32,
            ) -> super::StoreResult<Vec<OwnershipEntry>> {
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT l.id, l.customer_id, l.kind, l.from_user, l.to_user, l.by_user, l.reason, l.at, r.data \
                     FROM ownership_log l LEFT JOIN records r ON r.entity = 'customer' AND r.id = l.customer_id WHERE TRUE",
                );
                if let Some(c) = customer {
                    q.push(" AND l.customer_id = ").push_bind(c.to_string());
                }
                for word in words {
                    q.push(" AND r.search_name LIKE ")
                        .push_bind(contains_pattern(word))
                        .push(" ESCAPE '!'");
                }
                if let OwnerScope::Owners { owners, pool } = scope {
                    q.push(" AND (FALSE");
                    for column in ["l.from_user", "l.to_user"] {
                        if !owners.is_empty() {
                            q.push(format_args!(" OR {column} IN ("));
                            let mut list = q.separated(", ");
                            for o in owners {
                                list.push_bind(o.to_string());
                            }
                            list.push_unseparated(")");
                        }
                        if *pool {
                            q.push(format_args!(" OR {column} IS NULL"));
                        }
                    }
                    q.push(")");
                }
                q.push(" ORDER BY l.at DESC, l.id DESC LIMIT ").push_bind(i64::from(limit));
                let rows = q.build().fetch_all(&self.pool).await?;
                rows.iter().map(ownership_entry).collect()
            }
        }
    };
}

pub(crate) use sql_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_found_anywhere_and_like_wildcards_in_it_are_plain_characters() {
        assert_eq!(contains_pattern("华信"), "%华信%");
        assert_eq!(contains_pattern("100%_a!b\\c"), "%100!%!_a!!b\\c%");
    }

    #[test]
    fn customers_are_named_for_search_as_the_search_box_folds() {
        let data: FieldMap = serde_json::from_value(serde_json::json!({"name": "ＡＢＣ 华信-科技"})).unwrap();
        assert_eq!(search_name(EntityKind::Customer, &data).as_deref(), Some("abc华信科技"));
        assert_eq!(search_name(EntityKind::Contact, &data), None);
        assert_eq!(search_name(EntityKind::Customer, &FieldMap::new()).as_deref(), Some(""));
    }
}
