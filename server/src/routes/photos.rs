//! Visit photos: resumable chunked upload by the visit's author after the
//! visit has synced, and reading by whoever may see the visit.

use crate::auth::{AuthUser, Pusher};
use crate::error::ApiError;
use crate::extract::{ApiQuery, PathId, PhotoPath};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::photo::{accept_chunk, ChunkRefusal, UploadState, CONTENT_TYPE, MAX_PHOTO_BYTES};
use yingpan_shared::sync::StoredRecord;

use crate::store::PhotoUpload;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChunkQuery {
    /// The visit the photo belongs to.
    activity: Uuid,
    /// Where this chunk starts.
    offset: u64,
    /// The whole photo's size.
    total: u64,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitQuery {
    /// The visit the photo belongs to.
    activity: Uuid,
}

/// The visit `activity` if it names photo `photo`.
async fn visit_naming(st: &AppState, activity: Uuid, photo: Uuid) -> Result<Option<StoredRecord>, ApiError> {
    let visit = st.store.record(EntityKind::Activity, activity).await?;
    Ok(visit.filter(|v| {
        !v.deleted
            && v.data
                .get("visit")
                .and_then(|v| v.get("photo_id"))
                .and_then(|p| p.as_str())
                == Some(&photo.to_string())
    }))
}

/// How far the upload of a visit's photo has come (404: not started).
#[utoipa::path(get, path = "/photos/{id}/upload", tag = "visits", params(("id" = String, Path, description = "the photo"), VisitQuery), responses((status = 200, body = UploadState), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn status(
    State(st): State<AppState>,
    pusher: Pusher,
    PathId(id): PathId<PhotoPath>,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> Result<Json<UploadState>, ApiError> {
    match st.store.photo_upload(q.activity).await? {
        Some(upload) if upload.uploaded_by == pusher.user().id && upload.photo_id == id => Ok(Json(upload.state)),
        _ => Err(ApiError::NotFound("no upload of this photo has started".into())),
    }
}

/// Appends one chunk. A photo is stored under its visit: only the visit's
/// author may upload it, and only the photo the visit names; a departed
/// rep's device may still send the photos of visits it handed in (see
/// [`Pusher`]).
#[utoipa::path(put, path = "/photos/{id}", tag = "visits", request_body(content = Vec<u8>, content_type = "image/jpeg", description = "one chunk of the JPEG"), params(("id" = String, Path, description = "the photo"), ChunkQuery), responses((status = 200, body = UploadState), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn upload(
    State(st): State<AppState>,
    pusher: Pusher,
    PathId(id): PathId<PhotoPath>,
    ApiQuery(q): ApiQuery<ChunkQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UploadState>, ApiError> {
    let me = pusher.user().id;
    let visit = visit_naming(&st, q.activity, id).await?;
    let author = visit.as_ref().and_then(|v| v.data.get("by")?.as_str());
    if author != Some(me.to_string().as_str()) {
        return Err(ApiError::NotFound(
            "no visit of yours names this photo; sync the visit first".into(),
        ));
    }
    let before = st.store.photo_upload(q.activity).await?;
    if before.is_none() {
        // A day's allowance bounds what one account can pour into the
        // database, whatever its device sends.
        let day_start = st.now_ms() - st.now_ms().rem_euclid(DAY_MS);
        let begun = st.store.photo_bytes_begun(me, day_start).await?;
        if begun.saturating_add(q.total) > st.settings.photo_bytes_per_day {
            return Err(ApiError::TooManyRequests(day_start + DAY_MS - st.now_ms()));
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let tail = &body[body.len().saturating_sub(2)..];
    let after = accept_chunk(
        before.as_ref().map(|b| b.state),
        content_type,
        q.total,
        q.offset,
        body.len() as u64,
        &body[..body.len().min(3)],
        tail,
    )
    .map_err(|refusal| match refusal {
        ChunkRefusal::Invalid(why) => ApiError::Validation(why),
        ChunkRefusal::TooLarge => ApiError::Validation(format!(
            "a photo may be at most {} MB; the app shrinks photos before sending them",
            MAX_PHOTO_BYTES / (1024 * 1024)
        )),
        ChunkRefusal::WrongOffset { received } => ApiError::Conflict(format!(
            "the server has {received} bytes of this photo; resume from there"
        )),
    })?;
    if before.as_ref().is_some_and(|b| b.state == after) {
        return Ok(Json(after));
    }
    let upload = PhotoUpload {
        activity_id: q.activity,
        photo_id: id,
        uploaded_by: me,
        state: after,
    };
    if !st.store.append_photo(&upload, &body, st.now_ms()).await? {
        return Err(ApiError::Conflict(
            "another upload of this photo got there first; resume".into(),
        ));
    }
    Ok(Json(after))
}

/// A visit's photo, to whoever may see the visit.
#[utoipa::path(get, path = "/photos/{id}", tag = "visits", params(("id" = String, Path, description = "the photo"), VisitQuery), responses((status = 200, description = "the JPEG", content_type = "image/jpeg", body = Vec<u8>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    auth: AuthUser,
    PathId(id): PathId<PhotoPath>,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound("no such photo".into());
    let visit = visit_naming(&st, q.activity, id).await?.ok_or_else(not_found)?;
    let users = st.store.users().await?;
    let viewer = Viewer::from(&auth.user);
    if !can_see(&viewer, visit.owner_id, visit.owner_id.and_then(|o| team_of(&users, o))) {
        return Err(not_found());
    }
    let bytes = st.store.photo_bytes(q.activity).await?.ok_or_else(not_found)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))], bytes).into_response())
}
