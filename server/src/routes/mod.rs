//! The HTTP surface: `/api/*` and the app's static files.

mod app_files;
mod audit;
mod auth;
mod customers;
mod duplicates;
mod import;
mod metrics;
mod money;
mod payables;
mod people;
mod photos;
mod pool;
mod print;
mod records;
mod reports;
mod rules;
mod security;
mod sync;
mod team;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Longest any request may take (an import of 5,000 rows is the slowest).
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The API's OpenAPI 3.1 description: every operation, with its request
/// and answer types from `yingpan_shared`, signed in with a bearer token.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Yingpan API",
        description = "Sync and REST API of Yingpan (营盘). Sign in with POST /api/login and send the token as `Authorization: Bearer <token>`. Every error has the shape of ErrorBody."
    ),
    components(schemas(yingpan_shared::import::ExactRows)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// Whether the server is up.
#[utoipa::path(get, path = "/health", tag = "auth", responses((status = 200, description = "ok", body = String)))]
async fn health() -> &'static str {
    "ok"
}

/// Every API route, each registered with its OpenAPI description: what is
/// served is what is described.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::sessions))
        .routes(routes!(auth::end_session))
        .routes(routes!(auth::end_other_sessions))
        .routes(routes!(auth::accept_invite))
        .routes(routes!(people::teams, people::create_team))
        .routes(routes!(people::rename_team))
        .routes(routes!(people::list, people::create))
        .routes(routes!(people::change))
        .routes(routes!(people::reset_password))
        .routes(routes!(people::end_sessions))
        .routes(routes!(people::deactivate))
        .routes(routes!(people::reactivate))
        .routes(routes!(people::directory))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(sync::push))
        .routes(routes!(sync::pull))
        .routes(routes!(records::get_record))
        .routes(routes!(customers::reassign))
        .routes(routes!(customers::archived))
        .routes(routes!(customers::restore))
        .routes(routes!(duplicates::merge))
        .routes(routes!(duplicates::undo_merge))
        .routes(routes!(duplicates::check))
        .routes(routes!(duplicates::policy, duplicates::set_policy))
        .routes(routes!(import::customers))
        .routes(routes!(pool::rules, pool::set_rules))
        .routes(routes!(rules::get, rules::set))
        .routes(routes!(print::get, print::set))
        .routes(routes!(money::quote_xlsx))
        .routes(routes!(reports::aging))
        .routes(routes!(reports::aging_xlsx))
        .routes(routes!(reports::forecast))
        .routes(routes!(reports::customer))
        .routes(routes!(reports::statement_xlsx))
        .routes(routes!(reports::stats))
        .routes(routes!(import::products))
        .routes(routes!(payables::suppliers, payables::save_supplier))
        .routes(routes!(payables::book))
        .routes(routes!(payables::sign))
        .routes(routes!(payables::received))
        .routes(routes!(payables::pay))
        .routes(routes!(payables::undo))
        .routes(routes!(payables::allocate))
        .routes(routes!(payables::aging))
        .routes(routes!(payables::aging_xlsx))
        .routes(routes!(photos::get, photos::upload))
        .routes(routes!(photos::status))
        .routes(routes!(team::depart))
        .routes(routes!(team::overview))
        .routes(routes!(team::history))
}

/// The OpenAPI document, paths as served (under `/api`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    OpenApiRouter::<AppState>::new()
        .nest("/api", api_routes())
        .split_for_parts()
        .1
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api_routes().split_for_parts();
    let spec = std::sync::Arc::new(openapi());
    let api = api
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let spec = spec.clone();
                async move { axum::Json((*spec).clone()) }
            }),
        )
        .fallback(|| async { ApiError::NotFound("no such API endpoint".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(crate::i18n::language))
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
        .merge(metrics::router(state.clone()))
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
        .layer(TraceLayer::new_for_http().on_failure(log_failure))
}

/// A request that failed, in the log: a 503 is the server shedding load as
/// designed (counted at `/metrics`), a warning; anything else an error.
fn log_failure(class: ServerErrorsFailureClass, latency: std::time::Duration, _span: &tracing::Span) {
    match class {
        ServerErrorsFailureClass::StatusCode(status) if status == axum::http::StatusCode::SERVICE_UNAVAILABLE => {
            tracing::warn!(%status, ?latency, "sent away: the server is busy");
        }
        class => tracing::error!(%class, ?latency, "request failed"),
    }
}
