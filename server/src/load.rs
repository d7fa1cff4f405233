//! How the server holds up under load, and the figures that show it.
//!
//! A push or a pull takes a turn at the database before it starts. When
//! every turn is taken it queues, in arrival order, for a while; when the
//! queue is full, or the wait too long, it is answered 503 with
//! `Retry-After` and the app comes back later. Without turns, 500 phones
//! syncing at once took every pooled connection, the rest timed out waiting
//! for one after 30 s and were answered 500.
//!
//! One user may have only a few sync requests in the server at once, so
//! one account (or a stolen token) cannot fill the line for everyone.
//!
//! Pushes and pulls have turns of their own. Pulls take fewer than the
//! store's connections, so sign-ins and pages still get one while sync is
//! busy; pushes wait for the store's one writer without holding a
//! connection, so a queue of pushes never holds up a pull.
//!
//! The figures (`/metrics`, Prometheus text format) are measured here, in
//! the server: how long each push and pull took, what became of each
//! mutation, how many requests waited and how many were sent away.

use crate::error::ApiError;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
use yingpan_shared::ids::UserId;
use yingpan_shared::sync::{MutationResult, MutationStatus};

/// How long a request may queue for its turn before it is sent away.
const QUEUE_WAIT: Duration = Duration::from_secs(10);
/// Sync requests one user may have waiting or running at once. A device
/// syncs one request at a time; a few devices, or a retry beside a request
/// the server still works on, fit. A token sending more is sent away, so
/// one account cannot fill the line everyone waits in.
const PER_USER: usize = 8;
/// Of those, how many may run at once; the rest wait their turn behind
/// them, so one account never holds more than this many turns.
const RUNNING_PER_USER: usize = 2;
/// When a request sent away should come back; the app spreads its
/// return over up to twice this, so a crowd does not come back at once.
pub const RETRY_AFTER_MS: i64 = 2_000;

/// Turns of one kind (pushes, or pulls).
pub struct Turns {
    kind: &'static str,
    free: Semaphore,
    queued: AtomicUsize,
    max_queued: usize,
    wait: Duration,
}

/// A place in line: taken off the count (and the gauge) when dropped,
/// however the wait ended (a turn, a timeout, or the client gone).
struct Queued<'a> {
    count: &'a AtomicUsize,
    gauge: Option<&'a IntGauge>,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::SeqCst);
        if let Some(gauge) = self.gauge {
            gauge.dec();
        }
    }
}

impl Turns {
    pub fn new(kind: &'static str, turns: usize, max_queued: usize, wait: Duration) -> Self {
        Turns {
            kind,
            free: Semaphore::new(turns),
            queued: AtomicUsize::new(0),
            max_queued,
            wait,
        }
    }

    /// A turn, after a wait in line if all are taken; "busy, come back" if
    /// the line is full or the wait runs out.
    pub async fn take(&self, metrics: &Metrics) -> Result<SemaphorePermit<'_>, ApiError> {
        if let Ok(turn) = self.free.try_acquire() {
            return Ok(turn);
        }
        let ahead = self.queued.fetch_add(1, Ordering::SeqCst);
        let mut in_line = Queued {
            count: &self.queued,
            gauge: None,
        };
        if ahead >= self.max_queued {
            return Err(self.send_away(metrics));
        }
        metrics.queued.inc();
        in_line.gauge = Some(&metrics.queued);
        let waited = tokio::time::timeout(self.wait, self.free.acquire()).await;
        drop(in_line);
        match waited {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(self.send_away(metrics)),
        }
    }

    /// Turns free now.
    pub fn available(&self) -> usize {
        self.free.available_permits()
    }

    fn send_away(&self, metrics: &Metrics) -> ApiError {
        metrics.shed.with_label_values(&[self.kind]).inc();
        ApiError::Busy(RETRY_AFTER_MS)
    }
}

/// The turns at the database for sync, sized to the store's connections.
pub struct Load {
    pub pushes: Turns,
    pub pulls: Turns,
    pub metrics: Metrics,
    /// Each user's sync requests in the server (waiting or running), and
    /// the few of them that may run at once.
    by_user: Mutex<HashMap<UserId, (usize, Arc<Semaphore>)>>,
}

/// A request's turn; given back when dropped.
pub struct Turn<'a> {
    _turn: SemaphorePermit<'a>,
    _running: OwnedSemaphorePermit,
    _mine: UserShare<'a>,
}

/// One of a user's requests in the server; counted off when dropped.
struct UserShare<'a> {
    load: &'a Load,
    user: UserId,
    running: Arc<Semaphore>,
}

impl Drop for UserShare<'_> {
    fn drop(&mut self) {
        let mut by_user = self
            .load
            .by_user
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((n, _)) = by_user.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                by_user.remove(&self.user);
            }
        }
    }
}

impl Load {
    /// Turns for a store with `connections` pooled connections, and at
    /// most `max_queued` sync requests of each kind waiting for one. A pull
    /// holds a connection for its turn; a quarter of them is theirs, the
    /// rest left for sign-ins and pages. A push holds none while it waits
    /// for the store's writer (`store::group_commit`), so as many pushes
    /// take turns as one commit writes together.
    pub fn new(connections: u32, max_queued: usize) -> Self {
        let pulls = (connections as usize / 4).max(1);
        Load {
            pushes: Turns::new("push", crate::store::PUSHES_PER_COMMIT, max_queued, QUEUE_WAIT),
            pulls: Turns::new("pull", pulls, max_queued, QUEUE_WAIT),
            metrics: Metrics::default(),
            by_user: Mutex::default(),
        }
    }

    /// `user`'s turn to push.
    pub async fn push_turn(&self, user: UserId) -> Result<Turn<'_>, ApiError> {
        self.turn(&self.pushes, user).await
    }

    /// `user`'s turn to pull.
    pub async fn pull_turn(&self, user: UserId) -> Result<Turn<'_>, ApiError> {
        self.turn(&self.pulls, user).await
    }

    /// A turn for one of `user`'s requests: first one of the user's own
    /// few (so one account's requests run a few at a time however many it
    /// sends), then one of everyone's.
    async fn turn<'a>(&'a self, turns: &'a Turns, user: UserId) -> Result<Turn<'a>, ApiError> {
        let mine = self.share(turns, user)?;
        let running = match tokio::time::timeout(turns.wait, mine.running.clone().acquire_owned()).await {
            Ok(Ok(running)) => running,
            _ => return Err(turns.send_away(&self.metrics)),
        };
        let turn = turns.take(&self.metrics).await?;
        Ok(Turn {
            _turn: turn,
            _running: running,
            _mine: mine,
        })
    }

    fn share(&self, turns: &Turns, user: UserId) -> Result<UserShare<'_>, ApiError> {
        let mut by_user = self.by_user.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (n, running) = by_user
            .entry(user)
            .or_insert_with(|| (0, Arc::new(Semaphore::new(RUNNING_PER_USER))));
        if *n >= PER_USER {
            return Err(turns.send_away(&self.metrics));
        }
        *n += 1;
        Ok(UserShare {
            load: self,
            user,
            running: running.clone(),
        })
    }
}

/// What `/metrics` exports.
pub struct Metrics {
    registry: Registry,
    pub push_seconds: Histogram,
    pub pull_seconds: Histogram,
    mutations: IntCounterVec,
    shed: IntCounterVec,
    queued: IntGauge,
}

/// From a millisecond to half a minute: a pull's p95 target is 5 ms, a
/// crowded push may wait seconds.
const BUCKETS: [f64; 16] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0,
];

impl Default for Metrics {
    fn default() -> Self {
        let histogram = |name: &str, help: &str| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(BUCKETS.to_vec()))
                .expect("a histogram with fixed, valid options")
        };
        let counter = |name: &str, help: &str, label: &str| {
            IntCounterVec::new(Opts::new(name, help), &[label]).expect("a counter with fixed, valid options")
        };
        let metrics = Metrics {
            registry: Registry::new(),
            push_seconds: histogram(
                "yingpan_sync_push_seconds",
                "Time to answer a sync push, in the server, including its wait for a turn",
            ),
            pull_seconds: histogram(
                "yingpan_sync_pull_seconds",
                "Time to answer a sync pull, in the server, including its wait for a turn",
            ),
            mutations: counter("yingpan_sync_mutations_total", "Pushed mutations by outcome", "status"),
            shed: counter(
                "yingpan_requests_shed_total",
                "Sync requests answered 503 (busy, retry later) by kind",
                "kind",
            ),
            queued: IntGauge::new("yingpan_sync_queued", "Sync requests waiting for a turn now")
                .expect("a gauge with fixed, valid options"),
        };
        for collector in [
            Box::new(metrics.push_seconds.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.pull_seconds.clone()),
            Box::new(metrics.mutations.clone()),
            Box::new(metrics.shed.clone()),
            Box::new(metrics.queued.clone()),
        ] {
            metrics
                .registry
                .register(collector)
                .expect("each metric is registered once, under its own name");
        }
        metrics
    }
}

impl Metrics {
    /// Counts what became of each mutation of a push.
    pub fn count(&self, results: &[MutationResult]) {
        for r in results {
            let status = match r.status {
                MutationStatus::Applied => "applied",
                MutationStatus::Conflicted => "conflicted",
                MutationStatus::Rejected => "rejected",
            };
            self.mutations.with_label_values(&[status]).inc();
        }
    }

    /// Everything, in Prometheus text format.
    pub fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# metrics could not be encoded: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt as _;

    #[tokio::test]
    async fn a_full_queue_sends_requests_away_with_a_time_to_come_back() {
        let metrics = Metrics::default();
        let turns = Turns::new("push", 1, 1, Duration::from_secs(60));
        let held = turns.take(&metrics).await.unwrap();
        // One may wait in line...
        let waiting = turns.take(&metrics);
        tokio::pin!(waiting);
        assert!((&mut waiting).now_or_never().is_none(), "the second waits");
        // ...the next is sent away at once.
        let third = turns.take(&metrics).await;
        assert!(matches!(third, Err(ApiError::Busy(ms)) if ms == RETRY_AFTER_MS));
        // The one in line gets the turn when it is given back.
        drop(held);
        assert!(waiting.await.is_ok());
        assert!(metrics
            .render()
            .contains("yingpan_requests_shed_total{kind=\"push\"} 1"));
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_sent_away_and_leaves_the_line() {
        let metrics = Metrics::default();
        let turns = Turns::new("pull", 1, 8, Duration::from_millis(1));
        let _held = turns.take(&metrics).await.unwrap();
        assert!(matches!(turns.take(&metrics).await, Err(ApiError::Busy(_))));
        assert_eq!(turns.queued.load(Ordering::SeqCst), 0);
        assert!(metrics.render().contains("yingpan_sync_queued 0"));
    }

    #[tokio::test]
    async fn one_user_cannot_fill_the_line_for_everyone() {
        let load = Load::new(20, 64);
        let (greedy, other) = (UserId(uuid::Uuid::now_v7()), UserId(uuid::Uuid::now_v7()));
        // A few of one user's requests run...
        let mut running = Vec::new();
        for _ in 0..RUNNING_PER_USER {
            running.push(load.push_turn(greedy).await.unwrap());
        }
        // ...the rest of its share waits behind them, not in everyone's line...
        let mut waiting = Vec::new();
        for _ in RUNNING_PER_USER..PER_USER {
            let mut turn = Box::pin(load.push_turn(greedy));
            assert!((&mut turn).now_or_never().is_none(), "waits behind its own");
            waiting.push(turn);
        }
        assert_eq!(load.pushes.queued.load(Ordering::SeqCst), 0);
        // ...and one more is sent away at once, while another user is served.
        assert!(matches!(load.push_turn(greedy).await, Err(ApiError::Busy(_))));
        assert!(load.push_turn(other).await.is_ok());
        // A finished request lets the next of its own run.
        running.pop();
        let mut next = waiting.remove(0);
        assert!(matches!((&mut next).now_or_never(), Some(Ok(_))));
        drop(next);
        drop(waiting);
        drop(running);
        assert!(load.by_user.lock().unwrap().is_empty(), "every share is given back");
    }

    #[test]
    fn pulls_leave_connections_for_everything_else() {
        for connections in [1, 2, 8, 20] {
            let load = Load::new(connections, 8);
            let pulls = load.pulls.available();
            assert!(pulls >= 1, "{connections}: {pulls}");
            if connections >= 2 {
                assert!(pulls < connections as usize, "{connections}: {pulls}");
            }
        }
    }
}
