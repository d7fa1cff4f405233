//! The writer of group commit: a batch of pushes in one transaction, a
//! savepoint each, every push answered on its own (see `group_commit`).

use super::moves::lock_writes;
use super::push::push_in;
use super::{load_users, Conn, Db, BEGIN_WRITE};
use crate::store::{StoreError, StoreResult};
use yingpan_shared::sync::MutationResult;
use yingpan_shared::user::User;

/// Writes a batch of pushes in one transaction, each in a savepoint
/// of its own, and answers each. A batch that cannot be committed is
/// written again one push at a time, so each push gets its own
/// answer (a push that was in fact stored is answered from what was
/// stored). A batch that cannot even start (no connection, the write
/// lock not had in time) is answered "busy, come back" at once.
pub(super) async fn write_pushes(pool: sqlx::Pool<Db>, jobs: Vec<crate::store::group_commit::PushJob>) {
    let results = match write_together(&pool, &jobs).await {
        Ok(results) => results,
        Err(Batch::NotStarted(e)) => return busy(jobs, &e),
        Err(Batch::Failed(e)) if jobs.len() == 1 => vec![Err(e)],
        Err(Batch::Failed(e)) => {
            tracing::warn!(error = %e, pushes = jobs.len(), "a batch of pushes is written again one by one");
            let mut jobs = jobs.into_iter();
            while let Some(job) = jobs.next() {
                match write_together(&pool, std::slice::from_ref(&job)).await {
                    Ok(mut results) => job.answer(results.pop().unwrap_or_else(|| Ok(Vec::new()))),
                    Err(Batch::Failed(e)) => job.answer(Err(e)),
                    Err(Batch::NotStarted(e)) => return busy(std::iter::once(job).chain(jobs), &e),
                }
            }
            return;
        }
    };
    for (job, result) in jobs.into_iter().zip(results) {
        job.answer(result);
    }
}

/// How a batch failed: before anything was written, or after.
pub(super) enum Batch {
    NotStarted(StoreError),
    Failed(StoreError),
}

pub(super) fn busy(jobs: impl IntoIterator<Item = crate::store::group_commit::PushJob>, why: &StoreError) {
    tracing::warn!(error = %why, "pushes sent away: the store could not start writing");
    for job in jobs {
        job.answer(Err(StoreError::Busy));
    }
}

pub(super) async fn write_together(
    pool: &sqlx::Pool<Db>,
    jobs: &[crate::store::group_commit::PushJob],
) -> Result<Vec<StoreResult<Vec<MutationResult>>>, Batch> {
    let started = async {
        let mut tx = pool.begin_with(BEGIN_WRITE).await?;
        // What each mutation is decided against must be current: the
        // change-stream lock first, then the directory as it is now.
        lock_writes(&mut tx).await?;
        let users = load_users(&mut tx).await?;
        StoreResult::Ok((tx, users))
    };
    let (mut tx, users) = started.await.map_err(Batch::NotStarted)?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        results.push(write_one(&mut tx, &users, job).await.map_err(Batch::Failed)?);
    }
    tx.commit().await.map_err(|e| Batch::Failed(e.into()))?;
    Ok(results)
}

/// One push of a batch, in a savepoint released either way (a
/// savepoint only rolled back would stay open, and every push after
/// it would nest one level deeper): its answer, or why the batch
/// itself cannot go on.
pub(super) async fn write_one(
    conn: &mut Conn,
    users: &[User],
    job: &crate::store::group_commit::PushJob,
) -> StoreResult<StoreResult<Vec<MutationResult>>> {
    sqlx::query("SAVEPOINT push").execute(&mut *conn).await?;
    let answer = push_in(&mut *conn, &job.viewer, users, &job.req, job.now).await;
    if answer.is_err() {
        sqlx::query("ROLLBACK TO SAVEPOINT push").execute(&mut *conn).await?;
    }
    sqlx::query("RELEASE SAVEPOINT push").execute(&mut *conn).await?;
    Ok(answer)
}
