//! Sync push and pull. The rules live in `yingpan_shared::sync`; this only
//! checks the request's shape and does the IO.

use crate::audit::Audit;
use crate::auth::{AuthUser, Pusher};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use yingpan_shared::access::{after_closing, may_archive, scope, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::audit::Action;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::sync::{
    Cursor, MutationResult, MutationStatus, Op, PullResponse, PushRequest, PushResponse, MAX_PULL_LIMIT, MAX_PUSH_BATCH,
};

#[utoipa::path(post, path = "/sync/push", tag = "sync", request_body = PushRequest, responses((status = 200, body = PushResponse), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn push(
    State(st): State<AppState>,
    pusher: Pusher,
    audit: Audit,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest(format!(
            "a push may carry at most {MAX_PUSH_BATCH} mutations; send the rest in another push"
        )));
    }
    if req.mutations.iter().any(|m| i64::try_from(m.seq).is_err()) {
        return Err(ApiError::BadRequest("mutation seq is out of range".into()));
    }
    let _timer = st.load.metrics.push_seconds.start_timer();
    let _turn = st.load.push_turn(pusher.user().id).await?;
    let (user, closed_at) = match pusher {
        Pusher::Active(auth) => (auth.user, None),
        Pusher::Closed { user, closed_at } => (user, Some(closed_at)),
    };
    let Some(closed_at) = closed_at else {
        let archiving = customers_to_archive(&st, &user, &req).await?;
        let results = st.store.push(&Viewer::from(&user), &req, st.now_ms()).await?;
        let applied = |m: &&yingpan_shared::sync::Mutation| {
            results
                .iter()
                .any(|r| r.seq == m.seq && r.status == MutationStatus::Applied)
        };
        for m in req
            .mutations
            .iter()
            .filter(|m| matches!(m.op, Op::Delete) && archiving.contains(&m.id))
            .filter(applied)
        {
            let target = Some(m.id.to_string());
            audit
                .record(&st, Some(user.id), Action::Archive, target, serde_json::json!({}))
                .await?;
        }
        st.load.metrics.count(&results);
        return Ok(Json(PushResponse {
            results: in_their_language(results),
        }));
    };
    // A closed account hands in its facts; everything else is answered
    // with the reason and dropped by its device.
    let closed_at = chrono::DateTime::from_timestamp_millis(closed_at).unwrap_or_default();
    let (facts, refused): (Vec<_>, Vec<_>) = req
        .mutations
        .into_iter()
        .partition(|m| after_closing(m, closed_at).is_ok());
    let handed_in = PushRequest {
        client_id: req.client_id,
        mutations: facts,
    };
    let mut results = st.store.push(&Viewer::from(&user), &handed_in, st.now_ms()).await?;
    results.extend(refused.iter().map(|m| MutationResult {
        seq: m.seq,
        status: MutationStatus::Rejected,
        message: after_closing(m, closed_at).err(),
        conflicts: Vec::new(),
    }));
    results.sort_by_key(|r| r.seq);
    st.load.metrics.count(&results);
    Ok(Json(PushResponse {
        results: in_their_language(results),
    }))
}

/// The customers this push would archive that are not archived yet, so
/// that each archive is logged once (a replayed push changes nothing).
async fn customers_to_archive(
    st: &AppState,
    user: &yingpan_shared::user::User,
    req: &PushRequest,
) -> Result<Vec<uuid::Uuid>, ApiError> {
    let mut archiving = Vec::new();
    if may_archive(user.role).is_err() {
        return Ok(archiving);
    }
    for m in &req.mutations {
        if m.entity == EntityKind::Customer && matches!(m.op, Op::Delete) {
            let current = st.store.record(EntityKind::Customer, m.id).await?;
            if current.is_some_and(|r| !r.deleted) {
                archiving.push(m.id);
            }
        }
    }
    Ok(archiving)
}

/// Stored answers keep the server's English; each is given in the
/// language of whoever asks.
fn in_their_language(mut results: Vec<MutationResult>) -> Vec<MutationResult> {
    for r in &mut results {
        if let Some(m) = &r.message {
            r.message = Some(crate::i18n::tr(m));
        }
    }
    results
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullParams {
    #[serde(default)]
    since: Cursor,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/sync/pull", tag = "sync", params(PullParams), responses((status = 200, body = PullResponse), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn pull(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(params): ApiQuery<PullParams>,
) -> Result<Json<PullResponse>, ApiError> {
    if params.since < 0 {
        return Err(ApiError::BadRequest("since must not be negative".into()));
    }
    let limit = params.limit.unwrap_or(MAX_PULL_LIMIT).clamp(1, MAX_PULL_LIMIT);
    let _timer = st.load.metrics.pull_seconds.start_timer();
    let _turn = st.load.pull_turn(auth.user.id).await?;
    let users = st.store.users().await?;
    let scope = scope(&Viewer::from(&auth.user), &users);
    Ok(Json(st.store.pull(auth.user.id, &scope, params.since, limit).await?))
}
