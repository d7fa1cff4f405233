//! The SQL both stores run, written once and compiled once per backend:
//! `sqlite.rs` and `postgres.rs` each include this module tree with
//! `#[path]`, beside their own `Db` (the sqlx driver), `Backend` (the store
//! struct) and the few statements that differ (`BEGIN_WRITE`, `JOB_LOCK`,
//! the migrations). The two schemas use the same portable column types and
//! both drivers take `$n` placeholders, so one text serves both.
//!
//! Why a module tree compiled twice:
//! - Generic code over `sqlx::Database` needs a where-clause on every
//!   function for every type it binds or reads and for the connection as
//!   an executor (`for<'c> &'c mut DB::Connection: Executor<'c, Database =
//!   DB>`, `String: Type<DB> + Encode<DB> + Decode<DB>`, …); such bounds
//!   are not implied by a helper trait, so they would be repeated at each
//!   of the functions here and bury the SQL.
//! - sqlx's `Any` driver would take this SQL (it binds only text,
//!   integers, booleans and bytes), but it chooses the driver and converts
//!   every value at run time, and it was not tried here: compiling twice
//!   gives the same single text with each instance the driver's own code,
//!   checked by the compiler.
//! - Compiled per backend, the code is plain Rust over concrete types:
//!   rustfmt formats every line and an editor follows every name. The
//!   cost is compiling it twice, which the macro it replaces did too.
//!
//! One file per concern: records and the change stream (`records`), a
//! push and its batch (`push`, `batch`), accounts and sessions
//! (`accounts`), people, teams and the audit log (`people`), the pool and
//! ownership moves (`moves`, `pool`, `handover`), duplicates and merges
//! (`dedup`, `merges`), money (`money`), the archive, photos, and the
//! manager console.

mod accounts;
mod archive;
mod batch;
mod console;
mod dedup;
mod handover;
mod merges;
mod money;
mod moves;
mod payables;
mod pending;
mod people;
mod photos;
mod pool;
mod push;
mod records;

use super::{Backend, Db, BEGIN_WRITE, JOB_LOCK, MIGRATOR};

type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

use crate::store::columns::{corrupt, make_user};
use crate::store::Store;
use crate::store::StoreResult;
use batch::write_pushes;
use dedup::index_missing_customers;
use records::name_unnamed_customers;
use sqlx::Row as _;
use yingpan_shared::user::User;

impl Backend {
    /// The store over `pool`, with its writer of pushes started.
    pub(super) fn serving(pool: sqlx::Pool<Db>) -> Self {
        let writer = pool.clone();
        let pushes = crate::store::group_commit::GroupCommit::start(move |jobs| write_pushes(writer.clone(), jobs));
        Backend {
            pool,
            pushes,
            directory: crate::store::Directory::default(),
        }
    }
}

/// A company setting stored as JSON, or its default.
pub(super) async fn load_setting<T: serde::de::DeserializeOwned + Default>(
    conn: &mut Conn,
    key: &str,
) -> StoreResult<T> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => serde_json::from_str(&row.try_get::<String, _>("value")?).map_err(corrupt),
        None => Ok(T::default()),
    }
}

pub(super) async fn save_setting<T: serde::Serialize>(pool: &sqlx::Pool<Db>, key: &str, value: &T) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(serde_json::to_string(value).map_err(corrupt)?)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) const USER_COLUMNS: &str = "id, username, display_name, role, team_id, active";

pub(super) const RECORD_COLUMNS: &str =
    "entity, id, owner_id, parent_id, data, deleted, updated_by, owner_since, last_activity_at, last_won_at, open_contract";

pub(super) async fn load_users(conn: &mut Conn) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter().map(user_from_row).collect()
}

pub(super) fn user_from_row(row: &DbRow) -> StoreResult<User> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    make_user(
        &id,
        row.try_get("username")?,
        row.try_get("display_name")?,
        &role,
        row.try_get("team_id")?,
        row.try_get("active")?,
    )
}

#[async_trait::async_trait]
impl Store for Backend {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let indexed = index_missing_customers(&mut tx).await?;
        tx.commit().await?;
        if indexed > 0 {
            tracing::info!(indexed, "indexed existing customers for duplicate checks");
        }
        let named = name_unnamed_customers(&self.pool).await?;
        if named > 0 {
            tracing::info!(
                named,
                "folded existing customers' names for the ownership history search"
            );
        }
        Ok(())
    }
}
