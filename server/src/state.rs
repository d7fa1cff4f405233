//! What every handler shares: the store and the clock.

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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        AppState {
            store,
            settings: Arc::new(settings),
            clock: Arc::new(|| chrono::Utc::now().timestamp_millis()),
        }
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }
}
