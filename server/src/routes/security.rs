//! Headers every response carries: a Content-Security-Policy the app
//! passes (its one inline loader script allowed by hash, WebAssembly
//! allowed to compile, nothing from elsewhere, never framed), no MIME
//! sniffing, no referrer sent elsewhere.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The API answers data, never pages: nothing may run or load from it.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The app's policy, allowing the inline scripts of the built index.html
/// by their hashes (Trunk writes one that loads the WebAssembly).
pub fn app_policy(dist: &Path) -> String {
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
    let hashes: String = inline_scripts(&html)
        .map(|body| {
            let digest = Sha256::digest(body.as_bytes());
            format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.match_indices("<script").filter_map(move |(start, _)| {
        let open_end = start + html[start..].find('>')?;
        let tag = &html[start..open_end];
        if tag.contains(" src=") {
            return None;
        }
        let body_start = open_end + 1;
        let body_end = body_start + html[body_start..].find("</script>")?;
        Some(&html[body_start..body_end])
    })
}

/// Adds the headers; `policy` is [`app_policy`], computed once at start.
pub async fn headers(policy: std::sync::Arc<HeaderValue>, request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = if is_api {
        HeaderValue::from_static(API_POLICY)
    } else {
        (*policy).clone()
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html =
            r#"<head><script src="/a.js"></script><script type="module">import init from '/x.js';</script></head>"#;
        let found: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(found, ["import init from '/x.js';"]);
    }
}
