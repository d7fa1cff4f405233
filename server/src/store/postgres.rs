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

super::sql::sql_store!(
    PgStore,
    sqlx::Postgres,
    "./migrations/postgres",
    "BEGIN",
    Some("SELECT pg_try_advisory_xact_lock(7142001) AS locked")
);
