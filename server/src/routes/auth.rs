//! Sign in (throttled against guessing), sign out, who am I, one's own
//! password and sessions, and accepting an invite.

use crate::audit::Audit;
use crate::auth::{self, new_token, AuthUser, ClientAddress};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::api::{LoginRequest, LoginResponse};
use yingpan_shared::audit::Action;
use yingpan_shared::people::{
    check_password, device_label, wait_after, InviteAcceptance, PasswordChange, SessionInfo, Throttled,
};
use yingpan_shared::user::User;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The keys a sign-in's failures count against: the account and the
/// address it came from.
fn throttle_keys(username: &str, address: &str) -> [(String, Throttled); 2] {
    [
        (format!("user:{}", username.to_lowercase()), Throttled::Account),
        (format!("addr:{address}"), Throttled::Address),
    ]
}

/// Checks `password` against `stored` for the account and address behind
/// `keys`, under the throttle: a try that must wait is answered before any
/// password work, and a wrong one is counted against both keys.
async fn throttled_verify(
    st: &AppState,
    keys: &[(String, Throttled)],
    password: &str,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    let _turn = crate::limits::Limits::one_check_at_a_time(&st.limits, &keys[0].0)?;
    let now = st.now_ms();
    for (key, kind) in keys {
        let (failures, last) = st.store.login_failures(key, now).await?;
        let until = last + wait_after(*kind, failures);
        if until > now {
            return Err(ApiError::TooManyAttempts(until - now));
        }
    }
    let ok = auth::verify(password, stored).await?;
    if !ok {
        for (key, _) in keys {
            st.store.note_login_failure(key, now).await?;
        }
    }
    Ok(ok)
}

#[utoipa::path(post, path = "/login", tag = "auth", request_body = LoginRequest, responses((status = 200, body = LoginResponse), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn login(
    State(st): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let username = req.username.trim();
    if username.len() > 64 || req.password.len() > 1024 {
        return Err(ApiError::BadCredentials);
    }
    let now = st.now_ms();
    let keys = throttle_keys(username, &address);
    let found = st.store.credentials(username).await?;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let ok = throttled_verify(&st, &keys, &req.password, stored).await?;
    // A wrong password gets the same answer whether the account exists, is
    // active or was closed.
    let user = match found {
        Some((user, _)) if ok => user,
        _ => return Err(ApiError::BadCredentials),
    };
    if !user.active {
        return Err(ApiError::Forbidden(
            "this account has been deactivated; ask your manager".into(),
        ));
    }
    st.store.clear_login_failures(&keys[0].0).await?;
    let device = device_label(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let (token, hash) = new_token();
    st.store
        .create_session(&hash, user.id, &device, now, now + st.settings.session_days * DAY_MS)
        .await?;
    let must_change_password = st.store.person(user.id).await?.is_some_and(|p| p.must_change_password);
    Ok(Json(LoginResponse {
        token,
        user,
        must_change_password,
    }))
}

#[utoipa::path(post, path = "/logout", tag = "auth", responses((status = 204, description = "signed out"), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn logout(State(st): State<AppState>, auth: AuthUser) -> Result<StatusCode, ApiError> {
    st.store.delete_session(&auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = User), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}

/// Changes one's own password (the current one proves it is them); every
/// other session of theirs ends.
#[utoipa::path(post, path = "/me/password", tag = "auth", request_body = PasswordChange, responses((status = 204, description = "changed; other sessions ended"), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn change_password(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    if req.current.len() > 1024 || req.new.len() > 1024 {
        return Err(ApiError::Validation(
            "a password may have at most 128 characters".into(),
        ));
    }
    let stored = st.store.password_hash(auth.user.id).await?;
    // Guessing the current password from a stolen phone is throttled like
    // guessing it at the sign-in.
    let keys = throttle_keys(&auth.user.username, &address);
    if !throttled_verify(&st, &keys, &req.current, stored).await? {
        return Err(ApiError::Validation("the current password is not right".into()));
    }
    check_password(&req.new, &auth.user.username).map_err(ApiError::Validation)?;
    if req.new == req.current {
        return Err(ApiError::Validation(
            "choose a password different from the current one".into(),
        ));
    }
    let hash = auth::hash(&req.new).await?;
    let ended = st
        .store
        .set_password(auth.user.id, &hash, false, Some(&auth.token_hash))
        .await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::PasswordChanged,
            Some(auth.user.id.to_string()),
            serde_json::json!({"sessions_ended": ended}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One's own signed-in devices.
#[utoipa::path(get, path = "/me/sessions", tag = "auth", responses((status = 200, body = Vec<SessionInfo>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn sessions(State(st): State<AppState>, auth: AuthUser) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    let mine = st.store.sessions_of(auth.user.id).await?;
    Ok(Json(
        mine.into_iter()
            .map(|(mut info, hash)| {
                info.current = hash == auth.token_hash;
                info
            })
            .collect(),
    ))
}

/// Ends one of one's own sessions (not the one asking: that is sign out).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "auth", params(("id" = String, Path, description = "a session's public id")), responses((status = 204, description = "ended"), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn end_session(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let ended = st
        .store
        .end_sessions(auth.user.id, Some(&id), Some(&auth.token_hash))
        .await?;
    if ended == 0 {
        return Err(ApiError::NotFound("there is no such session of yours".into()));
    }
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::SessionsEnded,
            Some(auth.user.id.to_string()),
            serde_json::json!({"sessions": ended}),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends every session of one's own but this one.
#[utoipa::path(post, path = "/me/sessions/end-others", tag = "auth", responses((status = 200, description = "how many ended", body = Object), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn end_other_sessions(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
) -> Result<Json<serde_json::Value>, ApiError> {
    let ended = st
        .store
        .end_sessions(auth.user.id, None, Some(&auth.token_hash))
        .await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::SessionsEnded,
            Some(auth.user.id.to_string()),
            serde_json::json!({"sessions": ended}),
        )
        .await?;
    Ok(Json(serde_json::json!({"ended": ended})))
}

/// The invited person chooses their password and is signed in.
#[utoipa::path(post, path = "/invites/accept", tag = "auth", request_body = InviteAcceptance, responses((status = 200, body = LoginResponse), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn accept_invite(
    State(st): State<AppState>,
    audit: Audit,
    headers: HeaderMap,
    ApiJson(req): ApiJson<InviteAcceptance>,
) -> Result<Json<LoginResponse>, ApiError> {
    let now = st.now_ms();
    if req.token.len() > 128 || req.password.len() > 1024 {
        return Err(ApiError::NotFound(
            "this invite link is not valid; ask for a new one".into(),
        ));
    }
    let expired = || ApiError::NotFound("this invite link has expired or was used; ask for a new one".into());
    // The password's length is checked before the invite is used up, so a
    // short one does not cost the link.
    check_password(&req.password, "").map_err(ApiError::Validation)?;
    let Some(user_id) = st.store.take_invite(&auth::token_hash(&req.token), now).await? else {
        return Err(expired());
    };
    let Some(person) = st.store.person(user_id).await?.filter(|p| p.user.active) else {
        return Err(expired());
    };
    check_password(&req.password, &person.user.username).map_err(ApiError::Validation)?;
    let hash = auth::hash(&req.password).await?;
    st.store.set_password(user_id, &hash, false, None).await?;
    audit
        .record(
            &st,
            Some(user_id),
            Action::InviteAccepted,
            Some(user_id.to_string()),
            serde_json::json!({}),
        )
        .await?;
    let device = device_label(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let (token, token_hash) = new_token();
    st.store
        .create_session(
            &token_hash,
            user_id,
            &device,
            now,
            now + st.settings.session_days * DAY_MS,
        )
        .await?;
    Ok(Json(LoginResponse {
        token,
        user: person.user,
        must_change_password: false,
    }))
}
