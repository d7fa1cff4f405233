//! The PostgreSQL store: for several stateless servers on one database.

use super::StoreResult;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tokio::sync::Mutex;

pub struct PgStore {
    pool: PgPool,
    /// Unused: PostgreSQL orders writers with the `sync_state` row lock.
    write_gate: Option<Mutex<()>>,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        Ok(Self { pool, write_gate: None })
    }
}

super::sql::sql_store!(PgStore, sqlx::Postgres, "./migrations/postgres");
