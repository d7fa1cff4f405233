//! Uploading visit photos, after the visits themselves have been pushed.
//! Resumable: each photo goes up in chunks from wherever the server says it
//! stands, so a dropped connection costs one chunk, not the photo.

use crate::api::{self, ApiError};
use crate::db::{DbError, LocalDb};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::photo::{UploadState, CHUNK_BYTES, CONTENT_TYPE};

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

/// Uploads every stored photo; returns messages about photos the server
/// refused (they are dropped from the phone, like refused changes).
pub async fn upload_photos(db: &LocalDb, token: &str) -> Result<Vec<String>, UploadError> {
    let mut refused = Vec::new();
    for (id, activity) in db.pending_photos().await? {
        let Some(photo) = db.photo(&id).await? else {
            continue;
        };
        let total = photo.bytes.len();
        let mut offset = match server_has(token, &id).await? {
            Some(state) if state.complete => total,
            Some(state) => state.received as usize,
            None => 0,
        };
        while offset < total {
            let end = (offset + CHUNK_BYTES).min(total);
            let path = format!("/photos/{id}?activity={activity}&offset={offset}&total={total}");
            match api::put_bytes::<UploadState>(token, &path, CONTENT_TYPE, &photo.bytes[offset..end]).await {
                Ok(state) => offset = state.received as usize,
                // Another attempt got further (or less far) than we knew.
                Err(ApiError::Refused { status: 409, .. }) => {
                    offset = server_has(token, &id).await?.map_or(0, |s| s.received as usize);
                }
                // The visit is not on the server yet: try again next sync,
                // unless the server refused the visit itself.
                Err(ApiError::Refused { status: 404, message }) => {
                    if db.get(EntityKind::Activity, &activity).await?.is_none() {
                        refused.push(message);
                        db.remove_photo(&id).await?;
                    }
                    break;
                }
                Err(ApiError::Refused { message, .. }) => {
                    refused.push(message);
                    db.remove_photo(&id).await?;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if offset >= total {
            db.remove_photo(&id).await?;
        }
    }
    Ok(refused)
}

async fn server_has(token: &str, id: &str) -> Result<Option<UploadState>, ApiError> {
    match api::get::<UploadState>(token, &format!("/photos/{id}/upload")).await {
        Ok(state) => Ok(Some(state)),
        Err(ApiError::Refused { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
