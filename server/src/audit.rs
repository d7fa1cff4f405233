//! Writing the audit log: every administrative act, with who did it, when
//! and from which address. Handlers take an [`Audit`] and record after the
//! act succeeded; the command line records with no actor.

use crate::auth::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Store;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use yingpan_shared::audit::{Action, Entry};
use yingpan_shared::ids::UserId;

/// The address of the request an act came from, for its log entry.
pub struct Audit {
    address: String,
}

impl FromRequestParts<AppState> for Audit {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientAddress(address) = ClientAddress::from_request_parts(parts, state).await?;
        Ok(Audit { address })
    }
}

impl Audit {
    /// Appends what `actor` did to `target` and what changed.
    pub async fn record(
        &self,
        st: &AppState,
        actor: Option<UserId>,
        action: Action,
        target: Option<String>,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        write(
            st.store.as_ref(),
            st.now_ms(),
            actor,
            &self.address,
            action,
            target,
            detail,
        )
        .await?;
        Ok(())
    }
}

/// Appends one entry to the log.
pub async fn write(
    store: &dyn Store,
    now: i64,
    actor: Option<UserId>,
    address: &str,
    action: Action,
    target: Option<String>,
    detail: serde_json::Value,
) -> crate::store::StoreResult<()> {
    store
        .audit(&Entry {
            id: uuid::Uuid::now_v7(),
            at: now,
            actor,
            address: address.to_owned(),
            action,
            target,
            detail,
        })
        .await
}
