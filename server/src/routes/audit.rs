//! Reading the audit log: admins filter it in the app and export it as CSV.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::audit::{Entry, Filter};

/// A cell Excel will not run as a formula: a name such as `=HYPERLINK(…)`
/// is written with a leading apostrophe.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

const PAGE: u32 = 200;
/// Most rows one export holds; a narrower filter gives the rest.
const MAX_EXPORT: u32 = 100_000;

async fn entries(st: &AppState, auth: &AuthUser, filter: &Filter, most: u32) -> Result<Vec<Entry>, ApiError> {
    auth.admin("read the audit log")?;
    let limit = filter.limit.unwrap_or(most).clamp(1, most);
    Ok(st.store.audit_entries(filter, limit).await?)
}

#[utoipa::path(get, path = "/audit", tag = "audit", params(Filter), responses((status = 200, body = Vec<Entry>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(filter): ApiQuery<Filter>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    Ok(Json(entries(&st, &auth, &filter, PAGE).await?))
}

#[utoipa::path(get, path = "/audit.csv", tag = "audit", params(Filter), responses((status = 200, description = "the log as CSV", content_type = "text/csv", body = String), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn export(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(filter): ApiQuery<Filter>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = entries(&st, &auth, &filter, MAX_EXPORT).await?;
    let users = st.store.users().await?;
    let name = |id: Option<yingpan_shared::ids::UserId>| match id {
        Some(id) => users
            .iter()
            .find(|u| u.id == id)
            .map_or(id.to_string(), |u| u.display_name.clone()),
        None => "command line".to_owned(),
    };
    // A BOM, so Excel opens the UTF-8 as UTF-8.
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let csv_error = |e: csv::Error| ApiError::Internal(e.into());
    out.write_record(["time (UTC)", "who", "user id", "address", "action", "target", "detail"])
        .map_err(csv_error)?;
    for e in rows {
        let at = chrono::DateTime::from_timestamp_millis(e.at).unwrap_or_default();
        let cells = [
            at.format("%Y-%m-%d %H:%M:%S").to_string(),
            name(e.actor),
            e.actor.map(|a| a.to_string()).unwrap_or_default(),
            e.address,
            e.action.as_str().to_owned(),
            e.target.unwrap_or_default(),
            e.detail.to_string(),
        ];
        out.write_record(cells.map(|c| inert(&c))).map_err(csv_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"yingpan-audit.csv\"",
            ),
        ],
        bytes,
    ))
}
