//! Collision prevention: the company-wide duplicate check a rep's app runs
//! while they type a new customer, and the company's duplicate policy.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, CustomerPath, MergePath, PathId};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::api::{DuplicateCandidate, MergeRequest};
use yingpan_shared::audit::Action;
use yingpan_shared::dedup::{compare, CustomerKeys, DuplicatePolicy, Likeness};

/// Candidates looked at, and candidates answered.
const SEARCH: u32 = 50;
const ANSWER: usize = 10;
const MAX_INPUT_CHARS: usize = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    #[serde(default)]
    name: String,
    phone: Option<String>,
    email: Option<String>,
    /// The customer being edited, which is no duplicate of itself.
    exclude: Option<Uuid>,
}

#[utoipa::path(get, path = "/duplicates", tag = "customers", params(CheckQuery), responses((status = 200, body = Vec<DuplicateCandidate>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn check(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<CheckQuery>,
) -> Result<Json<Vec<DuplicateCandidate>>, ApiError> {
    let long = |s: &str| s.chars().count() > MAX_INPUT_CHARS;
    if long(&q.name) || q.phone.as_deref().is_some_and(long) || q.email.as_deref().is_some_and(long) {
        return Err(ApiError::BadRequest(format!(
            "keep each field under {MAX_INPUT_CHARS} characters"
        )));
    }
    let keys = CustomerKeys::of(&q.name, q.phone.as_deref(), q.email.as_deref());
    // Too little to say which customer is meant: nothing is looked up, so
    // single characters cannot walk the customer list.
    if !keys.meaningful() {
        return Ok(Json(Vec::new()));
    }
    st.limits.duplicate_check(auth.user.id)?;
    let users = st.store.users().await?;
    let viewer = Viewer::from(&auth.user);
    let mut found: Vec<DuplicateCandidate> = st
        .store
        .duplicate_candidates(&keys, q.exclude, SEARCH)
        .await?
        .into_iter()
        .filter_map(|c| {
            let (likeness, score) = compare(&keys, &c.keys);
            (likeness >= Likeness::Possible).then(|| DuplicateCandidate {
                id: c.id,
                name: c.name,
                likeness,
                score,
                owner: c.owner,
                owner_name: c
                    .owner
                    .and_then(|o| users.iter().find(|u| u.id == o))
                    .map(|u| u.display_name.clone()),
                visible: can_see(&viewer, c.owner, c.owner.and_then(|o| team_of(&users, o))),
            })
        })
        .collect();
    found.sort_by(|a, b| b.likeness.cmp(&a.likeness).then(b.score.total_cmp(&a.score)));
    found.truncate(ANSWER);
    Ok(Json(found))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Merged {
    /// Child records (contacts, activities, history) that moved.
    moved: u64,
}

#[utoipa::path(post, path = "/customers/{id}/merge", tag = "customers", request_body = MergeRequest, params(("id" = String, Path, description = "the surviving customer")), responses((status = 200, body = Merged), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn merge(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(survivor): PathId<CustomerPath>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> Result<Json<Merged>, ApiError> {
    let moved = st
        .store
        .merge_customers(&Viewer::from(&auth.user), survivor, req.merged, &req.keep, st.now_ms())
        .await??;
    tracing::info!(%survivor, merged = %req.merged, moved, "customers merged");
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::Merge,
            Some(survivor.to_string()),
            serde_json::json!({"merged": req.merged, "keep": req.keep, "moved": moved}),
        )
        .await?;
    Ok(Json(Merged { moved }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Unmerged {
    /// Child records that went back to the restored customer.
    restored: u64,
}

#[utoipa::path(post, path = "/merges/{id}/undo", tag = "customers", params(("id" = String, Path, description = "the merge")), responses((status = 200, body = Unmerged), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn undo_merge(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<MergePath>,
) -> Result<Json<Unmerged>, ApiError> {
    let restored = st
        .store
        .undo_merge(&Viewer::from(&auth.user), id, st.now_ms())
        .await?
        .map_err(|refusal| match refusal {
            crate::store::Refusal::NotFound => ApiError::NotFound("there is no such merge".into()),
            other => other.into(),
        })?;
    tracing::info!(merge = %id, restored, "merge undone");
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::MergeUndone,
            Some(id.to_string()),
            serde_json::json!({"restored": restored}),
        )
        .await?;
    Ok(Json(Unmerged { restored }))
}

#[utoipa::path(get, path = "/duplicates/policy", tag = "rules", responses((status = 200, body = DuplicatePolicy), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn policy(State(st): State<AppState>, _auth: AuthUser) -> Result<Json<DuplicatePolicy>, ApiError> {
    Ok(Json(st.store.duplicate_policy().await?))
}

#[utoipa::path(put, path = "/duplicates/policy", tag = "rules", request_body = DuplicatePolicy, responses((status = 200, body = DuplicatePolicy), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn set_policy(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(policy): ApiJson<DuplicatePolicy>,
) -> Result<Json<DuplicatePolicy>, ApiError> {
    auth.admin("change the duplicate policy")?;
    let before = st.store.duplicate_policy().await?;
    st.store.set_duplicate_policy(policy).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::PolicyChanged,
            Some("duplicate_policy".into()),
            serde_json::json!({"before": before, "after": policy}),
        )
        .await?;
    Ok(Json(policy))
}
