//! The HTTP surface: `/api/*` and the app's static files.

mod app_files;
mod audit;
mod auth;
mod customers;
mod duplicates;
mod import;
mod people;
mod photos;
mod pool;
mod records;
mod rules;
mod security;
mod sync;
mod team;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{delete, get, post, put};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Longest any request may take (an import of 5,000 rows is the slowest).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/me/password", post(auth::change_password))
        .route("/me/sessions", get(auth::sessions))
        .route("/me/sessions/{id}", delete(auth::end_session))
        .route("/me/sessions/end-others", post(auth::end_other_sessions))
        .route("/invites/accept", post(auth::accept_invite))
        .route("/teams", get(people::teams).merge(post(people::create_team)))
        .route("/teams/{id}", put(people::rename_team))
        .route("/people", get(people::list).merge(post(people::create)))
        .route("/people/{id}", put(people::change))
        .route("/people/{id}/password-reset", post(people::reset_password))
        .route("/people/{id}/sessions/end", post(people::end_sessions))
        .route("/people/{id}/deactivate", post(people::deactivate))
        .route("/people/{id}/reactivate", post(people::reactivate))
        .route("/audit", get(audit::list))
        .route("/audit.csv", get(audit::export))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route("/records/{entity}/{id}", get(records::get_record))
        .route("/customers/{id}/owner", post(customers::reassign))
        .route("/customers/{id}/merge", post(duplicates::merge))
        .route("/merges/{id}/undo", post(duplicates::undo_merge))
        .route("/duplicates", get(duplicates::check))
        .route("/import/customers", post(import::customers))
        .route(
            "/duplicates/policy",
            get(duplicates::policy).merge(put(duplicates::set_policy)),
        )
        .route("/pool/rules", get(pool::rules).merge(put(pool::set_rules)))
        .route("/users", get(people::directory))
        .route("/work/rules", get(rules::get).merge(put(rules::set)))
        .route("/photos/{id}", get(photos::get).merge(put(photos::upload)))
        .route("/photos/{id}/upload", get(photos::status))
        .route("/users/{id}/departure", post(team::depart))
        .route("/team", get(team::overview))
        .route("/ownership", get(team::history))
        .fallback(|| async { ApiError::NotFound("no such API endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(state.clone());

    let policy = std::sync::Arc::new(
        HeaderValue::from_str(&security::app_policy(&state.settings.dist))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'")),
    );
    Router::new()
        .nest("/api", api)
        .merge(app_files::router(&state.settings.dist))
        .layer(axum::middleware::from_fn(move |request, next| {
            security::headers(policy.clone(), request, next)
        }))
        .layer(CompressionLayer::new())
        // A request that takes longer than this is answered 408 and its work
        // dropped, so a slow client or a stuck query cannot hold a worker.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}
