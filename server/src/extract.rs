//! JSON and query extractors whose rejections use the API's error shape.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but malformed bodies become [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge;
    }
    match rejection {
        JsonRejection::JsonDataError(e) => ApiError::Validation(e.body_text()),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::BadRequest("send the body as JSON with Content-Type: application/json".into())
        }
        other => ApiError::BadRequest(other.body_text()),
    }
}

/// Like `axum::extract::Query`, with the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest(e.body_text()))
    }
}

/// What an id in a request path names, for the message when it is not one.
pub trait PathKind {
    type Id: std::str::FromStr + Send;
    /// "customer" in "… is not a valid customer id".
    const WHAT: &'static str;
}

/// A customer named by the path.
pub struct CustomerPath;

impl PathKind for CustomerPath {
    type Id = uuid::Uuid;
    const WHAT: &'static str = "customer";
}

/// A merge named by the path.
pub struct MergePath;

impl PathKind for MergePath {
    type Id = uuid::Uuid;
    const WHAT: &'static str = "merge";
}

/// A photo named by the path.
pub struct PhotoPath;

impl PathKind for PhotoPath {
    type Id = uuid::Uuid;
    const WHAT: &'static str = "photo";
}

/// An user named by the path.
pub struct UserPath;

impl PathKind for UserPath {
    type Id = yingpan_shared::ids::UserId;
    const WHAT: &'static str = "user";
}

/// A team named by the path.
pub struct TeamPath;

impl PathKind for TeamPath {
    type Id = yingpan_shared::ids::TeamId;
    const WHAT: &'static str = "team";
}

/// The one id of a request path (`/customers/{id}/…`), parsed; anything
/// else is answered 400 "… is not a valid customer id", in the API's
/// error shape.
pub struct PathId<K: PathKind>(pub K::Id);

impl<K: PathKind, S: Send + Sync> FromRequestParts<S> for PathId<K> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        raw.parse()
            .map(PathId)
            .map_err(|_| ApiError::BadRequest(format!("{raw} is not a valid {} id", K::WHAT)))
    }
}
