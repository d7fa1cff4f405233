//! What every handler shares: the store, the clock and the rate limits.

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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        AppState {
            store,
            settings: Arc::new(settings),
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
            limits: Arc::default(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }
}
