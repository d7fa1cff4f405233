//! Storage behind one trait, with a SQLite and a PostgreSQL implementation.
//!
//! Both run the same SQL, written once in `sql/` and compiled once per
//! backend (its module docs say why), against their own schema in
//! `migrations/<backend>/`. The trait is split by concern: [`Records`],
//! [`Accounts`], [`People`], [`CustomerPool`], [`Dedup`], [`Archive`],
//! [`Photos`] and [`Console`], each implemented in the `sql/` file of the
//! same concern.
//!
//! ## Why pulls never skip a change
//! Every write takes its change-stream position from the single `sync_state`
//! row with `UPDATE … SET last_seq = last_seq + 1 RETURNING last_seq`. That
//! row stays locked until the writing transaction commits or rolls back, so a
//! second writer cannot obtain a position until the first is done: positions
//! become visible in exactly the order they were handed out. A reader that
//! has seen position N can therefore never later discover a committed
//! position below N, which is what would make "pull since cursor" skip a
//! change on PostgreSQL with concurrent writers. SQLite has a single writer
//! anyway; its writers begin with `BEGIN IMMEDIATE` so they queue for the
//! lock instead of failing on a stale snapshot. A batch of pushes takes
//! that row's lock first and holds it to commit, so it may hand out the
//! positions after the head itself and move the head once per push (a
//! unique index on `seq` would refuse a position handed out twice).
//!
//! ## Under load
//! Writers therefore queue, one at a time, behind that row (and, on SQLite,
//! behind the one write lock). Pushes do not each take their turn at it:
//! the pushes that arrive while one batch is written are written next, in
//! one transaction with a savepoint each (`group_commit`), so a crowd of
//! small pushes costs a few commits (and fsyncs) instead of one each, and
//! waits without holding a pooled connection. Pushes and pulls get a
//! bounded number of turns and a bounded line to wait in (`crate::load`):
//! more than that is answered 503 with `Retry-After`, never a pool timeout
//! answered 500.
//!
//! ## A push is decided in memory and written when it ends
//! With commits grouped, the cost of a push was its statements: about ten
//! per new customer (its earlier answer, the record, its position, its
//! duplicate check, its keys and name grams, the write, its answer), where
//! a raw insert of the same row is one. A push now reads what it names at
//! once, hands out positions in memory (the batch holds the change-stream
//! lock, so the positions after the head are its own), checks its new
//! customers for duplicates in one query (and against each other in
//! memory), and writes records, keys and grams in multi-row statements
//! when it ends (`sql/pending.rs`): a push of 100 new customers is about
//! fifteen statements instead of a thousand.
//!
//! Measured (`scripts/bench sync`, 2 cores, raw insert of the same rows in
//! the same run): the push of 4 clients in batches of 100 went from 0.10
//! of the raw insert to 0.30–0.44 on SQLite and from 0.14 to 0.68–0.81 on
//! PostgreSQL. What is left on SQLite is CPU per mutation (HTTP, JSON, the
//! rules) and a hop to the connection's thread per statement; 500 reps
//! pushing at once still wait about a second, the CPU of 500 requests and
//! pulls on two cores. Letting batches commit in parallel on PostgreSQL
//! (positions from a sequence made visible below the oldest in flight) is
//! the next step; it is not taken.
//!
//! ## The directory in memory
//! Every request needs the users and teams (who sees what), and they
//! change a few times a day. Each server keeps them in memory
//! ([`Directory`]) and reads only a count of changes per request;
//! triggers add a row to `directory_changes` on every change to users or
//! teams, so no write path (and no server) can leave the others stale.
//! Rows are only added, so concurrent writers never wait on one another
//! for it, and the count moves only when a change commits. A push batch
//! still reads the directory inside its own transaction: its decisions
//! must see the directory as it is when they are written.

mod columns;
mod group_commit;
mod postgres;
mod sqlite;

pub use group_commit::MAX_PUSHES as PUSHES_PER_COMMIT;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use std::sync::Arc;
use yingpan_shared::access::{OwnerScope, Viewer};
use yingpan_shared::api::{ArchivedCustomer, HandoverPlan, MemberStats, OwnershipEntry, PoolWeek};
use yingpan_shared::audit;
use yingpan_shared::dedup::{CustomerKeys, DuplicatePolicy, Keep};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::people::{Person, PersonChange, SessionInfo, Team};
use yingpan_shared::photo::UploadState;
use yingpan_shared::pool::{Handover, PoolRules, ReturnFacts};
use yingpan_shared::rules::WorkRules;
use yingpan_shared::sync::{Cursor, MutationResult, PullResponse, PushRequest, StoredRecord};
use yingpan_shared::user::User;

/// The directory (users and teams) as one server last read it, and the
/// count of directory changes it was read at (`directory_changes`, moved
/// on by trigger by every change to users or teams, from any server).
#[derive(Default)]
pub struct Directory {
    read: std::sync::Mutex<Option<Read>>,
}

struct Read {
    changes: i64,
    at: std::time::Instant,
    users: Arc<Vec<User>>,
}

/// However quiet the count, the directory is read again this often, so a
/// change that somehow moved no count (a trigger dropped by hand, a
/// restored backup) is stale for a minute at most, not for good.
const DIRECTORY_AGE: std::time::Duration = std::time::Duration::from_secs(60);

impl Directory {
    /// The users as read at `changes`, if that is what is held (and not
    /// too old).
    fn at(&self, changes: i64) -> Option<Arc<Vec<User>>> {
        let read = self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        read.as_ref()
            .filter(|r| r.changes == changes && r.at.elapsed() < DIRECTORY_AGE)
            .map(|r| r.users.clone())
    }

    /// Keeps `users`, read after the count of changes was `changes`,
    /// unless what is held was read at a later count.
    fn keep(&self, changes: i64, users: Arc<Vec<User>>) {
        let mut read = self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if read.as_ref().is_none_or(|r| r.changes <= changes) {
            *read = Some(Read {
                changes,
                at: std::time::Instant::now(),
                users,
            });
        }
    }
}

/// An existing customer that might be the one being entered, with the
/// normal forms it was indexed under.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: uuid::Uuid,
    pub owner: Option<UserId>,
    pub name: String,
    pub keys: CustomerKeys,
}

/// A visit photo's upload, stored under its visit: the photo id the visit
/// names, who sends it, how far it has come.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoUpload {
    pub activity_id: uuid::Uuid,
    pub photo_id: uuid::Uuid,
    pub uploaded_by: UserId,
    pub state: UploadState,
}

/// How often a session's `last_seen` is written: a sync every few seconds
/// need not write each time (on SQLite, even an update that changes no row
/// waits for the write lock).
pub const SESSION_SEEN_EVERY_MS: i64 = 60_000;

/// The user behind an unexpired session.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub user: User,
    /// They must choose a new password before anything else.
    pub must_change_password: bool,
    /// When the session was last seen (kept to the minute).
    pub last_seen: i64,
}

/// An owned customer with what the pool rules need to know about it.
#[derive(Clone, Debug)]
pub struct OwnedCustomer {
    pub id: uuid::Uuid,
    pub owner: UserId,
    pub name: String,
    pub facts: ReturnFacts,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Duplicate(String),
    /// The request may not be carried out, for the reason given.
    #[error("{0}")]
    Refused(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The store cannot take this now (its writer is overloaded or was
    /// stopped); the same request may succeed after a wait.
    #[error("the store is busy")]
    Busy,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Why the store declined an operation, for the person who asked.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    NotFound,
    Forbidden(String),
    Invalid(String),
}

/// People, sessions, sign-in failures and the audit log.
#[async_trait]
pub trait People {
    async fn teams(&self) -> StoreResult<Vec<Team>>;
    /// False when there is no such team.
    async fn rename_team(&self, id: TeamId, name: &str) -> StoreResult<bool>;
    async fn people(&self) -> StoreResult<Vec<Person>>;
    async fn person(&self, id: UserId) -> StoreResult<Option<Person>>;
    async fn create_person(&self, person: &Person, password_hash: &str) -> StoreResult<()>;
    /// Changes a user in one transaction, decided against the directory as
    /// it is under the write lock; a change of team or role moves who sees
    /// their book. Returns how many records were published again for their
    /// new viewers.
    async fn change_person(&self, id: UserId, change: &PersonChange) -> StoreResult<u64>;
    /// Sets a password and ends every session but `keep_session`; returns
    /// how many ended.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> StoreResult<u64>;
    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>>;
    async fn create_invite(&self, token_hash: &str, user: UserId, expires_at: i64) -> StoreResult<()>;
    /// Uses up an invite: its user while it is fresh, and never again.
    async fn take_invite(&self, token_hash: &str, now: i64) -> StoreResult<Option<UserId>>;
    /// A user's sessions with their token hashes, most recently seen first.
    async fn sessions_of(&self, user: UserId) -> StoreResult<Vec<(SessionInfo, String)>>;
    /// Ends the user's sessions (only the one with public id `only`, and
    /// never the one whose hash is `except`); returns how many ended.
    async fn end_sessions(&self, user: UserId, only: Option<&str>, except: Option<&str>) -> StoreResult<u64>;
    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()>;
    /// Drops expired sessions and invites and forgotten sign-in failures.
    async fn purge_expired(&self, now: i64) -> StoreResult<u64>;
    /// Recent failures under `key` and when the latest was.
    async fn login_failures(&self, key: &str, now: i64) -> StoreResult<(i64, i64)>;
    async fn note_login_failure(&self, key: &str, now: i64) -> StoreResult<()>;
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;
    async fn audit(&self, entry: &audit::Entry) -> StoreResult<()>;
    /// The newest entries matching `filter`, at most `limit`.
    async fn audit_entries(&self, filter: &audit::Filter, limit: u32) -> StoreResult<Vec<audit::Entry>>;
    /// Customers and leads the user owns.
    async fn owned_records(&self, user: UserId) -> StoreResult<u64>;
    /// Bytes of the photos the user began uploading since `since`.
    async fn photo_bytes_begun(&self, user: UserId, since: i64) -> StoreResult<u64>;
    async fn reactivate(&self, id: UserId) -> StoreResult<()>;
}

/// Records and the change stream: pushes, pulls, one record.
#[async_trait]
pub trait Records {
    /// Applies a push, all or nothing, with the pushes waiting beside it
    /// (`group_commit`): every mutation is either answered from an earlier
    /// identical push or decided by the shared sync rules against the
    /// directory and records as they are when it is written.
    async fn push(&self, viewer: &Viewer, req: &PushRequest, now: i64) -> StoreResult<Vec<MutationResult>>;
    /// Changes after `since` that `viewer` (whose records are `scope`) may
    /// see, and evictions of records that left their view, in commit order.
    async fn pull(&self, viewer: UserId, scope: &OwnerScope, since: Cursor, limit: u32) -> StoreResult<PullResponse>;
    async fn record(&self, entity: EntityKind, id: uuid::Uuid) -> StoreResult<Option<StoredRecord>>;
}

/// Accounts and sessions: who someone is and whether they are signed in.
#[async_trait]
pub trait Accounts {
    async fn create_team(&self, id: TeamId, name: &str) -> StoreResult<()>;
    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()>;
    /// The user with this username and their password hash.
    async fn credentials(&self, username: &str) -> StoreResult<Option<(User, String)>>;
    /// Every user, as the directory is now: kept in memory, read again
    /// only after a change to users or teams (on any server).
    async fn users(&self) -> StoreResult<Arc<Vec<User>>>;
    async fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<()>;
    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        device: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The active user owning an unexpired session.
    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<LiveSession>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// The user behind a session of an account closed less than `grace_ms`
    /// ago, and when it was closed: such a session may still hand in facts.
    async fn closed_account_session(
        &self,
        token_hash: &str,
        now: i64,
        grace_ms: i64,
    ) -> StoreResult<Option<(User, i64)>>;
}

/// The customer pool (公海) and ownership: reassigning, handing over a
/// departing rep's book, the automatic return.
#[async_trait]
pub trait CustomerPool {
    async fn pool_rules(&self) -> StoreResult<PoolRules>;
    async fn set_pool_rules(&self, rules: &PoolRules) -> StoreResult<()>;
    /// Gives a customer, with its contacts, activities and conflicts, to a
    /// new owner (`None`: the pool), in one transaction. Returns how many
    /// records moved. Users who can no longer see it get an eviction.
    async fn reassign(
        &self,
        viewer: &Viewer,
        customer: uuid::Uuid,
        to: Option<UserId>,
        now: i64,
    ) -> StoreResult<Result<u64, Refusal>>;
    /// Closes `rep`'s account and hands their customers over as `handover`
    /// says, in one transaction; with `confirm` false, only plans it.
    async fn hand_over(
        &self,
        viewer: &Viewer,
        rep: UserId,
        handover: &Handover,
        confirm: bool,
        now: i64,
    ) -> StoreResult<Result<HandoverPlan, Refusal>>;
    /// Returns every owned customer that the pool rules say is due, in one
    /// transaction. Safe to run from several servers at once: on PostgreSQL
    /// only one does the work, and a second run finds nothing left to do.
    /// Returns how many customers went back.
    async fn auto_return(&self, now: i64) -> StoreResult<u64>;
    /// Owned customers (of `owners`, or everyone's) with their pool facts.
    async fn owned_customers(&self, owners: Option<&[UserId]>) -> StoreResult<Vec<OwnedCustomer>>;
}

/// Duplicate customers: finding candidates, the company's policy, merging
/// and undoing a merge.
#[async_trait]
pub trait Dedup {
    /// Customers that might duplicate one with `keys` (at most `limit` by
    /// name, plus those with the same phone or email), `exclude` left out.
    async fn duplicate_candidates(
        &self,
        keys: &CustomerKeys,
        exclude: Option<uuid::Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>>;
    async fn duplicate_policy(&self) -> StoreResult<DuplicatePolicy>;
    async fn set_duplicate_policy(&self, policy: DuplicatePolicy) -> StoreResult<()>;
    /// Merges customer `merged` into `survivor` in one transaction; returns
    /// how many child records moved.
    async fn merge_customers(
        &self,
        viewer: &Viewer,
        survivor: uuid::Uuid,
        merged: uuid::Uuid,
        choices: &std::collections::BTreeMap<String, Keep>,
        now: i64,
    ) -> StoreResult<Result<u64, Refusal>>;
    /// Undoes merge `id` (for 30 days) in one transaction; returns how many
    /// child records went back to the restored customer.
    async fn undo_merge(&self, viewer: &Viewer, id: uuid::Uuid, now: i64) -> StoreResult<Result<u64, Refusal>>;
}

/// Archived customers, and bringing one back.
#[async_trait]
pub trait Archive {
    /// The archived customers (deleted, not merged away), newest first.
    async fn archived_customers(&self, limit: u32) -> StoreResult<Vec<ArchivedCustomer>>;
    /// Brings archived customer `id` back, as it was, to whoever owned it.
    async fn restore_customer(&self, viewer: &Viewer, id: uuid::Uuid, now: i64) -> StoreResult<Result<(), Refusal>>;
}

/// Visit photos, uploaded in chunks.
#[async_trait]
pub trait Photos {
    /// The upload of visit `activity`'s photo, if one started.
    async fn photo_upload(&self, activity: uuid::Uuid) -> StoreResult<Option<PhotoUpload>>;
    /// Appends `bytes` at `upload.state.received - bytes.len()` (the state
    /// after the chunk); false when another request got there first.
    async fn append_photo(&self, upload: &PhotoUpload, bytes: &[u8], now: i64) -> StoreResult<bool>;
    /// Visit `activity`'s complete photo.
    async fn photo_bytes(&self, activity: uuid::Uuid) -> StoreResult<Option<Vec<u8>>>;
}

/// A change to a record the money reports read: a customer (its name and
/// owner), a contract, an installment, a receipt, an allocation or a
/// credit.
pub struct MoneyChange {
    pub kind: EntityKind,
    pub id: uuid::Uuid,
    pub owner_id: Option<UserId>,
    pub deleted: bool,
    pub seq: i64,
    /// The record's fields as stored (JSON).
    pub data: String,
}

/// The manager console: work rules, team numbers, pool flow, ownership
/// history.
#[async_trait]
pub trait Console {
    async fn work_rules(&self) -> StoreResult<WorkRules>;
    async fn set_work_rules(&self, rules: &WorkRules) -> StoreResult<()>;
    /// The company's print templates and letterhead.
    async fn print_templates(&self) -> StoreResult<yingpan_shared::money::print::PrintTemplates>;
    async fn set_print_templates(&self, templates: &yingpan_shared::money::print::PrintTemplates) -> StoreResult<()>;
    /// Every product (the catalogue is small: hundreds, a few thousand).
    async fn products(&self) -> StoreResult<Vec<yingpan_shared::money::records::Product>>;
    /// Up to `limit` changes after position `after`, in order, to the
    /// records the money reports read (`crate::money_view`).
    async fn money_changes(&self, after: i64, limit: u32) -> StoreResult<Vec<MoneyChange>>;
    /// Customers, recent activities and claims of each of `members`.
    async fn member_stats(&self, members: &[User], now: i64) -> StoreResult<Vec<MemberStats>>;
    /// The pool's size and its weekly in- and outflow for `weeks` weeks
    /// ending at `now`, newest first.
    async fn pool_flow(&self, weeks: u32, now: i64) -> StoreResult<(u64, Vec<PoolWeek>)>;
    /// The newest ownership changes that involve an owner in `scope` (the
    /// pool counts for a scope that sees it), of one customer or of all.
    /// `words` (folded as `yingpan_shared::search::fold` folds) must all
    /// occur in the customer's name.
    async fn ownership_history(
        &self,
        scope: &OwnerScope,
        customer: Option<uuid::Uuid>,
        words: &[String],
        limit: u32,
    ) -> StoreResult<Vec<OwnershipEntry>>;
}

/// How a write to a supplier's payables went.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Done,
    /// Someone wrote to the supplier after the version the write was
    /// decided against (or, for a new supplier, it exists): read it again.
    Stale,
    /// A record's id is another supplier's, or another kind's.
    IdTaken(uuid::Uuid),
}

/// Payables (应付): suppliers and their books, kept for finance beside the
/// synced records.
#[async_trait]
pub trait Payables {
    /// A supplier's book and its version.
    async fn payable_book(
        &self,
        supplier: uuid::Uuid,
    ) -> StoreResult<Option<(yingpan_shared::money::payable::PayableBook, i64)>>;
    /// Every supplier's book and its version, by name (suppliers are
    /// hundreds, their records thousands: aging and statistics read them
    /// whole).
    async fn payable_books(&self) -> StoreResult<Vec<(yingpan_shared::money::payable::PayableBook, i64)>>;
    /// Writes `supplier` and what `write` adds or changes, if the supplier
    /// is still at `version` (`None`: a new supplier).
    async fn write_payables(
        &self,
        supplier: &yingpan_shared::money::payable::Supplier,
        version: Option<i64>,
        write: &yingpan_shared::money::payable::PayableWrite,
        by: UserId,
        now: i64,
    ) -> StoreResult<Written>;
}

/// The whole store, one concern per trait; the SQLite and PostgreSQL stores
/// implement each.
#[async_trait]
pub trait Store:
    Records + Accounts + People + CustomerPool + Dedup + Archive + Photos + Console + Payables + Send + Sync + 'static
{
    /// Brings the schema up to date.
    async fn migrate(&self) -> StoreResult<()>;
}

fn is_postgres(database_url: &str) -> bool {
    database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")
}

/// How many pooled connections the store named by `database_url` keeps.
pub fn connections(database_url: &str) -> u32 {
    if is_postgres(database_url) {
        postgres::CONNECTIONS
    } else {
        sqlite::CONNECTIONS
    }
}

/// Opens the store named by `database_url`: `postgres://…` for PostgreSQL,
/// anything else is a SQLite file path (or `sqlite:` URL). Runs migrations.
pub async fn connect(database_url: &str) -> anyhow::Result<Arc<dyn Store>> {
    use anyhow::Context;
    let store: Arc<dyn Store> = if is_postgres(database_url) {
        Arc::new(
            PgStore::connect(database_url)
                .await
                .context("connecting to PostgreSQL")?,
        )
    } else {
        Arc::new(
            SqliteStore::open(database_url)
                .await
                .with_context(|| format!("opening SQLite database {database_url}"))?,
        )
    };
    store.migrate().await.context("running migrations")?;
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_served_from_memory_only_at_the_count_it_was_read_at() {
        let directory = Directory::default();
        assert!(directory.at(1).is_none(), "nothing read yet");
        let newer = Arc::new(Vec::new());
        directory.keep(5, newer.clone());
        assert!(directory.at(5).is_some_and(|u| Arc::ptr_eq(&u, &newer)));
        assert!(directory.at(6).is_none(), "a change since: read again");
        // A slower reload that started before a change never replaces a
        // newer read.
        directory.keep(4, Arc::new(Vec::new()));
        assert!(directory.at(5).is_some_and(|u| Arc::ptr_eq(&u, &newer)));
    }
}
