//! The built app (Trunk's `dist/`): its files, index.html for any other path
//! (a client-side route), and the headers that let an installed app pick up
//! a new version on its next start.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// The service worker's path; it must sit at the root to control every route.
const WORKER: &str = "/sw.js";

pub fn router(dist: &Path) -> Router {
    // A stored brotli copy (see crate::precompress) when there is one.
    let files = ServeDir::new(dist)
        .precompressed_br()
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(headers))
}

/// index.html and the worker are revalidated on every start (a cheap 304 when
/// unchanged), so a new build is seen at once; everything else Trunk names
/// by content hash, so any caching of it is safe.
async fn headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let is_worker = path == WORKER;
    let is_manifest = path.ends_with(".webmanifest");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if is_worker {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript"));
    } else if is_manifest {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    // A missing file (a hashed script of another build, say) is not a
    // client-side route: answering it with the app's page would let a
    // browser cache HTML as a script.
    let last = path.rsplit('/').next().unwrap_or_default();
    if is_html && last.contains('.') && !last.ends_with(".html") {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    }
    if is_worker || is_html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    // A stored brotli copy may have been sent: a shared cache must not give
    // it to a browser that did not ask for brotli.
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
