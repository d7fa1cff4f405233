//! The SQLite store: an embedded file, zero setup.

use super::StoreResult;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Pooled connections: readers run beside the one writer.
pub const CONNECTIONS: u32 = 8;

pub struct SqliteStore {
    pool: SqlitePool,
    pushes: super::group_commit::GroupCommit,
    directory: super::Directory,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` or `sqlite:` URL.
    pub async fn open(path: &str) -> StoreResult<Self> {
        let url = if path.starts_with("sqlite:") {
            path.to_owned()
        } else {
            format!("sqlite://{path}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // An acknowledged push must survive a power cut, not just a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Self::serving(pool))
    }
}

// The shared SQL in `sql/`, compiled for SQLite; below, the little that
// differs.
#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "compiled once per backend, on purpose: see sql/mod.rs"
)]
mod sql;

type Db = sqlx::Sqlite;
type Backend = SqliteStore;
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
// Writers take the write lock up front: a deferred transaction that read
// first could find its snapshot stale when it tries to write, and fail
// instead of waiting its turn.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// One SQLite file has one server: the automatic return needs no lock
/// between servers.
const JOB_LOCK: Option<&str> = None;
