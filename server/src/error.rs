//! The one error type handlers return, and its JSON shape.

use crate::store::{Refusal, StoreError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use yingpan_shared::api::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Validation(String),
    #[error("please sign in")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("your account has been closed; your manager has your customers now")]
    AccountClosed,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request is too large")]
    TooLarge,
    #[error("too many failed sign-ins; try again in {} seconds", retry_after_secs(*.0))]
    TooManyAttempts(i64),
    #[error("too many requests; try again in {} seconds", retry_after_secs(*.0))]
    TooManyRequests(i64),
    /// Too much at once: come back in this many milliseconds.
    #[error("the server is busy; try again in a few seconds")]
    Busy(i64),
    #[error("choose a new password before going on")]
    PasswordChangeRequired,
    #[error("something went wrong on the server; please try again")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::AccountClosed => (StatusCode::UNAUTHORIZED, yingpan_shared::api::ACCOUNT_CLOSED),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, yingpan_shared::api::BUSY),
            ApiError::PasswordChangeRequired => (StatusCode::FORBIDDEN, "password_change_required"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Whole seconds to wait for `ms` milliseconds, never zero.
fn retry_after_secs(ms: i64) -> i64 {
    (ms.max(1) + 999) / 1000
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound => ApiError::NotFound("no such customer".into()),
            Refusal::Forbidden(why) => ApiError::Forbidden(why),
            Refusal::Invalid(why) => ApiError::Validation(why),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate(what) => ApiError::Conflict(what),
            StoreError::Refused(why) => ApiError::Forbidden(why),
            // Every pooled connection stayed taken for the whole wait: the
            // server is overloaded, not broken.
            StoreError::Db(sqlx::Error::PoolTimedOut) | StoreError::Busy => ApiError::Busy(crate::load::RETRY_AFTER_MS),
            StoreError::Db(sqlx::Error::Database(e)) if is_transient(e.as_ref()) => {
                ApiError::Busy(crate::load::RETRY_AFTER_MS)
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

/// A database error that says "not now" rather than "wrong": SQLite's
/// busy or locked past its busy timeout; PostgreSQL's deadlock, failed
/// serialization or lock not available. The same request may succeed
/// after a wait.
fn is_transient(e: &dyn sqlx::error::DatabaseError) -> bool {
    let code = e.code();
    let code = code.as_deref().unwrap_or("");
    if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLITE_BUSY or SQLITE_LOCKED, in any of their extended forms
        // (the primary code is the low byte).
        code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
    } else {
        matches!(code, "40001" | "40P01" | "55P03")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: crate::i18n::tr(&self.to_string()),
            },
        };
        let retry_after = match &self {
            ApiError::TooManyAttempts(ms) | ApiError::TooManyRequests(ms) | ApiError::Busy(ms) => {
                Some(retry_after_secs(*ms))
            }
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}
