//! Customer operations beyond field edits: handing a customer to a new
//! owner, and bringing back one a manager archived.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{ApiJson, CustomerPath, PathId};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use yingpan_shared::access::{can_change, may_archive, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::api::{ArchivedCustomer, NewOwner};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Moved {
    /// Records that changed hands: the customer and its children.
    moved: u64,
}

#[utoipa::path(post, path = "/customers/{id}/owner", tag = "customers", request_body = NewOwner, params(("id" = String, Path, description = "the customer")), responses((status = 200, body = Moved), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn reassign(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<CustomerPath>,
    ApiJson(body): ApiJson<NewOwner>,
) -> Result<Json<Moved>, ApiError> {
    let moved = st
        .store
        .reassign(&Viewer::from(&auth.user), id, body.owner_id, st.now_ms())
        .await??;
    if moved > 0 {
        audit
            .record(
                &st,
                Some(auth.user.id),
                yingpan_shared::audit::Action::Reassignment,
                Some(id.to_string()),
                serde_json::json!({"to": body.owner_id, "records": moved}),
            )
            .await?;
    }
    Ok(Json(Moved { moved }))
}

/// How many archived customers are looked through for the asker's; the
/// newest first.
const ARCHIVED_LOOKED_AT: u32 = 5000;
/// How many are listed.
const ARCHIVED_SHOWN: usize = 500;

/// The archived customers the asker may bring back, newest first.
#[utoipa::path(get, path = "/customers/archived", tag = "customers", responses((status = 200, body = Vec<ArchivedCustomer>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn archived(State(st): State<AppState>, auth: AuthUser) -> Result<Json<Vec<ArchivedCustomer>>, ApiError> {
    may_archive(auth.user.role).map_err(|why| ApiError::Forbidden(why.into()))?;
    let users = st.store.users().await?;
    let viewer = Viewer::from(&auth.user);
    let mut archived = st.store.archived_customers(ARCHIVED_LOOKED_AT).await?;
    archived.retain(|c| can_change(&viewer, c.owner, c.owner.and_then(|o| team_of(&users, o))));
    archived.truncate(ARCHIVED_SHOWN);
    Ok(Json(archived))
}

/// Brings an archived customer back, as it was, to its owner (to the pool
/// when the owner has left meanwhile); its owner's devices pull it again.
#[utoipa::path(post, path = "/customers/{id}/restore", tag = "customers", params(("id" = String, Path, description = "the customer")), responses((status = 204, description = "restored"), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn restore(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<CustomerPath>,
) -> Result<axum::http::StatusCode, ApiError> {
    st.store
        .restore_customer(&Viewer::from(&auth.user), id, st.now_ms())
        .await??;
    tracing::info!(customer = %id, "archived customer restored");
    audit
        .record(
            &st,
            Some(auth.user.id),
            yingpan_shared::audit::Action::Restore,
            Some(id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
