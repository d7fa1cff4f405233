//! The app's IndexedDB: one store per synced entity, the outbox of local
//! changes not yet acknowledged by the server, and a meta store (session,
//! client id, next mutation number, pull cursor). Every multi-step change
//! happens in one transaction that is committed explicitly, so a closed tab
//! leaves either all of it or none.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyPath;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::money::print::PrintTemplates;
use yingpan_shared::pool::PoolRules;
use yingpan_shared::rules::WorkRules;
#[cfg(test)]
use yingpan_shared::sync::Change;
use yingpan_shared::sync::{Cursor, Mutation, Op};
use yingpan_shared::user::User;

pub const DB_NAME: &str = "yingpan";
const DB_VERSION: u32 = 7;
const OUTBOX: &str = "outbox";
const META: &str = "meta";
/// Visit photos waiting to be uploaded.
const PHOTOS: &str = "photos";
/// Index of child records (contacts, activities) by their customer.
const BY_CUSTOMER: &str = "by_customer";

const META_SESSION: &str = "session";
const META_CLIENT: &str = "client_id";
const META_NEXT_SEQ: &str = "next_seq";
const META_CURSOR: &str = "cursor";
const META_ISSUES: &str = "sync_issues";
const META_USERS: &str = "users";
const META_POOL_RULES: &str = "pool_rules";
const META_WORK_RULES: &str = "work_rules";
const META_OPEN_VISIT: &str = "open_visit";
const META_PRINT_TEMPLATES: &str = "print_templates";
/// Counts the writes to the cached records: every transaction that changes
/// one adds one, so a view saved with the count it was computed at is known
/// to be current while the count has not moved.
const META_GENERATION: &str = "generation";
/// The Today view last computed, with what it was computed from.
const META_TODAY: &str = "today";

/// The entity stores each schema version added.
const STORES_V1: [EntityKind; 4] = [
    EntityKind::Customer,
    EntityKind::Contact,
    EntityKind::Activity,
    EntityKind::Conflict,
];
const STORES_V2: [EntityKind; 2] = [EntityKind::Ownership, EntityKind::PoolEntry];
const STORES_V3: [EntityKind; 1] = [EntityKind::Duplicate];
const STORES_V4: [EntityKind; 1] = [EntityKind::Merge];
const STORES_V5: [EntityKind; 2] = [EntityKind::Opportunity, EntityKind::Lead];
const STORES_V6: [EntityKind; 9] = [
    EntityKind::Product,
    EntityKind::Quote,
    EntityKind::Contract,
    EntityKind::Delivery,
    EntityKind::Installment,
    EntityKind::Receipt,
    EntityKind::Allocation,
    EntityKind::Credit,
    EntityKind::Print,
];
const STORES_V7: [EntityKind; 1] = [EntityKind::Dunning];

/// A local change recorded: its place in the outbox, and the cache's write
/// count after it.
pub struct Recorded {
    pub seq: u64,
    pub generation: u64,
}

/// A pulled page written: the positions of the changes written (those of
/// records with no local change waiting), and the cache's write count.
pub struct Applied {
    pub written: Vec<usize>,
    pub generation: u64,
}

/// A pulled change on its way into IndexedDB: the record as the browser
/// parsed it (`None`: gone from this device).
pub struct Incoming {
    pub entity: EntityKind,
    pub id: Uuid,
    pub data: Option<JsValue>,
}

impl Incoming {
    /// From a change built in Rust (tests and benches).
    #[cfg(test)]
    pub fn of(change: &Change) -> Incoming {
        Incoming {
            entity: change.entity,
            id: change.id,
            data: change
                .data
                .as_ref()
                .map(|d| js_sys::JSON::parse(&serde_json::to_string(d).unwrap()).unwrap()),
        }
    }

    #[cfg(test)]
    pub fn all(changes: &[Change]) -> Vec<Incoming> {
        changes.iter().map(Incoming::of).collect()
    }
}

fn js_error(e: JsValue) -> DbError {
    DbError(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| format!("{e:?}")),
    )
}

/// A storage failure, as text fit to show.
#[derive(Clone, Debug, PartialEq)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "local storage: {}", self.0)
    }
}

impl From<indexed_db_futures::error::Error> for DbError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        DbError(e.to_string())
    }
}

impl From<indexed_db_futures::error::OpenDbError> for DbError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        DbError(e.to_string())
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Who is signed in on this device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    /// The server asks for a new password before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// A stamped visit photo kept on the phone until the server has it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingPhoto {
    pub id: String,
    /// The visit (activity) it belongs to.
    pub activity_id: String,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

/// A visit checked in but not yet checked out; kept across restarts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpenVisit {
    /// The activity id the visit will be saved under.
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    /// Check-in time (RFC 3339).
    pub at: String,
    pub visit: yingpan_shared::visit::Visit,
}

/// The local database.
#[derive(Clone)]
pub struct LocalDb {
    db: Database,
}

impl LocalDb {
    pub async fn open(name: &str) -> DbResult<LocalDb> {
        Self::open_at(name, DB_VERSION).await
    }

    /// Opens the database at schema `version`, upgrading step by step from
    /// whatever version the browser holds (tests open older versions).
    async fn open_at(name: &str, version: u32) -> DbResult<LocalDb> {
        let db = Database::open(name)
            .with_version(version)
            .with_on_upgrade_needed(move |ev: VersionChangeEvent, db: Database| {
                let add_stores = |kinds: &[EntityKind]| -> Result<(), indexed_db_futures::error::Error> {
                    for kind in kinds {
                        let store = db
                            .create_object_store(kind.as_str())
                            .with_key_path(KeyPath::One("id"))
                            .build()?;
                        if let Some(parent) = kind.parent_field() {
                            store.create_index(BY_CUSTOMER, KeyPath::One(parent)).build()?;
                        }
                    }
                    Ok(())
                };
                let step = |n: u32| ev.old_version() < f64::from(n) && version >= n;
                if step(1) {
                    add_stores(&STORES_V1)?;
                    db.create_object_store(OUTBOX)
                        .with_key_path(KeyPath::One("seq"))
                        .build()?;
                    db.create_object_store(META).build()?;
                }
                if step(2) {
                    add_stores(&STORES_V2)?;
                }
                if step(3) {
                    add_stores(&STORES_V3)?;
                }
                if step(4) {
                    add_stores(&STORES_V4)?;
                }
                if step(5) {
                    add_stores(&STORES_V5)?;
                    db.create_object_store(PHOTOS)
                        .with_key_path(KeyPath::One("id"))
                        .build()?;
                }
                if step(6) {
                    add_stores(&STORES_V6)?;
                }
                if step(7) {
                    add_stores(&STORES_V7)?;
                }
                Ok(())
            })
            .await?;
        Ok(LocalDb { db })
    }

    /// Closes and deletes the database (tests use a fresh one each).
    #[cfg(test)]
    pub async fn delete(self) -> DbResult<()> {
        self.db.delete()?.await?;
        Ok(())
    }

    /// Counts one more write to the cached records, inside the writing
    /// transaction; returns the new count.
    async fn next_generation(meta: &ObjectStore<'_>) -> DbResult<u64> {
        let generation: u64 = meta.get(META_GENERATION).serde()?.await?.unwrap_or(0) + 1;
        meta.put(&generation)
            .with_key(META_GENERATION.to_owned())
            .serde()?
            .await?;
        Ok(generation)
    }

    /// How many writes the cached records have had (see [`META_GENERATION`]).
    pub async fn generation(&self) -> DbResult<u64> {
        Ok(self.meta(META_GENERATION).await?.unwrap_or(0))
    }

    /// The Today view as last saved, whatever it was computed from.
    pub async fn today_snapshot<T: DeserializeOwned>(&self) -> DbResult<Option<T>> {
        self.meta(META_TODAY).await
    }

    /// Saves a Today view computed from the records as they were at
    /// `generation`, unless they have been written since.
    pub async fn set_today_snapshot<T: Serialize>(&self, generation: u64, view: &T) -> DbResult<bool> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let now: u64 = meta.get(META_GENERATION).serde()?.await?.unwrap_or(0);
        if now != generation {
            return Ok(false);
        }
        meta.put(view).with_key(META_TODAY.to_owned()).serde()?.await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn meta<T: DeserializeOwned>(&self, key: &str) -> DbResult<Option<T>> {
        let tx = self.db.transaction(META).build()?;
        let store = tx.object_store(META)?;
        Ok(store.get(key).serde()?.await?)
    }

    async fn set_meta<T: Serialize>(&self, key: &str, value: &T) -> DbResult<()> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?
            .put(value)
            .with_key(key.to_owned())
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn session(&self) -> DbResult<Option<Session>> {
        self.meta(META_SESSION).await
    }

    /// Starts a session. Data cached for a different user is dropped first,
    /// so one person never sees another's customers on a shared device.
    pub async fn start_session(&self, session: &Session) -> DbResult<()> {
        let previous: Option<String> = self.meta("user_id").await?;
        if previous.is_some_and(|p| p != session.user.id.to_string()) {
            self.clear_all().await?;
        }
        self.set_meta("user_id", &session.user.id.to_string()).await?;
        self.set_meta(META_SESSION, session).await
    }

    /// Forgets the session but keeps the cache and the outbox, so signing
    /// back in as the same person loses nothing.
    pub async fn end_session(&self) -> DbResult<()> {
        let tx = self
            .db
            .transaction(META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(META)?.delete(META_SESSION).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Empties every store.
    pub async fn clear_all(&self) -> DbResult<()> {
        let mut names: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
        names.extend([OUTBOX, META, PHOTOS]);
        let tx = self
            .db
            .transaction(names.clone())
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        for name in names {
            tx.object_store(name)?.clear()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Everyone's names and roles, as last fetched.
    pub async fn users(&self) -> DbResult<Vec<User>> {
        Ok(self.meta(META_USERS).await?.unwrap_or_default())
    }

    pub async fn set_users(&self, users: &[User]) -> DbResult<()> {
        self.set_meta(META_USERS, &users).await
    }

    /// The pool rules, as last fetched (defaults before the first sync).
    pub async fn pool_rules(&self) -> DbResult<PoolRules> {
        Ok(self.meta(META_POOL_RULES).await?.unwrap_or_default())
    }

    pub async fn set_pool_rules(&self, rules: &PoolRules) -> DbResult<()> {
        self.set_meta(META_POOL_RULES, rules).await
    }

    /// Check-in radius, quiet days and pipeline stages, as last fetched.
    pub async fn work_rules(&self) -> DbResult<WorkRules> {
        Ok(self.meta(META_WORK_RULES).await?.unwrap_or_default())
    }

    pub async fn set_work_rules(&self, rules: &WorkRules) -> DbResult<()> {
        self.set_meta(META_WORK_RULES, rules).await
    }

    /// The company's print templates and letterhead, as last fetched.
    pub async fn print_templates(&self) -> DbResult<PrintTemplates> {
        Ok(self.meta(META_PRINT_TEMPLATES).await?.unwrap_or_default())
    }

    /// Keeps the templates as the server sent them: the sync loop does not
    /// read them (their type loads with the pages that print).
    pub async fn set_print_templates(&self, templates: &serde_json::Value) -> DbResult<()> {
        self.set_meta(META_PRINT_TEMPLATES, templates).await
    }

    /// The visit checked in and not yet checked out, if any.
    pub async fn open_visit(&self) -> DbResult<Option<OpenVisit>> {
        self.meta(META_OPEN_VISIT).await
    }

    pub async fn set_open_visit(&self, visit: Option<&OpenVisit>) -> DbResult<()> {
        match visit {
            Some(v) => self.set_meta(META_OPEN_VISIT, v).await,
            None => {
                let tx = self
                    .db
                    .transaction(META)
                    .with_mode(TransactionMode::Readwrite)
                    .build()?;
                tx.object_store(META)?.delete(META_OPEN_VISIT).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Keeps a photo until it is uploaded.
    pub async fn put_photo(&self, photo: &PendingPhoto) -> DbResult<()> {
        let tx = self
            .db
            .transaction(PHOTOS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(PHOTOS)?.put(photo).serde()?.await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn photo(&self, id: &str) -> DbResult<Option<PendingPhoto>> {
        let tx = self.db.transaction(PHOTOS).build()?;
        Ok(tx.object_store(PHOTOS)?.get(id).serde()?.await?)
    }

    /// Photos not yet uploaded.
    pub async fn pending_photos(&self) -> DbResult<Vec<PendingPhoto>> {
        let tx = self.db.transaction(PHOTOS).build()?;
        Ok(tx
            .object_store(PHOTOS)?
            .get_all::<PendingPhoto>()
            .serde()?
            .await?
            .collect::<Result<_, _>>()?)
    }

    /// Forgets an uploaded (or refused) photo.
    pub async fn remove_photo(&self, id: &str) -> DbResult<()> {
        let tx = self
            .db
            .transaction(PHOTOS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(PHOTOS)?.delete(id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// This device's client id, made on first use.
    pub async fn client_id(&self, fresh: impl FnOnce() -> String) -> DbResult<String> {
        if let Some(id) = self.meta::<String>(META_CLIENT).await? {
            return Ok(id);
        }
        let id = fresh();
        self.set_meta(META_CLIENT, &id).await?;
        Ok(id)
    }

    pub async fn cursor(&self) -> DbResult<Cursor> {
        Ok(self.meta(META_CURSOR).await?.unwrap_or(0))
    }

    /// Every record of `kind` (the products, say).
    pub async fn all<T: serde::de::DeserializeOwned>(&self, kind: EntityKind) -> DbResult<Vec<T>> {
        let tx = self.db.transaction(kind.as_str()).build()?;
        let store = tx.object_store(kind.as_str())?;
        Ok(store.get_all::<T>().serde()?.await?.collect::<Result<_, _>>()?)
    }

    pub async fn get(&self, kind: EntityKind, id: &str) -> DbResult<Option<FieldMap>> {
        let tx = self.db.transaction(kind.as_str()).build()?;
        Ok(tx.object_store(kind.as_str())?.get(id).serde()?.await?)
    }

    /// The child records of `kind` (ownership changes, merges) of one
    /// customer.
    pub async fn children_of<T: serde::de::DeserializeOwned>(
        &self,
        kind: EntityKind,
        customer_id: &str,
    ) -> DbResult<Vec<T>> {
        let name = kind.as_str();
        let tx = self.db.transaction(name).build()?;
        let store = tx.object_store(name)?;
        let index = store.index(BY_CUSTOMER)?;
        Ok(index
            .get_all::<T>()
            .with_query(customer_id)
            .serde()?
            .await?
            .collect::<Result<_, _>>()?)
    }

    /// Records a local change: queues it in the outbox under the next
    /// sequence number and applies it to the cache, in one transaction.
    /// `local` is the record as it should now look (`None` removes it).
    pub async fn record_change(
        &self,
        entity: EntityKind,
        id: &str,
        op: Op,
        local: Option<&FieldMap>,
    ) -> DbResult<Recorded> {
        let tx = self
            .db
            .transaction([META, OUTBOX, entity.as_str()])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(META)?;
        let seq: u64 = meta.get(META_NEXT_SEQ).serde()?.await?.unwrap_or(1);
        let mutation = Mutation {
            seq,
            entity,
            id: id.parse().map_err(|_| DbError(format!("bad record id {id}")))?,
            op,
        };
        tx.object_store(OUTBOX)?.put(&mutation).serde()?.await?;
        let records = tx.object_store(entity.as_str())?;
        match local {
            Some(record) => records.put(record).serde()?.await?,
            None => records.delete(id).await?,
        }
        meta.put(&(seq + 1)).with_key(META_NEXT_SEQ.to_owned()).serde()?.await?;
        let generation = Self::next_generation(&meta).await?;
        tx.commit().await?;
        Ok(Recorded { seq, generation })
    }

    /// Queued mutations, oldest first.
    pub async fn outbox(&self) -> DbResult<Vec<Mutation>> {
        let tx = self.db.transaction(OUTBOX).build()?;
        let store = tx.object_store(OUTBOX)?;
        Ok(store.get_all::<Mutation>().serde()?.await?.collect::<Result<_, _>>()?)
    }

    pub async fn outbox_len(&self) -> DbResult<u32> {
        self.count_in(OUTBOX).await
    }

    /// How many photos wait for an upload.
    pub async fn photos_waiting(&self) -> DbResult<u32> {
        self.count_in(PHOTOS).await
    }

    /// How many records of `kind` are cached.
    #[cfg(test)]
    pub async fn count(&self, kind: EntityKind) -> DbResult<u32> {
        self.count_in(kind.as_str()).await
    }

    async fn count_in(&self, store: &str) -> DbResult<u32> {
        let tx = self.db.transaction(store).build()?;
        Ok(tx.object_store(store)?.count().await?)
    }

    /// Drops mutations the server has answered for.
    pub async fn acknowledge(&self, seqs: &[u64]) -> DbResult<()> {
        let tx = self
            .db
            .transaction(OUTBOX)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(OUTBOX)?;
        for seq in seqs {
            store.delete(*seq as f64).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes one page of pulled changes and the new cursor together, and
    /// returns the positions of the changes written. Records with local
    /// changes still in the outbox keep their local version: the server's
    /// merged version arrives after the push. Every write is issued before
    /// any is awaited, so the page costs one commit, not a round trip per
    /// record.
    pub async fn apply_pull(&self, changes: &[Incoming], cursor: Cursor) -> DbResult<Applied> {
        let mut names: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
        names.extend([OUTBOX, META]);
        let tx = self
            .db
            .transaction(names)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let pending: HashSet<Uuid> = tx
            .object_store(OUTBOX)?
            .get_all::<Mutation>()
            .serde()?
            .await?
            .map(|m| m.map(|m| m.id))
            .collect::<Result<_, _>>()?;
        let mut stores = HashMap::new();
        let mut written = Vec::with_capacity(changes.len());
        for (i, change) in changes.iter().enumerate() {
            let store = match stores.entry(change.entity) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(tx.object_store(change.entity.as_str())?),
            };
            match &change.data {
                Some(_) if pending.contains(&change.id) => continue,
                Some(data) => {
                    // Issued now, not awaited: the commit below waits for all.
                    drop(store.put(data).primitive()?);
                }
                None => {
                    let id = change.id.to_string();
                    drop(store.delete(id.as_str()).primitive()?);
                    // Gone or no longer ours: nothing pending for it can be
                    // pushed any more, and its children go with it.
                    if change.entity == EntityKind::Customer {
                        for kind in EntityKind::ALL.into_iter().filter(|k| k.parent_field().is_some()) {
                            let children = tx.object_store(kind.as_str())?;
                            let keys: Vec<String> = children
                                .index(BY_CUSTOMER)?
                                .get_all_keys::<String>()
                                .with_query(id.as_str())
                                .await?
                                .collect::<Result<_, _>>()?;
                            for key in keys {
                                drop(children.delete(key.as_str()).primitive()?);
                            }
                        }
                    }
                }
            }
            written.push(i);
        }
        let meta = tx.object_store(META)?;
        meta.put(&cursor).with_key(META_CURSOR.to_owned()).serde()?.await?;
        // A page that changed no record (a quiet sync) is not a write.
        let generation = if written.is_empty() {
            meta.get(META_GENERATION).serde()?.await?.unwrap_or(0)
        } else {
            Self::next_generation(&meta).await?
        };
        tx.commit().await?;
        Ok(Applied { written, generation })
    }

    /// Every record of each of `kinds` as one JSON array (the browser's own
    /// serializer is far quicker than converting record by record), and the
    /// write count they are at, read in one transaction.
    pub async fn read_all(&self, kinds: &[EntityKind]) -> DbResult<(u64, Vec<(EntityKind, String)>)> {
        let mut names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        names.push(META);
        let tx = self.db.transaction(names).build()?;
        let generation: u64 = tx.object_store(META)?.get(META_GENERATION).serde()?.await?.unwrap_or(0);
        let mut all = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let records = js_sys::Array::new();
            for record in tx.object_store(kind.as_str())?.get_all::<JsValue>().await? {
                records.push(&record?);
            }
            let json = js_sys::JSON::stringify(&records).map_err(js_error)?;
            all.push((*kind, json.into()));
        }
        Ok((generation, all))
    }

    /// Forgets every cached record and the cursor, keeping the outbox and the
    /// session: the next pull starts from scratch.
    pub async fn reset_cache(&self) -> DbResult<u64> {
        let mut names: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
        names.push(META);
        let tx = self
            .db
            .transaction(names)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        for kind in EntityKind::ALL {
            tx.object_store(kind.as_str())?.clear()?.await?;
        }
        let meta = tx.object_store(META)?;
        meta.delete(META_CURSOR).await?;
        let generation = Self::next_generation(&meta).await?;
        tx.commit().await?;
        Ok(generation)
    }

    /// Whether this database has ever been set up on this device (it has a
    /// client id). A browser that evicted the data loses this too.
    pub async fn is_initialised(&self) -> DbResult<bool> {
        Ok(self.meta::<String>(META_CLIENT).await?.is_some())
    }

    /// Replaces one record with the server's copy (`None`: it is gone).
    pub async fn put_server_copy(&self, kind: EntityKind, id: &str, data: Option<&FieldMap>) -> DbResult<u64> {
        let tx = self
            .db
            .transaction([kind.as_str(), META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let store = tx.object_store(kind.as_str())?;
        match data {
            Some(d) => store.put(d).serde()?.await?,
            None => store.delete(id).await?,
        }
        let generation = Self::next_generation(&tx.object_store(META)?).await?;
        tx.commit().await?;
        Ok(generation)
    }

    /// Messages about changes the server refused, until dismissed.
    pub async fn sync_issues(&self) -> DbResult<Vec<String>> {
        Ok(self.meta(META_ISSUES).await?.unwrap_or_default())
    }

    pub async fn set_sync_issues(&self, issues: &[String]) -> DbResult<()> {
        self.set_meta(META_ISSUES, &issues.to_vec()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    async fn fresh() -> LocalDb {
        LocalDb::open(&format!("test-{}", crate::ids::new_id())).await.unwrap()
    }

    #[wasm_bindgen_test]
    async fn upgrade_from_the_first_schema_keeps_cache_and_outbox_and_adds_the_pool() {
        let name = format!("test-{}", crate::ids::new_id());
        let old = LocalDb::open_at(&name, 1).await.unwrap();
        let id = crate::ids::new_id();
        create_local(&old, EntityKind::Customer, &id, &customer(&id, "升级前的客户")).await;
        old.db.close();
        let db = LocalDb::open(&name).await.unwrap();
        assert_eq!(
            db.get(EntityKind::Customer, &id).await.unwrap().unwrap()["name"],
            "升级前的客户"
        );
        assert_eq!(db.outbox_len().await.unwrap(), 1);
        let entry = crate::ids::new_id();
        let change = Change {
            entity: EntityKind::PoolEntry,
            id: entry.parse().unwrap(),
            seq: 9,
            data: Some(json!({"id": entry, "name": "公海客户"}).as_object().unwrap().clone()),
        };
        db.apply_pull(&Incoming::all(&[change]), 9).await.unwrap();
        assert_eq!(db.count(EntityKind::PoolEntry).await.unwrap(), 1);
        // Schema 5's and 6's stores are there too.
        assert_eq!(db.count(EntityKind::Opportunity).await.unwrap(), 0);
        for kind in EntityKind::MONEY {
            assert_eq!(db.count(kind).await.unwrap(), 0, "{kind}");
        }
        assert_eq!(db.photos_waiting().await.unwrap(), 0);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn upgrade_to_the_money_schema_keeps_changes_waiting_to_sync() {
        let name = format!("test-{}", crate::ids::new_id());
        let old = LocalDb::open_at(&name, 5).await.unwrap();
        let id = crate::ids::new_id();
        create_local(&old, EntityKind::Customer, &id, &customer(&id, "离线新建的客户")).await;
        old.db.close();
        let db = LocalDb::open(&name).await.unwrap();
        let waiting = db.outbox().await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].id.to_string(), id);
        let quote = crate::ids::new_id();
        let fields = json!({"id": quote, "customer_id": id, "status": "draft", "date": "2026-12-07",
                            "lines": [{"description": "液压阀", "quantity": 1000, "unit_fen": 100}]});
        create_local(&db, EntityKind::Quote, &quote, fields.as_object().unwrap()).await;
        let held: Vec<FieldMap> = db.children_of(EntityKind::Quote, &id).await.unwrap();
        assert_eq!(held.len(), 1, "quotes are found by their customer");
        assert_eq!(db.outbox_len().await.unwrap(), 2);
        db.delete().await.unwrap();
    }

    async fn create_local(db: &LocalDb, kind: EntityKind, id: &str, record: &FieldMap) {
        db.record_change(kind, id, Op::Create { fields: record.clone() }, Some(record))
            .await
            .unwrap();
    }

    fn customer(id: &str, name: &str) -> FieldMap {
        json!({"id": id, "name": name, "kind": "company"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[wasm_bindgen_test]
    async fn a_saved_view_is_current_only_until_the_next_write() {
        let db = fresh().await;
        let before = db.generation().await.unwrap();
        assert!(db.set_today_snapshot(before, &"drawn").await.unwrap());
        assert_eq!(db.today_snapshot::<String>().await.unwrap().as_deref(), Some("drawn"));
        // A write lands before a view computed without it is saved: refused.
        let id = crate::ids::new_id();
        create_local(&db, EntityKind::Customer, &id, &customer(&id, "华信")).await;
        assert!(!db.set_today_snapshot(before, &"stale").await.unwrap());
        assert_eq!(db.today_snapshot::<String>().await.unwrap().as_deref(), Some("drawn"));
        // Every kind of write counts.
        let after_change = db.generation().await.unwrap();
        assert_eq!(after_change, before + 1);
        let quiet = db.apply_pull(&Incoming::all(&[]), 3).await.unwrap().generation;
        assert_eq!(quiet, after_change, "a page that changed nothing is not a write");
        let gone = Change {
            entity: EntityKind::Customer,
            id: id.parse().unwrap(),
            seq: 4,
            data: None,
        };
        let pulled = db.apply_pull(&Incoming::all(&[gone]), 4).await.unwrap().generation;
        let copied = db.put_server_copy(EntityKind::Customer, &id, None).await.unwrap();
        let reset = db.reset_cache().await.unwrap();
        assert_eq!(
            (pulled, copied, reset),
            (after_change + 1, after_change + 2, after_change + 3)
        );
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn local_change_is_cached_and_queued_together() {
        let db = fresh().await;
        let id = crate::ids::new_id();
        let rec = customer(&id, "北京华信科技有限公司");
        let op = Op::Create { fields: rec.clone() };
        let first = db
            .record_change(EntityKind::Customer, &id, op.clone(), Some(&rec))
            .await
            .unwrap();
        let second = db
            .record_change(EntityKind::Customer, &id, op, Some(&rec))
            .await
            .unwrap();
        assert_eq!((first.seq, second.seq), (1, 2));
        assert_eq!(second.generation, first.generation + 1, "each write is counted");
        assert_eq!(db.get(EntityKind::Customer, &id).await.unwrap(), Some(rec));
        assert_eq!(db.outbox_len().await.unwrap(), 2);
        db.acknowledge(&[1]).await.unwrap();
        let left: Vec<u64> = db.outbox().await.unwrap().iter().map(|m| m.seq).collect();
        assert_eq!(left, vec![2]);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_visit_in_progress_and_its_photo_survive_until_saved_and_uploaded() {
        let db = fresh().await;
        let point = yingpan_shared::visit::GeoPoint::new(39.9087, 116.4605).unwrap();
        let open = OpenVisit {
            id: crate::ids::new_id(),
            customer_id: crate::ids::new_id(),
            customer_name: "北京华信科技有限公司".into(),
            at: "2026-11-23T02:00:00Z".into(),
            visit: yingpan_shared::visit::Visit::check_in(point, 12.0, None),
        };
        db.set_open_visit(Some(&open)).await.unwrap();
        let photo = PendingPhoto {
            id: crate::ids::new_id(),
            activity_id: open.id.clone(),
            bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9],
        };
        db.put_photo(&photo).await.unwrap();
        assert_eq!(db.open_visit().await.unwrap(), Some(open.clone()));
        assert_eq!(db.pending_photos().await.unwrap(), vec![photo.clone()]);
        assert_eq!(
            db.photo(&photo.id).await.unwrap(),
            Some(photo.clone()),
            "bytes come back as stored"
        );
        assert_eq!(db.photos_waiting().await.unwrap(), 1);
        db.set_open_visit(None).await.unwrap();
        db.remove_photo(&photo.id).await.unwrap();
        assert_eq!(db.open_visit().await.unwrap(), None);
        assert_eq!(db.photos_waiting().await.unwrap(), 0);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn pull_does_not_overwrite_records_with_pending_changes() {
        let db = fresh().await;
        let mine = crate::ids::new_id();
        let other = crate::ids::new_id();
        let local = customer(&mine, "本地修改");
        create_local(&db, EntityKind::Customer, &mine, &local).await;
        let changes = vec![
            Change {
                entity: EntityKind::Customer,
                id: mine.parse().unwrap(),
                seq: 5,
                data: Some(customer(&mine, "服务器旧值")),
            },
            Change {
                entity: EntityKind::Customer,
                id: other.parse().unwrap(),
                seq: 6,
                data: Some(customer(&other, "别人的新客户")),
            },
        ];
        db.apply_pull(&Incoming::all(&changes), 6).await.unwrap();
        assert_eq!(db.get(EntityKind::Customer, &mine).await.unwrap(), Some(local));
        assert!(db.get(EntityKind::Customer, &other).await.unwrap().is_some());
        assert_eq!(db.cursor().await.unwrap(), 6);
        // A removal deletes the cached copy.
        let gone = vec![Change {
            entity: EntityKind::Customer,
            id: other.parse().unwrap(),
            seq: 7,
            data: None,
        }];
        db.apply_pull(&Incoming::all(&gone), 7).await.unwrap();
        assert_eq!(db.get(EntityKind::Customer, &other).await.unwrap(), None);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn removed_customer_takes_its_children_but_not_others() {
        let db = fresh().await;
        let (gone, kept) = (crate::ids::new_id(), crate::ids::new_id());
        let mut changes = Vec::new();
        for (seq, customer) in [(1, &gone), (2, &kept)] {
            changes.push(Change {
                entity: EntityKind::Customer,
                id: customer.parse().unwrap(),
                seq,
                data: Some(customer_map(customer)),
            });
            let contact = crate::ids::new_id();
            changes.push(Change {
                entity: EntityKind::Contact,
                id: contact.parse().unwrap(),
                seq: seq + 10,
                data: Some(
                    json!({"id": contact, "customer_id": customer, "name": "王芳"})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
            });
        }
        db.apply_pull(&Incoming::all(&changes), 12).await.unwrap();
        let evict = vec![Change {
            entity: EntityKind::Customer,
            id: gone.parse().unwrap(),
            seq: 13,
            data: None,
        }];
        db.apply_pull(&Incoming::all(&evict), 13).await.unwrap();
        assert!(db
            .children_of::<FieldMap>(EntityKind::Contact, &gone)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            db.children_of::<FieldMap>(EntityKind::Contact, &kept)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(db.all::<FieldMap>(EntityKind::Customer).await.unwrap().len(), 1);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn reset_forgets_records_and_cursor_but_keeps_the_outbox() {
        let db = fresh().await;
        let id = crate::ids::new_id();
        let rec = customer_map(&id);
        create_local(&db, EntityKind::Customer, &id, &rec).await;
        db.apply_pull(&Incoming::all(&[]), 40).await.unwrap();
        db.reset_cache().await.unwrap();
        assert_eq!(db.cursor().await.unwrap(), 0);
        assert!(db.all::<FieldMap>(EntityKind::Customer).await.unwrap().is_empty());
        assert_eq!(db.outbox_len().await.unwrap(), 1);
        db.delete().await.unwrap();
    }

    fn customer_map(id: &str) -> FieldMap {
        customer(id, "华信")
    }

    #[wasm_bindgen_test]
    async fn contacts_are_found_by_customer() {
        let db = fresh().await;
        let customer_id = crate::ids::new_id();
        for name in ["王芳", "李伟"] {
            let id = crate::ids::new_id();
            let contact = json!({"id": id, "customer_id": customer_id, "name": name})
                .as_object()
                .unwrap()
                .clone();
            db.record_change(
                EntityKind::Contact,
                &id,
                Op::Create {
                    fields: contact.clone(),
                },
                Some(&contact),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            db.children_of::<FieldMap>(EntityKind::Contact, &customer_id)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(db
            .children_of::<FieldMap>(EntityKind::Contact, &crate::ids::new_id())
            .await
            .unwrap()
            .is_empty());
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn signing_in_as_someone_else_drops_the_previous_cache() {
        let db = fresh().await;
        let user = |name: &str| yingpan_shared::user::User {
            id: yingpan_shared::ids::UserId(crate::ids::new_id().parse().unwrap()),
            username: name.into(),
            display_name: name.into(),
            role: yingpan_shared::user::Role::Rep,
            team_id: None,
            active: true,
        };
        db.start_session(&Session {
            token: "a".into(),
            user: user("rep1"),
            must_change_password: false,
        })
        .await
        .unwrap();
        let id = crate::ids::new_id();
        let rec = customer(&id, "华信");
        create_local(&db, EntityKind::Customer, &id, &rec).await;
        db.start_session(&Session {
            token: "b".into(),
            user: user("rep2"),
            must_change_password: false,
        })
        .await
        .unwrap();
        assert!(db.all::<FieldMap>(EntityKind::Customer).await.unwrap().is_empty());
        assert_eq!(db.session().await.unwrap().unwrap().user.username, "rep2");
        db.delete().await.unwrap();
    }
}
