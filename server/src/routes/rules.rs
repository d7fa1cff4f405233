//! The company's field-work rules (check-in radius, quiet days, pipeline
//! stages): everyone reads them, admins set them.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::rules::WorkRules;

#[utoipa::path(get, path = "/work/rules", tag = "rules", responses((status = 200, body = WorkRules), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn get(State(st): State<AppState>, _auth: AuthUser) -> Result<Json<WorkRules>, ApiError> {
    Ok(Json(st.store.work_rules().await?))
}

#[utoipa::path(put, path = "/work/rules", tag = "rules", request_body = WorkRules, responses((status = 200, body = WorkRules), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn set(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(rules): ApiJson<WorkRules>,
) -> Result<Json<WorkRules>, ApiError> {
    auth.admin("change the field-work rules")?;
    rules.check().map_err(ApiError::Validation)?;
    let before = st.store.work_rules().await?;
    st.store.set_work_rules(&rules).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            yingpan_shared::audit::Action::RulesChanged,
            Some("work_rules".into()),
            serde_json::json!({"before": before, "after": rules}),
        )
        .await?;
    Ok(Json(rules))
}
