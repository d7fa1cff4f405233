//! Scheduled work: the pool's automatic return, and purging expired
//! sessions, invites and old sign-in failures. Every server process runs the
//! schedule; the store makes sure one run at a time does the work.

use crate::state::AppState;
use std::time::Duration;

/// How often owned customers are checked against the pool rules.
pub const AUTO_RETURN_EVERY: Duration = Duration::from_secs(60 * 60);

/// Returns due customers to the pool once; logs what it did.
pub async fn auto_return_once(state: &AppState) -> anyhow::Result<u64> {
    let returned = state.store.auto_return(state.now_ms()).await?;
    if returned > 0 {
        tracing::info!(returned, "customers returned to the pool");
    }
    Ok(returned)
}

/// Runs [`auto_return_once`] now and then every [`AUTO_RETURN_EVERY`], for
/// as long as the server runs. A failed run is logged and retried next time.
pub fn spawn_auto_return(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(AUTO_RETURN_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = auto_return_once(&state).await {
                tracing::error!(error = ?e, "automatic return to the pool failed");
            }
        }
    });
}

/// How often expired sessions and invites are dropped.
pub const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Drops expired sessions, invites and forgotten sign-in failures once.
pub async fn purge_once(state: &AppState) -> anyhow::Result<u64> {
    state.limits.forget_idle();
    let purged = state.store.purge_expired(state.now_ms()).await?;
    if purged > 0 {
        tracing::info!(purged, "expired sessions and invites dropped");
    }
    Ok(purged)
}

/// Runs [`purge_once`] now and then every [`PURGE_EVERY`].
pub fn spawn_purge(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = purge_once(&state).await {
                tracing::error!(error = ?e, "purging expired sessions failed");
            }
        }
    });
}

/// Reads the receivables into memory once, in the background, so the
/// first money report after start is as quick as the next
/// (`crate::money_view`).
pub fn spawn_money_warmup(state: AppState) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match state.money.warm(state.store.as_ref()).await {
            Ok(()) => tracing::info!(took = ?started.elapsed(), "receivables read for the money reports"),
            Err(e) => {
                tracing::error!(error = ?e, "reading the receivables for the money reports failed; the first report reads them")
            }
        }
    });
}
