//! What every handler shares: the store, the clock, the rate limits and
//! the turns at the database.

use crate::settings::Settings;
use crate::store::Store;
use std::sync::Arc;

/// Returns the current time in Unix milliseconds; tests can substitute one.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub limits: Arc<crate::limits::Limits>,
    /// Turns at the database for sync, and the figures `/metrics` shows.
    pub load: Arc<crate::load::Load>,
    /// The receivables in memory, for the money reports.
    pub money: Arc<crate::money_view::MoneyView>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let load = crate::load::Load::new(crate::store::connections(&settings.database_url), settings.sync_queue);
        AppState {
            store,
            load: Arc::new(load),
            settings: Arc::new(settings),
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            limits: Arc::default(),
            money: Arc::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }
}
