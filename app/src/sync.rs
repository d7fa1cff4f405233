//! The sync loop: push the outbox, then pull every page since the cursor.
//! Runs on start, when the browser comes back online, every half minute, and
//! after each local change; never two at once.

use crate::api::{self, ApiError};
use crate::db::Incoming;
use crate::db::{DbError, LocalDb, Session};
use crate::ids::new_id;
use crate::memory::{Memory, Record, Update};
use crate::uploads::{upload_photos, UploadError};
use leptos::prelude::Update as _;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::cell::Cell;
use std::collections::HashSet;
use uuid::Uuid;
use wasm_bindgen::JsValue;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pool::PoolRules;
use yingpan_shared::rules::WorkRules;
use yingpan_shared::sync::{Cursor, Mutation, MutationStatus, Op, PushRequest};
use yingpan_shared::user::User;

/// Records keyed for the search per turn of the event loop after start.
const INDEX_BATCH: usize = 500;
/// Mutations per push request.
const PUSH_BATCH: usize = 200;
/// How often to sync while the app is open.
pub const PERIOD_MS: u32 = 30_000;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Syncing,
    Offline,
    /// The server asked to be left alone for a while; sync resumes by itself.
    Busy,
    Failed(String),
}

/// Everything the pages share: the local database, the session and the
/// sync state. All handles, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct AppCtx {
    pub db: StoredValue<LocalDb, LocalStorage>,
    pub session: RwSignal<Option<Session>>,
    pub status: RwSignal<Status>,
    /// Local changes not yet acknowledged by the server.
    pub pending: RwSignal<u32>,
    /// Messages about changes the server refused.
    pub issues: RwSignal<Vec<String>>,
    /// Bumped whenever the outbox or the device's own state changes (an
    /// open visit, storage use), so views of them re-read.
    pub version: RwSignal<u64>,
    /// The records pages list, in memory; read through [`AppCtx::read`].
    pub memory: StoredValue<Memory, LocalStorage>,
    /// Bumped per kind when records of it change in memory.
    pub touched: Touched,
    /// Records read at start not yet searchable.
    pub unindexed: RwSignal<usize>,
    /// The records are in memory (they are read after the app shows).
    pub loaded: RwSignal<bool>,
    /// The cache's write count the records in memory are at.
    pub written: RwSignal<u64>,
    /// While they are read: changes written meanwhile, to apply after.
    pub waiting: StoredValue<Option<Vec<Written>>, LocalStorage>,
    /// Everyone's names and roles, the pool rules and the field-work
    /// rules, as last fetched (kept in IndexedDB for offline starts).
    pub users: RwSignal<Vec<User>>,
    pub pool_rules: RwSignal<PoolRules>,
    pub work_rules: RwSignal<WorkRules>,
    /// During a pull from scratch: records loaded so far, of how many.
    pub progress: RwSignal<Option<(u64, u64)>>,
    /// The browser dropped this device's offline data (storage pressure).
    pub data_lost: RwSignal<bool>,
    /// The signed-in account was closed; its data was removed from here.
    pub account_closed: RwSignal<bool>,
}

/// Changes written to IndexedDB as one write (its count, see
/// `LocalDb::generation`).
pub type Written = (u64, Vec<Update>);

/// One change counter per entity kind, so a page recomputes only when a
/// kind it reads changed.
#[derive(Clone, Copy)]
pub struct Touched([RwSignal<u64>; EntityKind::ALL.len()]);

impl Touched {
    pub fn new() -> Touched {
        Touched(std::array::from_fn(|_| RwSignal::new(0)))
    }

    fn signal(self, kind: EntityKind) -> RwSignal<u64> {
        let i = EntityKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.0[i]
    }

    /// Makes the caller run again when records of `kind` change (for
    /// history read from IndexedDB, which memory does not hold).
    pub fn track(self, kind: EntityKind) {
        self.signal(kind).track();
    }

    /// How often records of `kind` changed, without tracking it.
    pub fn version(self, kind: EntityKind) -> u64 {
        self.signal(kind).get_untracked()
    }

    fn bump(self, kind: EntityKind) {
        self.signal(kind).update(|v| *v += 1);
    }

    fn bump_all(self) {
        for s in self.0 {
            s.update(|v| *v += 1);
        }
    }
}

pub fn use_app() -> AppCtx {
    expect_context::<AppCtx>()
}

#[derive(Debug)]
pub enum SyncError {
    Api(ApiError),
    Db(DbError),
}

impl From<ApiError> for SyncError {
    fn from(e: ApiError) -> Self {
        SyncError::Api(e)
    }
}

impl From<DbError> for SyncError {
    fn from(e: DbError) -> Self {
        SyncError::Db(e)
    }
}

impl From<UploadError> for SyncError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Api(e) => SyncError::Api(e),
            UploadError::Db(e) => SyncError::Db(e),
        }
    }
}

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    /// While the server is busy: no sync before this time (`steady_ms`).
    static NOT_BEFORE: Cell<f64> = const { Cell::new(0.0) };
    /// A sync is already set to start when the wait is over.
    static WAKE_SET: Cell<bool> = const { Cell::new(false) };
    /// Reads of the records into memory started; only the latest counts.
    static LOADS: Cell<u64> = const { Cell::new(0) };
}

/// Holds syncs back after the server answered "busy": for its
/// `Retry-After`, stretched by a random part up to as long again, so a
/// crowd of phones sent away together does not come back together.
fn back_off(app: AppCtx, retry_after_ms: u32) {
    let wait = f64::from(retry_after_ms.max(1000)) * (1.0 + js_sys::Math::random());
    NOT_BEFORE.set(crate::device::steady_ms() + wait);
    wake_later(app, wait);
}

fn wake_later(app: AppCtx, wait_ms: f64) {
    if WAKE_SET.replace(true) {
        return;
    }
    gloo_timers::callback::Timeout::new(wait_ms.ceil() as u32, move || {
        WAKE_SET.set(false);
        app.request_sync();
    })
    .forget();
}

impl AppCtx {
    /// Call after a local change: refreshes views and starts a sync.
    pub fn changed(self) {
        self.version.update(|v| *v += 1);
        self.request_sync();
    }

    /// Reads the records in memory, and makes the caller (a memo, a view)
    /// run again when records of `kinds` change.
    pub fn read<R>(self, kinds: &[EntityKind], f: impl FnOnce(&Memory) -> R) -> R {
        for kind in kinds {
            self.touched.signal(*kind).track();
        }
        self.memory.with_value(f)
    }

    /// Applies changes written to IndexedDB as its write `generation` to
    /// the records in memory, and tells the views of their kinds. While the
    /// records are being read at start, the changes wait and are applied
    /// after (a change the read already saw is applied again, unchanged).
    pub fn remember(self, generation: u64, updates: Vec<Update>) {
        let kinds: HashSet<EntityKind> = updates.iter().map(|u| u.kind).collect();
        let waiting = self.waiting.try_update_value(|w| match w {
            Some(waiting) => {
                waiting.push((generation, updates));
                None
            }
            None => Some(updates),
        });
        let Some(Some(updates)) = waiting else { return };
        let in_step = self
            .memory
            .try_update_value(|m| m.apply_at(generation, updates))
            .unwrap_or(true);
        self.written.set(self.memory.with_value(|m| m.generation));
        if !in_step {
            // Written by another tab of the app meanwhile: read it all again.
            spawn_local(self.load_memory());
        }
        // A customer gone takes its children: their views re-read too.
        if kinds.contains(&EntityKind::Customer) {
            self.touched.bump_all();
        } else {
            for kind in kinds {
                self.touched.bump(kind);
            }
        }
    }

    /// Empties the records in memory (the cache was dropped); a read of
    /// them still under way is dropped when it ends.
    pub fn forget_all(self) {
        LOADS.set(LOADS.get() + 1);
        self.waiting.set_value(None);
        self.memory.set_value(Memory::default());
        self.written.set(0);
        self.loaded.set(true);
        self.touched.bump_all();
    }

    /// Reads the directory and the rules, then every record from IndexedDB
    /// into memory (at start, and after signing in); syncs once they are.
    pub async fn load_memory(self) {
        let db = self.db.get_value();
        self.users.set(db.users().await.unwrap_or_default());
        self.pool_rules.set(db.pool_rules().await.unwrap_or_default());
        self.work_rules.set(db.work_rules().await.unwrap_or_default());
        let this = LOADS.get() + 1;
        LOADS.set(this);
        self.loaded.set(false);
        self.waiting.set_value(Some(Vec::new()));
        let read = Memory::load(&db).await;
        // Signed out, or read again, meanwhile: this read is stale.
        if LOADS.get() != this {
            return;
        }
        match read {
            Ok(memory) => self.memory.set_value(memory),
            Err(e) => self.status.set(Status::Failed(e.to_string())),
        }
        // Changes written while reading, applied over what was read.
        let waiting = self
            .waiting
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_default();
        let mut in_step = true;
        for (generation, updates) in waiting {
            in_step &= self
                .memory
                .try_update_value(|m| m.apply_at(generation, updates))
                .unwrap_or(true);
        }
        self.written.set(self.memory.with_value(|m| m.generation));
        self.touched.bump_all();
        self.loaded.set(true);
        // Says so on the page too, for tests and benches to wait on.
        crate::device::mark_ready("records");
        self.index_in_background();
        if in_step {
            self.request_sync();
        } else {
            // Another tab wrote between the read and a change here.
            Box::pin(self.load_memory()).await;
        }
    }

    /// Keys the records read at start for the search, a batch per turn of
    /// the event loop, so pages stay responsive meanwhile.
    fn index_in_background(self) {
        self.unindexed.set(self.memory.with_value(Memory::unindexed));
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(0).await;
                let Some(left) = self.memory.try_update_value(|m| m.index_some(INDEX_BATCH)) else {
                    return;
                };
                self.unindexed.set(left);
                if left == 0 {
                    return;
                }
            }
        });
    }

    /// Records a local change (see [`LocalDb::record_change`]), updates the
    /// record in memory, and starts a sync.
    pub async fn record(self, kind: EntityKind, id: &str, op: Op, local: Option<&FieldMap>) -> Result<u64, DbError> {
        let recorded = self.db.get_value().record_change(kind, id, op, local).await?;
        if let Ok(uuid) = id.parse() {
            let record = match local {
                Some(fields) => Record::from_fields(kind, fields).and_then(Result::ok),
                None => None,
            };
            // A kept record that does not decode is not taken for gone;
            // a kind not kept in memory (history, money) is only announced,
            // for the pages that read it from IndexedDB.
            if local.is_none() || record.is_some() || !crate::memory::KEPT.contains(&kind) {
                self.remember(recorded.generation, vec![Update { kind, id: uuid, record }]);
            }
        }
        self.changed();
        Ok(recorded.seq)
    }

    /// Starts a sync now, or right after the one running, or when the
    /// server's requested wait is over.
    pub fn request_sync(self) {
        // The first sync starts once the records are in memory.
        if !self.loaded.get_untracked() {
            return;
        }
        let wait = NOT_BEFORE.get() - crate::device::steady_ms();
        if wait > 0.0 {
            wake_later(self, wait);
            return;
        }
        if RUNNING.get() {
            AGAIN.set(true);
            return;
        }
        RUNNING.set(true);
        spawn_local(async move {
            loop {
                AGAIN.set(false);
                self.sync_once().await;
                // A change made while the server asked to wait goes with
                // the sync set for the end of the wait.
                if !AGAIN.get() || NOT_BEFORE.get() > crate::device::steady_ms() {
                    break;
                }
            }
            RUNNING.set(false);
        });
    }

    /// Re-reads the outbox size and stored issues into their signals.
    pub async fn refresh_counts(self) {
        let db = self.db.get_value();
        if let (Ok(n), Ok(photos)) = (db.outbox_len().await, db.photos_waiting().await) {
            self.pending.set(n + photos);
        }
        if let Ok(issues) = db.sync_issues().await {
            self.issues.set(issues);
        }
    }

    async fn sync_once(self) {
        self.refresh_counts().await;
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        // Nothing syncs until the person has chosen their own password.
        if session.must_change_password {
            return;
        }
        self.status.set(Status::Syncing);
        let db = self.db.get_value();
        let outcome = self.sync_with(&db, &session.token).await;
        self.progress.set(None);
        self.refresh_counts().await;
        match outcome {
            Ok(changed) => {
                self.status.set(Status::Idle);
                if changed {
                    self.version.update(|v| *v += 1);
                }
            }
            Err(SyncError::Api(ApiError::Unreachable)) => self.status.set(Status::Offline),
            Err(SyncError::Api(ApiError::Busy { retry_after_ms, .. })) => {
                self.status.set(Status::Busy);
                back_off(self, retry_after_ms);
            }
            Err(SyncError::Api(ApiError::AccountClosed)) => {
                // The rep left: what this device recorded before was handed
                // in by the push above; the company's customers must not
                // stay on it.
                let _ = db.clear_all().await;
                self.forget_all();
                crate::storage::forget_marker();
                self.account_closed.set(true);
                self.session.set(None);
                self.pending.set(0);
                self.status.set(Status::Idle);
            }
            Err(SyncError::Api(ApiError::Unauthorized)) => {
                // Signed out elsewhere or deactivated: keep the outbox (it is
                // pushed if the same person signs in again), drop the session.
                let _ = db.end_session().await;
                self.session.set(None);
                self.status.set(Status::Idle);
            }
            Err(SyncError::Api(ApiError::Refused { message, .. })) => self.status.set(Status::Failed(message)),
            Err(SyncError::Db(e)) => self.status.set(Status::Failed(e.to_string())),
        }
    }
}

/// One full round: push everything queued, then pull everything new.
/// Returns whether the cache changed.
impl AppCtx {
    async fn sync_with(self, db: &LocalDb, token: &str) -> Result<bool, SyncError> {
        let progress = self.progress;
        let client_id = db.client_id(new_id).await?;
        let client_id = client_id.parse().map_err(|_| DbError("corrupt client id".into()))?;
        let mut changed = false;
        loop {
            let batch: Vec<Mutation> = db.outbox().await?.into_iter().take(PUSH_BATCH).collect();
            if batch.is_empty() {
                break;
            }
            let res = api::push(
                token,
                &PushRequest {
                    client_id,
                    mutations: batch.clone(),
                },
            )
            .await?;
            let mut issues = db.sync_issues().await?;
            let mut refused = Vec::new();
            for (m, r) in batch.iter().zip(&res.results) {
                if r.status == MutationStatus::Rejected {
                    let known = match db.get(EntityKind::PoolEntry, &m.id.to_string()).await? {
                        Some(entry) => Some(entry),
                        None => db.get(m.entity, &m.id.to_string()).await?,
                    };
                    issues.push(describe(m, known.as_ref(), r.message.as_deref().unwrap_or("refused")));
                    refused.push(m);
                }
            }
            let acked: Vec<u64> = res.results.iter().map(|r| r.seq).collect();
            db.acknowledge(&acked).await?;
            // The optimistic local copy of a refused change is wrong: replace it
            // with the server's.
            for m in refused {
                let id = m.id.to_string();
                let copy = api::record(token, m.entity, &id).await?;
                let generation = db.put_server_copy(m.entity, &id, copy.as_ref()).await?;
                let record = copy
                    .as_ref()
                    .and_then(|c| Record::from_fields(m.entity, c))
                    .and_then(Result::ok);
                self.remember(
                    generation,
                    vec![Update {
                        kind: m.entity,
                        id: m.id,
                        record,
                    }],
                );
                changed = true;
            }
            db.set_sync_issues(&issues).await?;
        }
        let refused_photos = upload_photos(db, token).await?;
        if !refused_photos.is_empty() {
            let mut issues = db.sync_issues().await?;
            issues.extend(refused_photos);
            db.set_sync_issues(&issues).await?;
        }
        let mut since = db.cursor().await?;
        let mut was_reset = false;
        let mut loaded = 0u64;
        loop {
            let text = api::pull(token, since).await?;
            let page = parse_page(&text)?;
            if page.reset && !was_reset {
                // The server does not know our cursor (restored backup, new
                // database): start over from its current state. The outbox was
                // pushed above and is kept regardless.
                let generation = db.reset_cache().await?;
                self.forget_all();
                self.memory.update_value(|m| m.generation = generation);
                was_reset = true;
                changed = true;
                since = 0;
                continue;
            }
            if let Some(total) = page.total {
                progress.set(Some((0, total)));
            }
            loaded += page.changes.len() as u64;
            if let Some((_, total)) = progress.get_untracked() {
                progress.set(Some((loaded.min(total), total)));
            }
            changed |= !page.changes.is_empty();
            let (updates, generation) = store_page(db, &page, &text).await?;
            self.remember(generation, updates);
            since = page.cursor;
            if !page.has_more {
                break;
            }
        }
        // Names for owners and authors, and the pool rules for warnings.
        if let Ok(users) = api::users(token).await {
            db.set_users(&users).await?;
            self.users.set(users);
        }
        if let Ok(rules) = api::pool_rules(token).await {
            db.set_pool_rules(&rules).await?;
            self.pool_rules.set(rules);
        }
        if let Ok(rules) = api::work_rules(token).await {
            db.set_work_rules(&rules).await?;
            self.work_rules.set(rules);
        }
        // Kept for printing offline.
        if let Ok(templates) = api::print_templates_as_sent(token).await {
            db.set_print_templates(&templates).await?;
        }
        Ok(changed)
    }
}

/// A pulled page as the server sent it, its records left as JSON text.
#[derive(Deserialize)]
pub struct RawPage<'a> {
    #[serde(borrow)]
    pub changes: Vec<RawChange<'a>>,
    pub cursor: Cursor,
    pub has_more: bool,
    #[serde(default)]
    pub reset: bool,
    #[serde(default)]
    pub total: Option<u64>,
}

#[derive(Deserialize)]
pub struct RawChange<'a> {
    pub entity: EntityKind,
    pub id: Uuid,
    #[serde(borrow)]
    pub data: Option<&'a RawValue>,
}

pub fn parse_page(text: &str) -> Result<RawPage<'_>, SyncError> {
    serde_json::from_str(text).map_err(|e| {
        SyncError::Api(ApiError::Refused {
            status: 0,
            message: e.to_string(),
        })
    })
}

/// Writes a pulled page to IndexedDB as the browser parses it, and decodes
/// the records written for memory; with the cache's write count after it.
pub async fn store_page(db: &LocalDb, page: &RawPage<'_>, text: &str) -> Result<(Vec<Update>, u64), DbError> {
    let parsed = js_sys::JSON::parse(text).map_err(|_| DbError("unreadable page".into()))?;
    let records = js_sys::Reflect::get(&parsed, &JsValue::from_str("changes"))
        .map(|v| js_sys::Array::from(&v))
        .map_err(|_| DbError("unreadable page".into()))?;
    let data = JsValue::from_str("data");
    let incoming: Vec<Incoming> = page
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| Incoming {
            entity: c.entity,
            id: c.id,
            data: c
                .data
                .and_then(|_| js_sys::Reflect::get(&records.get(i as u32), &data).ok()),
        })
        .collect();
    let applied = db.apply_pull(&incoming, page.cursor).await?;
    let updates = applied
        .written
        .into_iter()
        .filter_map(|i| {
            let c = &page.changes[i];
            let record = match c.data {
                // History kept in IndexedDB only: no record, but its views
                // are told all the same.
                Some(_) if !crate::memory::KEPT.contains(&c.entity) => None,
                Some(raw) => Some(Record::read(c.entity, raw.get())?),
                None => None,
            };
            Some(Update {
                kind: c.entity,
                id: c.id,
                record,
            })
        })
        .collect();
    Ok((updates, applied.generation))
}

/// "华信科技: email is not a valid email address". `known` is the record as
/// this device holds it, for a name when the mutation carries none.
fn describe(m: &Mutation, known: Option<&FieldMap>, reason: &str) -> String {
    let name = match &m.op {
        Op::Create { fields } | Op::Update { fields, .. } => name_of(fields),
        _ => None,
    }
    .or_else(|| known.and_then(name_of));
    match name {
        Some(name) => format!("{name}: {reason}"),
        None => format!("{} {}: {reason}", m.entity, m.id),
    }
}

fn name_of(fields: &FieldMap) -> Option<String> {
    fields.get("name")?.as_str().map(str::to_owned)
}
