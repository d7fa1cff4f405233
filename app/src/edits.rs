//! Local edits: check a record with the shared rules, queue the change and
//! update the cache in one step, then let the sync loop take it from there.

use crate::ids::new_id;
use crate::sync::AppCtx;
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::merge::edit_between;
use yingpan_shared::sync::Op;

/// Creates a record from `fields`; returns its new id, or a message.
pub async fn create(app: AppCtx, kind: EntityKind, fields: FieldMap) -> Result<String, String> {
    create_as(app, kind, new_id(), fields).await
}

/// Creates a record under an id chosen beforehand (a visit whose photo
/// already names it).
pub async fn create_as(app: AppCtx, kind: EntityKind, id: String, fields: FieldMap) -> Result<String, String> {
    let uuid: Uuid = id.parse().map_err(|_| "bad id".to_owned())?;
    let record = kind.canonicalize(uuid, &fields).map_err(|e| e.to_string())?;
    app.record(kind, &id, Op::Create { fields: record.clone() }, Some(&record))
        .await
        .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Saves an edit of `before` into `after` (both whole records).
pub async fn update(app: AppCtx, kind: EntityKind, before: &FieldMap, after: FieldMap) -> Result<(), String> {
    let id = before.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let uuid: Uuid = id.parse().map_err(|_| "bad id".to_owned())?;
    let mut merged = before.clone();
    merged.extend(after);
    let record = kind.canonicalize(uuid, &merged).map_err(|e| e.to_string())?;
    let Some((fields, base)) = edit_between(before, &record) else {
        return Ok(());
    };
    app.record(kind, &id, Op::Update { fields, base }, Some(&record))
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
