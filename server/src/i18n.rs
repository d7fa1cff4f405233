//! The language of a request's answers: its `Accept-Language` (the app
//! sends the language its user chose), kept for the request's task so the
//! error type and the handlers can give messages in it
//! (`yingpan_shared::messages` holds the translations).

use axum::extract::Request;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::middleware::Next;
use axum::response::Response;
use yingpan_shared::messages::{translate, Lang};

tokio::task_local! {
    static LANG: Lang;
}

/// Runs the request with its language known.
pub async fn language(request: Request, next: Next) -> Response {
    let lang = request
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, Lang::of_header);
    LANG.scope(lang, next.run(request)).await
}

/// The language of the request being answered (English outside one).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// `message` in the language of the request being answered.
pub fn tr(message: &str) -> String {
    translate(message, current()).into_owned()
}
