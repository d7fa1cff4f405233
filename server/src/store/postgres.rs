//! The PostgreSQL store: for several stateless servers on one database.

use super::StoreResult;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

pub struct PgStore {
    pool: PgPool,
    pushes: super::group_commit::GroupCommit,
    directory: super::Directory,
}

/// Pooled connections per server process; PostgreSQL's default of 100
/// connections serves a handful of servers.
pub const CONNECTIONS: u32 = 20;

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            // A request that waits this long for a connection is answered
            // "busy, come back" (503), not left hanging.
            .acquire_timeout(std::time::Duration::from_secs(15))
            .connect(url)
            .await?;
        Ok(Self::serving(pool))
    }
}

// The shared SQL in `sql/`, compiled for PostgreSQL; below, the little
// that differs.
#[path = "sql/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "compiled once per backend, on purpose: see sql/mod.rs"
)]
mod sql;

type Db = sqlx::Postgres;
type Backend = PgStore;
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
const BEGIN_WRITE: &str = "BEGIN";
/// Lets only one of several servers run the automatic return at a time
/// (held until its transaction ends).
const JOB_LOCK: Option<&str> = Some("SELECT pg_try_advisory_xact_lock(7142001) AS locked");
