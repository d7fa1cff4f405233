//! Customer operations beyond field edits: handing a customer to a new owner.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yingpan_shared::access::Viewer;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::ids::UserId;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewOwner {
    /// `null` releases the customer to the pool.
    owner_id: Option<UserId>,
}

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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewOwner>,
) -> Result<Json<Moved>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::BadRequest(format!("{id} is not a valid customer id")))?;
    let users = st.store.users().await?;
    let moved = st
        .store
        .reassign(&Viewer::from(&auth.user), &users, id, body.owner_id, st.now_ms())
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
