//! Records and the change stream: reading and writing a record under a
//! fresh position, conflict records, and the pull.

use super::dedup::index_customer;
use super::{Backend, Conn, Db, DbRow, BEGIN_WRITE, RECORD_COLUMNS};
use crate::store::columns::{corrupt, fields_of, overlay_server_fields, parse_entity, parse_uuid, search_name};
use crate::store::Records;
use crate::store::StoreResult;
use sqlx::Row as _;
use yingpan_shared::access::{OwnerScope, Viewer};
use yingpan_shared::conflict::Conflict;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::merge::FieldConflict;
use yingpan_shared::sync::{Change, Cursor, MutationResult, PullResponse, PushRequest, StoredRecord};

/// Overlays a record's JSON with the fields the server keeps in columns
/// of `row` (see `overlay_server_fields`).
pub(super) fn overlay(entity: EntityKind, data: &mut FieldMap, row: &DbRow) -> StoreResult<()> {
    overlay_server_fields(
        entity,
        data,
        row.try_get::<Option<String>, _>("owner_id")?.as_deref(),
        row.try_get("owner_since")?,
        row.try_get("last_activity_at")?,
        row.try_get("last_won_at")?,
        row.try_get("open_contract")?,
    );
    Ok(())
}

/// A stored record and who wrote it last.
pub(super) fn record_from_row(row: &DbRow) -> StoreResult<(StoredRecord, String)> {
    let entity: String = row.try_get("entity")?;
    let id: String = row.try_get("id")?;
    let owner: Option<String> = row.try_get("owner_id")?;
    let parent: Option<String> = row.try_get("parent_id")?;
    let data: String = row.try_get("data")?;
    let entity = parse_entity(&entity)?;
    let mut data = serde_json::from_str::<FieldMap>(&data).map_err(corrupt)?;
    overlay(entity, &mut data, row)?;
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

pub(super) async fn load_record(
    conn: &mut Conn,
    entity: EntityKind,
    id: uuid::Uuid,
) -> StoreResult<Option<(StoredRecord, String)>> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE entity = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(entity.as_str())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(record_from_row).transpose()
}

pub(super) async fn next_seq(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("UPDATE sync_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("last_seq")?)
}

/// Writes a record's new state under a fresh change-stream position.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write_record(
    conn: &mut Conn,
    entity: EntityKind,
    id: uuid::Uuid,
    owner: Option<UserId>,
    parent: Option<uuid::Uuid>,
    data: &FieldMap,
    deleted: bool,
    now: i64,
    author: &str,
) -> StoreResult<i64> {
    let seq = next_seq(&mut *conn).await?;
    let row = RecordRow {
        entity,
        id,
        owner,
        parent,
        data,
        deleted,
        seq,
        author,
    };
    upsert_records(&mut *conn, &[row], now).await?;
    if entity == EntityKind::Customer {
        index_customer(&mut *conn, id, data, deleted).await?;
    }
    Ok(seq)
}

/// A record's state to be stored under position `seq`, as `author`'s.
pub(super) struct RecordRow<'a> {
    pub(super) entity: EntityKind,
    pub(super) id: uuid::Uuid,
    pub(super) owner: Option<UserId>,
    pub(super) parent: Option<uuid::Uuid>,
    pub(super) data: &'a FieldMap,
    pub(super) deleted: bool,
    pub(super) seq: i64,
    pub(super) author: &'a str,
}

/// Stores records in one statement (at most a few hundred: each takes
/// eleven parameters). A customer's `owner_since` is set when it is first
/// stored and kept after; its folded name is kept for searching.
pub(super) async fn upsert_records(conn: &mut Conn, rows: &[RecordRow<'_>], now: i64) -> StoreResult<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by, \
         owner_since, search_name) ",
    );
    q.push_values(rows, |mut row, r| {
        row.push_bind(r.entity.as_str())
            .push_bind(r.id.to_string())
            .push_bind(r.owner.map(|o| o.to_string()))
            .push_bind(r.parent.map(|p| p.to_string()))
            .push_bind(serde_json::Value::Object(r.data.clone()).to_string())
            .push_bind(r.deleted)
            .push_bind(r.seq)
            .push_bind(now)
            .push_bind(r.author.to_owned())
            .push_bind((r.entity == EntityKind::Customer).then_some(now))
            .push_bind(search_name(r.entity, r.data));
    });
    q.push(
        " ON CONFLICT (entity, id) DO UPDATE SET owner_id = excluded.owner_id, \
         parent_id = excluded.parent_id, data = excluded.data, deleted = excluded.deleted, \
         seq = excluded.seq, updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
         search_name = excluded.search_name",
    );
    // One row is the usual shape, worth preparing; many vary with the push.
    q.build().persistent(rows.len() == 1).execute(&mut *conn).await?;
    Ok(())
}

/// Keeps losing values as conflict records under the record's
/// customer, visible to whoever sees that customer.
pub(super) async fn write_conflicts(
    conn: &mut Conn,
    record: &StoredRecord,
    conflicts: &[FieldConflict],
    kept_by: Option<UserId>,
    lost_by: Option<UserId>,
    now: i64,
) -> StoreResult<()> {
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

/// Fills in `search_name` for customers stored before it existed, a
/// thousand at a time, each batch in its own transaction.
pub(super) async fn name_unnamed_customers(pool: &sqlx::Pool<Db>) -> StoreResult<u64> {
    let mut named = 0;
    loop {
        let mut tx = pool.begin_with(BEGIN_WRITE).await?;
        let rows =
            sqlx::query("SELECT id, data FROM records WHERE entity = 'customer' AND search_name IS NULL LIMIT 1000")
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
pub(super) fn push_scope(q: &mut sqlx::QueryBuilder<'_, Db>, scope: &OwnerScope) {
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

#[async_trait::async_trait]
impl Records for Backend {
    async fn push(&self, viewer: &Viewer, req: &PushRequest, now: i64) -> StoreResult<Vec<MutationResult>> {
        self.pushes.push(viewer, req, now).await
    }

    async fn pull(&self, viewer: UserId, scope: &OwnerScope, since: Cursor, limit: u32) -> StoreResult<PullResponse> {
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
            return Ok(PullResponse {
                changes: Vec::new(),
                cursor: 0,
                has_more: false,
                reset: true,
                total: None,
            });
        }
        let fetch = i64::from(limit) + 1;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT entity, id, data, deleted, seq, owner_id, owner_since, last_activity_at, last_won_at, open_contract \
             FROM records WHERE seq > ",
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
                overlay(entity, &mut data, &row)?;
                Some(data)
            };
            changes.push(Change {
                entity,
                id: parse_uuid(&id)?,
                seq: row.try_get("seq")?,
                data,
            });
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
            changes.push(Change {
                entity: parse_entity(&entity)?,
                id: parse_uuid(&id)?,
                seq: row.try_get("seq")?,
                data: None,
            });
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
            let mut count =
                sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) AS n FROM records WHERE deleted = FALSE AND seq <= ");
            count.push_bind(head);
            push_scope(&mut count, scope);
            let n: i64 = count.build().fetch_one(&mut *conn).await?.try_get("n")?;
            Some(n.max(0) as u64)
        } else {
            None
        };
        Ok(PullResponse {
            changes,
            cursor,
            has_more,
            reset: false,
            total,
        })
    }

    async fn record(&self, entity: EntityKind, id: uuid::Uuid) -> StoreResult<Option<StoredRecord>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load_record(&mut conn, entity, id).await?.map(|(r, _)| r))
    }
}
