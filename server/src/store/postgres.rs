//! The PostgreSQL store: for several stateless servers on one database.

use super::StoreResult;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new().max_connections(16).connect(url).await?;
        Ok(Self { pool })
    }
}

super::sql::sql_store!(
    PgStore,
    sqlx::Postgres,
    "./migrations/postgres",
    "BEGIN",
    Some("SELECT pg_try_advisory_xact_lock(7142001) AS locked")
);
