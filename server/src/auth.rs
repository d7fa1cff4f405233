//! Passwords (argon2id), session tokens (random, stored only as a SHA-256
//! hash) and the extractor that turns a bearer token into a user.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::SESSION_SEEN_EVERY_MS;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use yingpan_shared::access::Viewer;
use yingpan_shared::user::{Role, User};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Checks a password against a stored hash. With no user to check against,
/// pass `None`: the same work is done so response time does not reveal
/// which usernames exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

/// Password hashes computed at once. Each argon2id run holds ~19 MiB and a
/// core for a few dozen milliseconds; beyond this, requests queue.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// How long a request waits for its turn to hash before being told to
/// come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `work` (a password hash or check) off the async workers, one of a
/// bounded few at a time; a request that cannot get a turn soon is
/// answered "busy" instead of piling up memory.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let turn = tokio::time::timeout(HASHING_WAIT, HASHING.acquire())
        .await
        .map_err(|_| ApiError::Busy(5_000))?
        .map_err(|e| ApiError::Internal(e.into()))?;
    // Held by the work itself, so a request given up on cannot free its
    // turn while the hash still runs.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))
}

/// [`hash_password`] under the hashing bound.
pub async fn hash(password: &str) -> Result<String, ApiError> {
    let password = password.to_owned();
    hashing(move || hash_password(&password))
        .await?
        .map_err(ApiError::Internal)
}

/// [`verify_password`] under the hashing bound.
pub async fn verify(password: &str, stored: Option<String>) -> Result<bool, ApiError> {
    let password = password.to_owned();
    hashing(move || verify_password(&password, stored.as_deref())).await
}

/// A random password of 12 easy-to-read characters, for a reset or a new
/// account, to be changed at the first sign-in.
pub fn temporary_password() -> String {
    const READABLE: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| READABLE[*b as usize % READABLE.len()] as char)
        .collect()
}

/// A new random session token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long after an account is closed its devices may still hand in the
/// visits and notes they recorded before (see [`Pusher`]).
pub const CLOSED_ACCOUNT_GRACE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// The signed-in user of a request, from `Authorization: Bearer <token>`.
/// A user who must choose a new password gets only as far as that.
pub struct AuthUser {
    pub user: User,
    pub token_hash: String,
}

impl AuthUser {
    /// The viewer an admin's request is decided for; anyone else is
    /// refused "only an admin can {what}".
    pub fn admin(&self, what: &str) -> Result<Viewer, ApiError> {
        match self.user.role {
            Role::Admin => Ok(Viewer::from(&self.user)),
            _ => Err(ApiError::Forbidden(format!("only an admin can {what}"))),
        }
    }

    /// The viewer a manager's (or an admin's) request is decided for;
    /// anyone else is refused with `refusal`.
    pub fn manager(&self, refusal: &str) -> Result<Viewer, ApiError> {
        match self.user.role {
            Role::Admin | Role::Manager => Ok(Viewer::from(&self.user)),
            Role::Rep | Role::Finance => Err(ApiError::Forbidden(refusal.into())),
        }
    }
}

/// Paths a user who must change their password may still use.
fn allowed_before_password_change(path: &str) -> bool {
    ["/me", "/me/password", "/logout"]
        .iter()
        .any(|p| path == *p || path.ends_with(&format!("/api{p}")))
}

fn bearer_hash(parts: &Parts) -> Result<String, ApiError> {
    let token = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    Ok(token_hash(token.trim()))
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let hash = bearer_hash(parts)?;
        let now = state.now_ms();
        if let Some(session) = state.store.session_user(&hash, now).await? {
            if session.must_change_password && !allowed_before_password_change(parts.uri.path()) {
                return Err(ApiError::PasswordChangeRequired);
            }
            if now - session.last_seen >= SESSION_SEEN_EVERY_MS {
                state.store.touch_session(&hash, now).await?;
            }
            return Ok(AuthUser {
                user: session.user,
                token_hash: hash,
            });
        }
        // A closed account is told so, so its app can hand in what it holds
        // and forget the rest instead of waiting to be signed in again.
        match state
            .store
            .closed_account_session(&hash, now, CLOSED_ACCOUNT_GRACE_MS)
            .await?
        {
            Some(_) => Err(ApiError::AccountClosed),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// Who may push: a signed-in user, or, for two weeks after their account was
/// closed, a departed rep's device handing in facts it recorded before the
/// account was closed, and uploading those visits' photos. Their sessions
/// work for nothing else.
pub enum Pusher {
    Active(AuthUser),
    Closed { user: User, closed_at: i64 },
}

impl Pusher {
    pub fn user(&self) -> &User {
        match self {
            Pusher::Active(auth) => &auth.user,
            Pusher::Closed { user, .. } => user,
        }
    }
}

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match AuthUser::from_request_parts(parts, state).await {
            Ok(auth) => Ok(Pusher::Active(auth)),
            Err(ApiError::AccountClosed) => {
                let hash = bearer_hash(parts)?;
                let (user, closed_at) = state
                    .store
                    .closed_account_session(&hash, state.now_ms(), CLOSED_ACCOUNT_GRACE_MS)
                    .await?
                    .ok_or(ApiError::AccountClosed)?;
                Ok(Pusher::Closed { user, closed_at })
            }
            Err(e) => Err(e),
        }
    }
}

/// Where a request came from: the peer's address, or with
/// `trust_proxy` set (behind a reverse proxy) the address the proxy saw,
/// the last one in `X-Forwarded-For`.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.settings.trust_proxy {
            // Only the last entry is the proxy's own view; anything before
            // it the client could have written.
            let last = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| forwarded_ip(v.trim()));
            if let Some(ip) = last {
                return Ok(ClientAddress(ip.to_string()));
            }
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddress(peer))
    }
}

/// An address as a proxy writes it: `1.2.3.4`, `1.2.3.4:5678`, `::1` or
/// `[::1]:5678`.
fn forwarded_ip(text: &str) -> Option<std::net::IpAddr> {
    text.parse()
        .ok()
        .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_argon2id_and_verifies() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&hash)));
        assert!(!verify_password("wrong horse", Some(&hash)));
        assert!(!verify_password("no such user", None));
    }

    #[test]
    fn a_forced_password_change_leaves_only_the_way_to_it() {
        assert!(allowed_before_password_change("/me/password"));
        assert!(allowed_before_password_change("/api/logout"));
        assert!(!allowed_before_password_change("/sync/pull"));
        assert!(!allowed_before_password_change("/api/me/sessions"));
    }

    #[test]
    fn forwarded_addresses_are_read_with_or_without_a_port() {
        assert_eq!(forwarded_ip("10.0.0.7").unwrap().to_string(), "10.0.0.7");
        assert_eq!(forwarded_ip("10.0.0.7:4431").unwrap().to_string(), "10.0.0.7");
        assert_eq!(forwarded_ip("[::1]:80").unwrap().to_string(), "::1");
        assert!(forwarded_ip("evil").is_none());
    }

    #[test]
    fn temporary_passwords_differ_and_pass_the_password_rule() {
        let (a, b) = (temporary_password(), temporary_password());
        assert_ne!(a, b);
        assert!(yingpan_shared::people::check_password(&a, "someone").is_ok());
    }

    #[test]
    fn tokens_are_unique_and_stored_only_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_ne!(a, hash_a);
        assert_eq!(token_hash(&a), hash_a);
    }
}
