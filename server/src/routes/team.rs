//! The manager console: the team's numbers, the pool's flow, a rep's
//! departure with the handover of their book, and the ownership history.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, PathId, UserPath};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;
use yingpan_shared::access::{can_see, scope, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::api::{DepartureRequest, HandoverPlan, OwnershipEntry, PoolOverview, Returning, TeamOverview};
use yingpan_shared::ids::UserId;
use yingpan_shared::pool::returns_soon;
use yingpan_shared::search::fold;
use yingpan_shared::user::Role;

/// Weeks of pool flow the console shows.
const FLOW_WEEKS: u32 = 8;
const MAX_HISTORY: u32 = 500;
/// Words of a name search; more say nothing more about a name.
const MAX_WORDS: usize = 8;

fn manager_only(auth: &AuthUser) -> Result<Viewer, ApiError> {
    auth.manager("the team console is for managers and admins")
}

#[utoipa::path(get, path = "/team", tag = "team", responses((status = 200, body = TeamOverview), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn overview(State(st): State<AppState>, auth: AuthUser) -> Result<Json<TeamOverview>, ApiError> {
    let viewer = manager_only(&auth)?;
    let users = st.store.users().await?;
    let members: Vec<_> = users
        .iter()
        .filter(|u| u.active && u.role != Role::Admin && can_see(&viewer, Some(u.id), u.team_id))
        .cloned()
        .collect();
    let now = st.now_ms();
    let member_ids: Vec<UserId> = members.iter().map(|u| u.id).collect();
    let rules = st.store.pool_rules().await?;
    let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
    let mut returning: Vec<Returning> = st
        .store
        .owned_customers(Some(&member_ids))
        .await?
        .into_iter()
        .filter_map(|c| {
            returns_soon(&rules, &c.facts, at).map(|when| Returning {
                customer_id: c.id,
                name: c.name,
                owner: c.owner,
                at: when,
            })
        })
        .collect();
    returning.sort_by_key(|r| r.at);
    let (size, weeks) = st.store.pool_flow(FLOW_WEEKS, now).await?;
    Ok(Json(TeamOverview {
        members: st.store.member_stats(&members, now).await?,
        pool: PoolOverview { size, weeks, returning },
    }))
}

#[utoipa::path(post, path = "/users/{id}/departure", tag = "team", request_body = DepartureRequest, params(("id" = String, Path, description = "the departing user")), responses((status = 200, body = HandoverPlan), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn depart(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(rep): PathId<UserPath>,
    ApiJson(req): ApiJson<DepartureRequest>,
) -> Result<Json<HandoverPlan>, ApiError> {
    let viewer = manager_only(&auth)?;
    let plan = st
        .store
        .hand_over(&viewer, rep, &req.handover, req.confirm, st.now_ms())
        .await?
        .map_err(|refusal| match refusal {
            crate::store::Refusal::NotFound => ApiError::NotFound("there is no such user".into()),
            other => other.into(),
        })?;
    if plan.done {
        tracing::info!(%rep, customers = plan.customers, records = plan.records, "rep departed; book handed over");
        audit
            .record(
                &st,
                Some(auth.user.id),
                yingpan_shared::audit::Action::Departure,
                Some(rep.to_string()),
                serde_json::json!({"handover": req.handover, "customers": plan.customers, "records": plan.records}),
            )
            .await?;
    }
    Ok(Json(plan))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    customer: Option<Uuid>,
    /// Words to find in the customer's name.
    q: Option<String>,
    limit: Option<u32>,
}

/// Ownership changes the viewer may know of: those that involve someone
/// they see (and, for managers, the pool), newest first.
#[utoipa::path(get, path = "/ownership", tag = "team", params(HistoryQuery), responses((status = 200, body = Vec<OwnershipEntry>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn history(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<OwnershipEntry>>, ApiError> {
    let viewer = Viewer::from(&auth.user);
    let users = st.store.users().await?;
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_HISTORY);
    // Folded as the search box folds them and as names are stored; every
    // word must occur in the name, searched in the database over the
    // whole history.
    let words: Vec<String> =
        q.q.unwrap_or_default()
            .split_whitespace()
            .map(fold)
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .collect();
    let entries = st
        .store
        .ownership_history(&scope(&viewer, &users), q.customer, &words, limit)
        .await?;
    Ok(Json(entries))
}
