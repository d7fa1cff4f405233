//! Sign in, sign out, who am I.

use crate::auth::{new_token, verify_password, AuthUser};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use yingpan_shared::api::{LoginRequest, LoginResponse};
use yingpan_shared::user::User;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

pub async fn login(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let found = st.store.credentials(req.username.trim()).await?;
    let password = req.password.clone();
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    // Argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let user = match found {
        Some((user, _)) if ok && user.active => user,
        Some((user, _)) if ok && !user.active => {
            return Err(ApiError::Forbidden(
                "this account has been deactivated; ask your manager".into(),
            ))
        }
        _ => return Err(ApiError::BadCredentials),
    };
    let (token, hash) = new_token();
    let now = st.now_ms();
    st.store
        .create_session(&hash, user.id, now, now + st.settings.session_days * DAY_MS)
        .await?;
    Ok(Json(LoginResponse { token, user }))
}

pub async fn logout(State(st): State<AppState>, auth: AuthUser) -> Result<StatusCode, ApiError> {
    st.store.delete_session(&auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}
