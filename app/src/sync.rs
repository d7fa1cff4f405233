//! The sync loop: push the outbox, then pull every page since the cursor.
//! Runs on start, when the browser comes back online, every half minute, and
//! after each local change; never two at once.

use crate::api::{self, ApiError};
use crate::db::{DbError, LocalDb, Session};
use crate::ids::new_id;
use crate::uploads::{upload_photos, UploadError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::Cell;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pool::PoolRules;
use yingpan_shared::rules::WorkRules;
use yingpan_shared::sync::{Mutation, MutationStatus, Op, PushRequest};
use yingpan_shared::user::User;

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
    /// Bumped whenever cached records change, so views re-read them.
    pub version: RwSignal<u64>,
    /// During a pull from scratch: records loaded so far, of how many.
    pub progress: RwSignal<Option<(u64, u64)>>,
    /// The browser dropped this device's offline data (storage pressure).
    pub data_lost: RwSignal<bool>,
    /// The signed-in account was closed; its data was removed from here.
    pub account_closed: RwSignal<bool>,
}

pub fn use_app() -> AppCtx {
    expect_context::<AppCtx>()
}

#[derive(Debug)]
enum SyncError {
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

    /// Starts a sync now, or right after the one running, or when the
    /// server's requested wait is over.
    pub fn request_sync(self) {
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
        let outcome = sync_with(&db, &session.token, self.progress).await;
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
async fn sync_with(db: &LocalDb, token: &str, progress: RwSignal<Option<(u64, u64)>>) -> Result<bool, SyncError> {
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
            db.put_server_copy(m.entity, &id, copy.as_ref()).await?;
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
        let page = api::pull(token, since).await?;
        if page.reset && !was_reset {
            // The server does not know our cursor (restored backup, new
            // database): start over from its current state. The outbox was
            // pushed above and is kept regardless.
            db.reset_cache().await?;
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
        db.apply_pull(&page.changes, page.cursor).await?;
        since = page.cursor;
        if !page.has_more {
            break;
        }
    }
    // Names for owners and authors, and the pool rules for warnings.
    if let Ok(users) = api::get::<Vec<User>>(token, "/users").await {
        db.set_users(&users).await?;
    }
    if let Ok(rules) = api::get::<PoolRules>(token, "/pool/rules").await {
        db.set_pool_rules(&rules).await?;
    }
    if let Ok(rules) = api::get::<WorkRules>(token, "/work/rules").await {
        db.set_work_rules(&rules).await?;
    }
    Ok(changed)
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
