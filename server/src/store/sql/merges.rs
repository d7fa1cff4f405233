//! Merging one customer into another (its records follow it) and undoing
//! a merge within 30 days.

use super::moves::{refresh_pool_entry, remove_pool_entries};
use super::records::{load_record, next_seq, record_from_row, write_record};
use super::Conn;
use super::RECORD_COLUMNS;
use crate::store::columns::{corrupt, fields_of, parse_entity, parse_uuid};
use crate::store::Refusal;
use crate::store::StoreResult;
use sqlx::Row as _;
use yingpan_shared::access::{can_change, can_see, team_of, Viewer};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::sync::StoredRecord;
use yingpan_shared::user::User;

/// Merges customer `merged` into `survivor`: the survivor takes the
/// chosen field values, every child record (contacts, activities,
/// history, conflicts) moves to it, flags between the two go, and the
/// merged customer becomes a tombstone that points at the survivor.
#[allow(clippy::too_many_arguments)]
pub(super) async fn merge_in(
    conn: &mut Conn,
    viewer: &Viewer,
    users: &[User],
    survivor: uuid::Uuid,
    merged: uuid::Uuid,
    choices: &std::collections::BTreeMap<String, yingpan_shared::dedup::Keep>,
    now: i64,
) -> StoreResult<Result<u64, Refusal>> {
    if survivor == merged {
        return Ok(Err(Refusal::Invalid("a customer cannot be merged into itself".into())));
    }
    let visible = |r: &StoredRecord| can_see(viewer, r.owner_id, r.owner_id.and_then(|o| team_of(users, o)));
    let (Some((keep, _)), Some((gone, _))) = (
        load_record(&mut *conn, EntityKind::Customer, survivor).await?,
        load_record(&mut *conn, EntityKind::Customer, merged).await?,
    ) else {
        return Ok(Err(Refusal::NotFound));
    };
    if keep.deleted || gone.deleted || !visible(&keep) || !visible(&gone) {
        return Ok(Err(Refusal::NotFound));
    }
    if let Err(why) = yingpan_shared::dedup::may_merge(viewer.role) {
        return Ok(Err(Refusal::Forbidden(why.into())));
    }
    // A customer's money is its own book, settled against itself: moving
    // part of it under another customer (and back, on undo) could split a
    // contract from its plan or settle an installment twice.
    if super::money::has_book(&mut *conn, merged).await? {
        return Ok(Err(Refusal::Invalid(
            "only a customer without quotes, contracts or money can be merged away; keep the one that has them".into(),
        )));
    }
    let author = viewer.id.to_string();
    let data = yingpan_shared::dedup::merged_fields(&keep.data, &gone.data, choices);
    let data = match EntityKind::Customer.canonicalize(survivor, &data) {
        Ok(d) => d,
        Err(e) => return Ok(Err(Refusal::Invalid(e.to_string()))),
    };
    write_record(
        &mut *conn,
        EntityKind::Customer,
        survivor,
        keep.owner_id,
        None,
        &data,
        false,
        now,
        &author,
    )
    .await?;
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE parent_id IN ($1, $2) AND deleted = FALSE");
    let children = sqlx::query(&sql)
        .bind(survivor.to_string())
        .bind(merged.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut moved = Vec::new();
    for row in &children {
        let (child, _) = record_from_row(row)?;
        let pointless_flag = child.entity == EntityKind::Duplicate
            && [survivor, merged]
                .iter()
                .any(|id| child.data.get("existing_id") == Some(&serde_json::json!(id)));
        if pointless_flag || (child.entity == EntityKind::Duplicate && child.parent_id == Some(merged)) {
            write_record(
                &mut *conn,
                child.entity,
                child.id,
                child.owner_id,
                child.parent_id,
                &child.data,
                true,
                now,
                &author,
            )
            .await?;
        } else if child.parent_id == Some(merged) {
            let mut data = child.data.clone();
            data.insert("customer_id".into(), serde_json::json!(survivor));
            write_record(
                &mut *conn,
                child.entity,
                child.id,
                keep.owner_id,
                Some(survivor),
                &data,
                false,
                now,
                &author,
            )
            .await?;
            moved.push((child.entity.as_str(), child.id));
        }
    }
    let mut tombstone = gone.data.clone();
    tombstone.insert("merged_into".into(), serde_json::json!(survivor));
    write_record(
        &mut *conn,
        EntityKind::Customer,
        merged,
        gone.owner_id,
        None,
        &tombstone,
        true,
        now,
        &author,
    )
    .await?;
    if gone.owner_id.is_none() {
        remove_pool_entries(&mut *conn, &[merged], now).await?;
    }
    if keep.owner_id.is_none() {
        refresh_pool_entry(&mut *conn, survivor, now, &author).await?;
    }
    // Kept for 30 days of undo, and shown in the survivor's timeline.
    let record = yingpan_shared::dedup::MergeRecord {
        id: uuid::Uuid::now_v7(),
        customer_id: survivor,
        merged_id: merged,
        merged_name: gone
            .data
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        by: viewer.id,
        at: chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
        undone_at: None,
    };
    sqlx::query(
        "INSERT INTO merges (id, survivor, merged, by_user, at, survivor_before, survivor_after, moved) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.id.to_string())
    .bind(survivor.to_string())
    .bind(merged.to_string())
    .bind(&author)
    .bind(now)
    .bind(serde_json::Value::Object(keep.data.clone()).to_string())
    .bind(serde_json::Value::Object(data.clone()).to_string())
    .bind(serde_json::to_string(&moved).map_err(corrupt)?)
    .execute(&mut *conn)
    .await?;
    write_merge_record(&mut *conn, &record, keep.owner_id, now, &author).await?;
    Ok(Ok(moved.len() as u64))
}

pub(super) async fn write_merge_record(
    conn: &mut Conn,
    record: &yingpan_shared::dedup::MergeRecord,
    owner: Option<UserId>,
    now: i64,
    author: &str,
) -> StoreResult<()> {
    let data = fields_of(record)?;
    write_record(
        &mut *conn,
        EntityKind::Merge,
        record.id,
        owner,
        Some(record.customer_id),
        &data,
        false,
        now,
        author,
    )
    .await?;
    Ok(())
}

/// Undoes a merge (within 30 days): the merged customer comes back
/// with the children it brought, and the survivor's fields the merge
/// changed go back unless edited since.
pub(super) async fn undo_merge_in(
    conn: &mut Conn,
    viewer: &Viewer,
    users: &[User],
    id: uuid::Uuid,
    now: i64,
) -> StoreResult<Result<u64, Refusal>> {
    let row = sqlx::query("SELECT survivor, merged, survivor_before, survivor_after, moved FROM merges WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let (Some(row), Some((log, _))) = (row, load_record(&mut *conn, EntityKind::Merge, id).await?) else {
        return Ok(Err(Refusal::NotFound));
    };
    let survivor = parse_uuid(&row.try_get::<String, _>("survivor")?)?;
    let merged = parse_uuid(&row.try_get::<String, _>("merged")?)?;
    let json_map =
        |col: &str| -> StoreResult<FieldMap> { serde_json::from_str(&row.try_get::<String, _>(col)?).map_err(corrupt) };
    let (before, after) = (json_map("survivor_before")?, json_map("survivor_after")?);
    let moved: Vec<(String, uuid::Uuid)> =
        serde_json::from_str(&row.try_get::<String, _>("moved")?).map_err(corrupt)?;
    let (Some((keep, _)), Some((gone, _))) = (
        load_record(&mut *conn, EntityKind::Customer, survivor).await?,
        load_record(&mut *conn, EntityKind::Customer, merged).await?,
    ) else {
        return Ok(Err(Refusal::NotFound));
    };
    let team = |o: Option<UserId>| o.and_then(|o| team_of(users, o));
    if keep.deleted || !can_see(viewer, keep.owner_id, team(keep.owner_id)) {
        return Ok(Err(Refusal::NotFound));
    }
    // Undoing brings the merged customer back to its owner: the one
    // undoing must be able to change both.
    if let Err(why) = yingpan_shared::dedup::may_merge(viewer.role) {
        return Ok(Err(Refusal::Forbidden(why.into())));
    }
    if !can_change(viewer, keep.owner_id, team(keep.owner_id))
        || !can_change(viewer, gone.owner_id, team(gone.owner_id))
    {
        return Ok(Err(Refusal::Forbidden(
            "this merge involves a customer outside your team; ask an admin to undo it".into(),
        )));
    }
    let mut record: yingpan_shared::dedup::MergeRecord =
        serde_json::from_value(serde_json::Value::Object(log.data.clone())).map_err(corrupt)?;
    let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    if let Err(why) = yingpan_shared::dedup::may_undo(&record, at) {
        return Ok(Err(Refusal::Invalid(why)));
    }
    let author = viewer.id.to_string();
    let mut restored = gone.data.clone();
    restored.remove("merged_into");
    write_record(
        &mut *conn,
        EntityKind::Customer,
        merged,
        gone.owner_id,
        None,
        &restored,
        false,
        now,
        &author,
    )
    .await?;
    if gone.owner_id.is_none() {
        refresh_pool_entry(&mut *conn, merged, now, &author).await?;
    }
    // Whoever sees the survivor but not the restored customer drops
    // the records that went back.
    let losers: Vec<&User> = users
        .iter()
        .filter(|u| u.active)
        .filter(|u| {
            let v = Viewer::from(*u);
            can_see(&v, keep.owner_id, team(keep.owner_id)) && !can_see(&v, gone.owner_id, team(gone.owner_id))
        })
        .collect();
    let mut back = 0;
    for (entity, child_id) in &moved {
        let kind = parse_entity(entity)?;
        let Some((child, _)) = load_record(&mut *conn, kind, *child_id).await? else {
            continue;
        };
        if child.deleted || child.parent_id != Some(survivor) {
            continue;
        }
        let mut data = child.data.clone();
        data.insert("customer_id".into(), serde_json::json!(merged));
        write_record(
            &mut *conn,
            kind,
            child.id,
            gone.owner_id,
            Some(merged),
            &data,
            false,
            now,
            &author,
        )
        .await?;
        back += 1;
        for user in &losers {
            let seq = next_seq(&mut *conn).await?;
            sqlx::query("INSERT INTO evictions (seq, user_id, entity, id) VALUES ($1, $2, $3, $4)")
                .bind(seq)
                .bind(user.id.to_string())
                .bind(kind.as_str())
                .bind(child.id.to_string())
                .execute(&mut *conn)
                .await?;
        }
    }
    let fields = yingpan_shared::dedup::unmerged_fields(&keep.data, &before, &after);
    write_record(
        &mut *conn,
        EntityKind::Customer,
        survivor,
        keep.owner_id,
        None,
        &fields,
        false,
        now,
        &author,
    )
    .await?;
    sqlx::query("UPDATE merges SET undone_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    record.undone_at = Some(at);
    write_merge_record(&mut *conn, &record, keep.owner_id, now, &author).await?;
    Ok(Ok(back))
}
