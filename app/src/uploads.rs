//! Uploading visit photos, after the visits themselves have been pushed.
//! Resumable: each photo goes up in chunks from wherever the server says it
//! stands, so a dropped connection costs one chunk, not the photo.

use crate::api::{self, ApiError};
use crate::db::{DbError, LocalDb};
use std::collections::HashSet;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::photo::{UploadState, CHUNK_BYTES};

#[derive(Debug)]
pub enum UploadError {
    Api(ApiError),
    Db(DbError),
}

impl From<ApiError> for UploadError {
    fn from(e: ApiError) -> Self {
        UploadError::Api(e)
    }
}

impl From<DbError> for UploadError {
    fn from(e: DbError) -> Self {
        UploadError::Db(e)
    }
}

/// Uploads every stored photo whose visit is saved; returns messages about
/// photos the server refused for good (they are dropped from the phone,
/// like refused changes). A photo of the visit still open waits for its
/// check-out; a server that fails for now leaves every photo for the next
/// sync.
pub async fn upload_photos(db: &LocalDb, token: &str) -> Result<Vec<String>, UploadError> {
    let mut refused = Vec::new();
    let open = db.open_visit().await?.map(|v| v.id);
    let queued: HashSet<String> = db.outbox().await?.into_iter().map(|m| m.id.to_string()).collect();
    for photo in db.pending_photos().await? {
        let (id, activity) = (&photo.id, &photo.activity_id);
        if open.as_deref() == Some(activity.as_str()) || queued.contains(activity) {
            continue;
        }
        let total = photo.bytes.len();
        let mut offset = match server_has(token, id, activity).await? {
            Some(state) if state.complete => total,
            Some(state) => state.received as usize,
            None => 0,
        };
        while offset < total {
            let end = chunk_end(offset, total);
            match api::upload_chunk(token, id, activity, offset, total, &photo.bytes[offset..end]).await {
                Ok(state) => offset = state.received as usize,
                // Another attempt got further (or less far) than we knew.
                Err(ApiError::Refused { status: 409, .. }) => {
                    offset = server_has(token, id, activity)
                        .await?
                        .map_or(0, |s| s.received as usize);
                }
                // The server has no such visit of ours. Unless the phone still
                // holds it (a next sync may bring it), the server refused it
                // and its photo can never be shown.
                // (The visit's refusal was reported when it was pushed.)
                Err(ApiError::Refused { status: 404, .. }) => {
                    if db.get(EntityKind::Activity, activity).await?.is_none() {
                        db.remove_photo(id).await?;
                    }
                    break;
                }
                // Refused for good: not a photo the server will ever take.
                Err(ApiError::Refused {
                    status: 400 | 403 | 413 | 422,
                    message,
                }) => {
                    refused.push(message);
                    db.remove_photo(id).await?;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if offset >= total {
            db.remove_photo(id).await?;
        }
    }
    Ok(refused)
}

/// Where the chunk starting at `offset` ends: a full chunk, but never
/// leaving a last chunk of one byte (the server checks the JPEG end marker,
/// two bytes, in the last chunk).
fn chunk_end(offset: usize, total: usize) -> usize {
    let end = (offset + CHUNK_BYTES).min(total);
    if total - end == 1 {
        end - 1
    } else {
        end
    }
}

async fn server_has(token: &str, id: &str, activity: &str) -> Result<Option<UploadState>, ApiError> {
    match api::upload_state(token, id, activity).await {
        Ok(state) => Ok(Some(state)),
        Err(ApiError::Refused { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
