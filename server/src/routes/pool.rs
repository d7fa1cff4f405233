//! The pool's rules: everyone reads them, admins set them.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::pool::PoolRules;

#[utoipa::path(get, path = "/pool/rules", tag = "rules", responses((status = 200, body = PoolRules), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn rules(State(st): State<AppState>, _auth: AuthUser) -> Result<Json<PoolRules>, ApiError> {
    Ok(Json(st.store.pool_rules().await?))
}

#[utoipa::path(put, path = "/pool/rules", tag = "rules", request_body = PoolRules, responses((status = 200, body = PoolRules), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn set_rules(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(rules): ApiJson<PoolRules>,
) -> Result<Json<PoolRules>, ApiError> {
    auth.admin("change the pool rules")?;
    rules.validate().map_err(ApiError::Validation)?;
    let before = st.store.pool_rules().await?;
    st.store.set_pool_rules(&rules).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            yingpan_shared::audit::Action::RulesChanged,
            Some("pool_rules".into()),
            serde_json::json!({"before": before, "after": rules}),
        )
        .await?;
    Ok(Json(rules))
}
