//! Group commit: the pushes that arrive while one batch is being written
//! wait together and are written next, in one transaction — one fsync on
//! SQLite, one commit and one hold of the change-stream lock on
//! PostgreSQL — each in a savepoint of its own, so each push is still
//! all-or-nothing for itself and answered on its own.
//!
//! Writes queued behind the change-stream lock one at a time anyway (see
//! the module docs of `store`); doing them one batch at a time costs no
//! parallelism, and 500 phones pushing five mutations each at 8:30 are
//! written in a few commits instead of 500.

use super::{StoreError, StoreResult};
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use yingpan_shared::access::Viewer;
use yingpan_shared::sync::{MutationResult, PushRequest};

/// At most this many pushes are written in one transaction (on
/// PostgreSQL, more subtransactions than 64 in one transaction slow every
/// other session's snapshots)...
pub const MAX_PUSHES: usize = 64;
/// ...and at most about this many mutations (a push is never split), so
/// one batch holds the write lock for a fraction of a second.
const MAX_MUTATIONS: usize = 1_000;
/// Pushes that may wait for the writer. The server's push turns keep
/// fewer waiting; this bounds what requests given up leave behind (and
/// imports), and a push beyond it is answered "busy, come back".
const MAX_WAITING: usize = 4 * MAX_PUSHES;
/// A batch taking longer than this (a lock held elsewhere, say) is given
/// up, rolled back and answered "busy, come back", so the writer never
/// stops for good behind one stuck statement.
const BATCH_TIME: Duration = Duration::from_secs(30);

/// A push waiting to be written, and where its answer goes.
pub struct PushJob {
    pub viewer: Viewer,
    pub req: PushRequest,
    pub now: i64,
    answer: oneshot::Sender<StoreResult<Vec<MutationResult>>>,
}

impl PushJob {
    /// Sends the push's answer; a request given up meanwhile (the client
    /// went away) no longer listens, and its device will push again and be
    /// answered from what was stored.
    pub fn answer(self, result: StoreResult<Vec<MutationResult>>) {
        let _ = self.answer.send(result);
    }
}

/// The line of pushes waiting for the writer of one store.
pub struct GroupCommit {
    jobs: mpsc::Sender<PushJob>,
}

impl GroupCommit {
    /// Starts the writer: `write` is given each batch, writes it and
    /// answers every push in it.
    pub fn start<F, Fut>(write: F) -> Self
    where
        F: Fn(Vec<PushJob>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (jobs, mut line) = mpsc::channel(MAX_WAITING);
        tokio::spawn(async move {
            while let Some(first) = line.recv().await {
                let batch = gather(first, &mut line);
                if batch.is_empty() {
                    continue;
                }
                // A panic or a batch out of time loses this batch's answers
                // (each push is answered "busy" and sent again), not the
                // writer; what it wrote is rolled back.
                let writing = tokio::spawn(tokio::time::timeout(BATCH_TIME, write(batch)));
                match writing.await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => tracing::error!("a batch of pushes ran out of time and was rolled back"),
                    Err(e) => tracing::error!(error = %e, "a batch of pushes failed to be written"),
                }
            }
        });
        GroupCommit { jobs }
    }

    /// Writes one push with whatever waits beside it; its own answer.
    pub async fn push(&self, viewer: &Viewer, req: &PushRequest, now: i64) -> StoreResult<Vec<MutationResult>> {
        let (answer, answered) = oneshot::channel();
        let job = PushJob {
            viewer: *viewer,
            req: req.clone(),
            now,
            answer,
        };
        self.jobs.try_send(job).map_err(|_| StoreError::Busy)?;
        answered.await.map_err(|_| StoreError::Busy)?
    }
}

/// The first push and those already waiting behind it, within the limits.
/// A push whose request was given up meanwhile (the client went away, or
/// its time ran out) is dropped unwritten: nobody would hear its answer,
/// and its device still holds it and pushes it again.
fn gather(first: PushJob, line: &mut mpsc::Receiver<PushJob>) -> Vec<PushJob> {
    let mut mutations = 0;
    let mut batch = Vec::new();
    let mut next = Some(first);
    while let Some(job) = next {
        if !job.answer.is_closed() {
            mutations += job.req.mutations.len();
            batch.push(job);
        }
        if batch.len() >= MAX_PUSHES || mutations >= MAX_MUTATIONS {
            break;
        }
        next = line.try_recv().ok();
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt as _;
    use std::sync::{Arc, Mutex};
    use yingpan_shared::ids::{ClientId, UserId};
    use yingpan_shared::user::Role;

    fn viewer() -> Viewer {
        Viewer {
            id: UserId(uuid::Uuid::now_v7()),
            role: Role::Rep,
            team_id: None,
        }
    }

    fn request(mutations: usize) -> PushRequest {
        let m = serde_json::json!({"seq": 1, "entity": "customer", "id": uuid::Uuid::now_v7(), "op": "delete"});
        PushRequest {
            client_id: ClientId(uuid::Uuid::now_v7()),
            mutations: vec![serde_json::from_value(m).unwrap(); mutations],
        }
    }

    /// A push of `mutations` waiting for the writer, and where it listens.
    fn job(mutations: usize) -> (PushJob, oneshot::Receiver<StoreResult<Vec<MutationResult>>>) {
        let (answer, answered) = oneshot::channel();
        let job = PushJob {
            viewer: viewer(),
            req: request(mutations),
            now: 0,
            answer,
        };
        (job, answered)
    }

    fn answered(seq: usize) -> MutationResult {
        MutationResult {
            seq: seq as u64,
            status: yingpan_shared::sync::MutationStatus::Applied,
            message: None,
            conflicts: Vec::new(),
        }
    }

    #[tokio::test]
    async fn pushes_that_wait_together_are_written_together_and_answered_each_on_its_own() {
        let (started, mut first_started) = mpsc::unbounded_channel();
        let (hold, held) = tokio::sync::watch::channel(true);
        let batches = Arc::new(Mutex::new(Vec::new()));
        let seen = batches.clone();
        let writer = GroupCommit::start(move |jobs: Vec<PushJob>| {
            let (seen, started, mut held) = (seen.clone(), started.clone(), held.clone());
            async move {
                // The first batch is held until the others are in line.
                let _ = started.send(());
                let _ = held.wait_for(|hold| !hold).await;
                seen.lock().unwrap().push(jobs.len());
                for job in jobs {
                    let n = job.req.mutations.len();
                    job.answer(Ok(vec![answered(n)]));
                }
            }
        });
        let v = viewer();
        let requests: Vec<PushRequest> = (1..=5).map(request).collect();
        let mut pushes: Vec<_> = requests.iter().map(|req| Box::pin(writer.push(&v, req, 0))).collect();
        assert!((&mut pushes[0]).now_or_never().is_none());
        first_started.recv().await.unwrap();
        for push in &mut pushes[1..] {
            assert!(push.now_or_never().is_none(), "waits in line");
        }
        hold.send(false).unwrap();
        for (n, push) in pushes.into_iter().enumerate() {
            let results = push.await.unwrap();
            assert_eq!(results, vec![answered(n + 1)], "each push gets its own answer");
        }
        assert_eq!(
            *batches.lock().unwrap(),
            vec![1, 4],
            "the four that waited were written together"
        );
    }

    #[tokio::test]
    async fn a_writer_that_fails_answers_an_error_and_keeps_writing() {
        let calls = Arc::new(Mutex::new(0));
        let counted = calls.clone();
        let writer = GroupCommit::start(move |jobs: Vec<PushJob>| {
            let counted = counted.clone();
            async move {
                let first = {
                    let mut calls = counted.lock().unwrap();
                    *calls += 1;
                    *calls == 1
                };
                if first {
                    panic!("a bug while writing");
                }
                for job in jobs {
                    job.answer(Ok(Vec::new()));
                }
            }
        });
        let v = viewer();
        assert!(writer.push(&v, &request(1), 0).await.is_err());
        assert!(
            writer.push(&v, &request(1), 0).await.is_ok(),
            "the next push is written"
        );
    }

    #[test]
    fn a_batch_stays_within_its_limits_and_never_splits_a_push() {
        let (jobs, mut line) = mpsc::channel(MAX_WAITING);
        let mut listening = Vec::new();
        let mut job = |n| {
            let (job, answered) = job(n);
            listening.push(answered);
            job
        };
        for _ in 0..3 {
            jobs.try_send(job(400)).unwrap();
        }
        let first = gather(job(400), &mut line);
        assert_eq!(first.len(), 3, "400 + 400 + 400 reaches the limit");
        let rest = gather(line.try_recv().unwrap(), &mut line);
        assert_eq!(rest.len(), 1);
        for _ in 0..100 {
            jobs.try_send(job(1)).unwrap();
        }
        let small = gather(line.try_recv().unwrap(), &mut line);
        assert_eq!(small.len(), MAX_PUSHES);
    }

    #[test]
    fn a_push_given_up_before_its_turn_is_not_written() {
        let (jobs, mut line) = mpsc::channel(MAX_WAITING);
        let (first, _first_listens) = job(1);
        let (gone, given_up) = job(1);
        let (last, _last_listens) = job(1);
        drop(given_up);
        jobs.try_send(gone).unwrap();
        jobs.try_send(last).unwrap();
        assert_eq!(gather(first, &mut line).len(), 2);
    }

    #[tokio::test]
    async fn a_full_line_is_answered_busy() {
        let (jobs, _line) = mpsc::channel(MAX_WAITING);
        let writer = GroupCommit { jobs };
        for _ in 0..MAX_WAITING {
            writer.jobs.try_send(job(1).0).unwrap();
        }
        let pushed = writer.push(&viewer(), &request(1), 0).await;
        assert!(matches!(pushed, Err(StoreError::Busy)));
    }
}
