//! `/metrics`: the server's own figures (see `crate::load`) in Prometheus
//! text format, for a scraper holding the configured token. Not part of
//! the API: no session, no user data, only counts and durations.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Router;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(state)
}

/// Served only when a token is configured (`YINGPAN_METRICS_TOKEN`), and
/// only to a request that brings it as a bearer token.
async fn metrics(State(st): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    // A token pasted into a config file with a newline still counts.
    let expected = st.settings.metrics_token.as_deref().map(str::trim);
    let Some(expected) = expected.filter(|t| !t.is_empty()) else {
        return Err(ApiError::NotFound(
            "metrics are off; set YINGPAN_METRICS_TOKEN to turn them on".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized)?;
    // Compared as digests, so the time taken tells nothing about the token.
    if crate::auth::token_hash(given) != crate::auth::token_hash(expected) {
        return Err(ApiError::Unauthorized);
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        st.load.metrics.render(),
    ))
}
