//! The HTTP surface: `/api/*` and the app's static files.

mod app_files;
mod auth;
mod customers;
mod duplicates;
mod import;
mod photos;
mod pool;
mod records;
mod rules;
mod sync;
mod team;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
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
        .route("/users", get(pool::users))
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

    Router::new()
        .nest("/api", api)
        .merge(app_files::router(&state.settings.dist))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}
