//! Scheduled work: the pool's automatic return. Every server process runs
//! the schedule; the store makes sure one run at a time does the work.

use crate::state::AppState;
use std::time::Duration;

/// How often owned customers are checked against the pool rules.
pub const AUTO_RETURN_EVERY: Duration = Duration::from_secs(60 * 60);

/// Returns due customers to the pool once; logs what it did.
pub async fn auto_return_once(state: &AppState) -> anyhow::Result<u64> {
    let users = state.store.users().await?;
    let returned = state.store.auto_return(&users, state.now_ms()).await?;
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
