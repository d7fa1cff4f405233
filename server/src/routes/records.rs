//! Reading one record by id, with the same visibility rule as sync.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::entity::{EntityKind, FieldMap};

#[utoipa::path(get, path = "/records/{entity}/{id}", tag = "sync", params(("entity" = String, Path, description = "customer, contact, activity, …"), ("id" = String, Path, description = "the record")), responses((status = 200, description = "the record's fields", body = Object), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn get_record(
    State(st): State<AppState>,
    auth: AuthUser,
    Path((entity, id)): Path<(String, String)>,
) -> Result<Json<FieldMap>, ApiError> {
    let entity =
        EntityKind::parse(&entity).ok_or_else(|| ApiError::NotFound(format!("no such kind of record: {entity}")))?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::BadRequest(format!("{id} is not a valid record id")))?;
    let not_found = || ApiError::NotFound(format!("no {entity} with id {id}"));
    let record = st.store.record(entity, id).await?.ok_or_else(not_found)?;
    let users = st.store.users().await?;
    let owner_team = record.owner_id.and_then(|o| team_of(&users, o));
    // Someone else's record is reported exactly like a missing one, so ids
    // cannot be probed.
    let visible = entity.is_public() || can_see(&Viewer::from(&auth.user), record.owner_id, owner_team);
    if record.deleted || !visible {
        return Err(not_found());
    }
    Ok(Json(record.data))
}
