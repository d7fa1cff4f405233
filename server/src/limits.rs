//! Per-user rates for the requests that look across the whole company (the
//! duplicate check, the import preview), so neither can be used to read
//! out the customer list. Kept in memory per server process: behind
//! several servers a user gets each server's allowance, still far below
//! what reading out a company would take.

use crate::error::ApiError;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use yingpan_shared::ids::UserId;

pub struct Limits {
    duplicate_checks: DefaultKeyedRateLimiter<UserId>,
    imports: DefaultKeyedRateLimiter<UserId>,
    /// Accounts whose password is being checked right now: one check at a
    /// time per account, so a burst of parallel guesses cannot all pass the
    /// sign-in throttle before the first failure is counted.
    checking: Mutex<BTreeSet<String>>,
}

/// A turn at checking one account's password; the next may start when it
/// is dropped.
pub struct CheckTurn {
    limits: Arc<Limits>,
    key: String,
}

impl Drop for CheckTurn {
    fn drop(&mut self) {
        self.limits
            .checking
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.key);
    }
}

/// Duplicate checks per user per minute: typing a name with the app's
/// pause between keystrokes sends a few dozen at most.
const CHECKS_PER_MINUTE: u32 = 60;
/// Import previews (and imports) per user per hour.
const IMPORTS_PER_HOUR: u32 = 30;

fn quota(n: u32, per: Quota) -> Quota {
    per.allow_burst(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Default for Limits {
    fn default() -> Self {
        let per_minute = Quota::per_minute(NonZeroU32::new(CHECKS_PER_MINUTE).unwrap_or(NonZeroU32::MIN));
        let per_hour = Quota::per_hour(NonZeroU32::new(IMPORTS_PER_HOUR).unwrap_or(NonZeroU32::MIN));
        Limits {
            duplicate_checks: RateLimiter::keyed(quota(CHECKS_PER_MINUTE, per_minute)),
            imports: RateLimiter::keyed(quota(IMPORTS_PER_HOUR, per_hour)),
            checking: Mutex::default(),
        }
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<UserId>, user: UserId) -> Result<(), ApiError> {
    limiter.check_key(&user).map_err(|not_until| {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        ApiError::TooManyRequests(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX))
    })
}

impl Limits {
    pub fn duplicate_check(&self, user: UserId) -> Result<(), ApiError> {
        check(&self.duplicate_checks, user)
    }

    pub fn import(&self, user: UserId) -> Result<(), ApiError> {
        check(&self.imports, user)
    }

    /// The turn to check `key`'s password, or "try again in a second" while
    /// another check of it runs.
    pub fn one_check_at_a_time(limits: &Arc<Limits>, key: &str) -> Result<CheckTurn, ApiError> {
        let mut busy = limits.checking.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !busy.insert(key.to_owned()) {
            return Err(ApiError::TooManyAttempts(1000));
        }
        Ok(CheckTurn {
            limits: limits.clone(),
            key: key.to_owned(),
        })
    }

    /// Forgets users whose allowance is full again.
    pub fn forget_idle(&self) {
        self.duplicate_checks.retain_recent();
        self.imports.retain_recent();
    }
}
