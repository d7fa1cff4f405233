//! The company's print templates and letterhead: everyone reads them (the
//! app prints offline from its copy), admins set them. A template that
//! does not print its sample document is refused with the reason.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::money::print::PrintTemplates;

#[utoipa::path(get, path = "/print/templates", tag = "money", responses((status = 200, body = PrintTemplates), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn get(State(st): State<AppState>, _auth: AuthUser) -> Result<Json<PrintTemplates>, ApiError> {
    Ok(Json(st.store.print_templates().await?))
}

#[utoipa::path(put, path = "/print/templates", tag = "money", request_body = PrintTemplates, responses((status = 200, body = PrintTemplates), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn set(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(templates): ApiJson<PrintTemplates>,
) -> Result<Json<PrintTemplates>, ApiError> {
    auth.admin("change the print templates")?;
    templates.check().map_err(ApiError::Validation)?;
    let before = st.store.print_templates().await?;
    st.store.set_print_templates(&templates).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            yingpan_shared::audit::Action::RulesChanged,
            Some("print_templates".into()),
            serde_json::json!({"before": before, "after": templates}),
        )
        .await?;
    Ok(Json(templates))
}
