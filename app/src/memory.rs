//! The synced records pages list, in memory and typed (the types are
//! `yingpan_shared`'s): read from IndexedDB once when the app starts, then
//! kept up to date record by record as pulls and local changes arrive, so
//! no page re-reads a whole store after one change. The customer search's
//! keys are kept here too, re-keyed per record.
//!
//! Ownership changes and merges are history shown on one customer's page,
//! and money records (quotes, contracts, receivables) are shown by
//! customer too; those pages read them from IndexedDB by customer, so they
//! are not here.

use crate::db::{DbResult, LocalDb};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;
use yingpan_shared::activity::Activity;
use yingpan_shared::conflict::Conflict;
use yingpan_shared::contact::Contact;
use yingpan_shared::customer::Customer;
use yingpan_shared::dedup::DuplicateFlag;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pipeline::{Lead, Opportunity};
use yingpan_shared::pool::PoolEntry;
use yingpan_shared::search::CustomerSearch;

/// The kinds kept in memory.
pub const KEPT: [EntityKind; 8] = [
    EntityKind::Customer,
    EntityKind::Contact,
    EntityKind::Activity,
    EntityKind::Opportunity,
    EntityKind::Lead,
    EntityKind::PoolEntry,
    EntityKind::Conflict,
    EntityKind::Duplicate,
];

/// One synced record, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Customer(Customer),
    Contact(Contact),
    Activity(Activity),
    Opportunity(Opportunity),
    Lead(Lead),
    PoolEntry(PoolEntry),
    Conflict(Conflict),
    Duplicate(DuplicateFlag),
}

impl Record {
    /// Decodes a record of `kind` from its JSON; `None` for a kind not kept
    /// in memory.
    pub fn decode(kind: EntityKind, json: &str) -> Option<Result<Record, serde_json::Error>> {
        fn as_<T: DeserializeOwned>(json: &str, wrap: fn(T) -> Record) -> Result<Record, serde_json::Error> {
            serde_json::from_str(json).map(wrap)
        }
        Some(match kind {
            EntityKind::Customer => as_(json, Record::Customer),
            EntityKind::Contact => as_(json, Record::Contact),
            EntityKind::Activity => as_(json, Record::Activity),
            EntityKind::Opportunity => as_(json, Record::Opportunity),
            EntityKind::Lead => as_(json, Record::Lead),
            EntityKind::PoolEntry => as_(json, Record::PoolEntry),
            EntityKind::Conflict => as_(json, Record::Conflict),
            EntityKind::Duplicate => as_(json, Record::Duplicate),
            // History and money are read by customer from IndexedDB.
            _ => return None,
        })
    }

    /// A record of `kind` from its JSON, for memory: `None` for a kind not
    /// kept there, or for a record that does not decode (said in the
    /// console; IndexedDB still holds it).
    pub fn read(kind: EntityKind, json: &str) -> Option<Record> {
        match Record::decode(kind, json)? {
            Ok(record) => Some(record),
            Err(e) => {
                web_sys::console::warn_1(&format!("a cached {kind} could not be read: {e}").into());
                None
            }
        }
    }

    /// Decodes a record this device made or holds as fields.
    pub fn from_fields(kind: EntityKind, fields: &FieldMap) -> Option<Result<Record, serde_json::Error>> {
        let json = serde_json::to_string(fields).ok()?;
        Record::decode(kind, &json)
    }

    /// The customer a child record belongs to.
    fn parent(&self) -> Option<Uuid> {
        match self {
            Record::Contact(c) => Some(c.customer_id),
            Record::Activity(a) => Some(a.customer_id),
            Record::Opportunity(o) => Some(o.customer_id),
            Record::Conflict(c) => Some(c.customer_id),
            Record::Duplicate(d) => Some(d.customer_id),
            Record::Customer(_) | Record::Lead(_) | Record::PoolEntry(_) => None,
        }
    }
}

/// A change to apply: the record as it now is, `None` when it is gone.
pub struct Update {
    pub kind: EntityKind,
    pub id: Uuid,
    pub record: Option<Record>,
}

/// Every kept record, by kind and id; ids are UUIDv7, so iterating a map
/// backwards goes newest first.
#[derive(Default)]
pub struct Memory {
    pub customers: BTreeMap<Uuid, Customer>,
    pub contacts: BTreeMap<Uuid, Contact>,
    pub activities: BTreeMap<Uuid, Activity>,
    pub opportunities: BTreeMap<Uuid, Opportunity>,
    pub leads: BTreeMap<Uuid, Lead>,
    pub pool: BTreeMap<Uuid, PoolEntry>,
    pub conflicts: BTreeMap<Uuid, Conflict>,
    pub duplicates: BTreeMap<Uuid, DuplicateFlag>,
    /// The customer search over `customers` and `contacts`. Records read
    /// at start are keyed afterwards, a batch at a time ([`Memory::index_some`]),
    /// so the app shows Today without waiting for it; changes arriving
    /// later are keyed at once.
    pub search: CustomerSearch,
    /// Records read at start and not yet keyed: customers newest first,
    /// then contacts.
    unindexed: Vec<(EntityKind, Uuid)>,
    /// Each customer's child records, to drop them with it.
    children: HashMap<Uuid, HashSet<(EntityKind, Uuid)>>,
    /// The cache's write count these records are at (see
    /// `LocalDb::generation`).
    pub generation: u64,
}

impl Memory {
    /// Reads every kept store from IndexedDB.
    pub async fn load(db: &LocalDb) -> DbResult<Memory> {
        let (generation, stores) = db.read_all(&KEPT).await?;
        let mut memory = Memory {
            generation,
            ..Memory::default()
        };
        for (kind, json) in stores {
            let Ok(raw) = serde_json::from_str::<Vec<&RawValue>>(&json) else {
                continue;
            };
            for record in raw.iter().filter_map(|r| Record::read(kind, r.get())) {
                memory.insert(record);
            }
        }
        // Popped from the end: contacts last, customers newest first.
        let contacts = memory.contacts.keys().rev().map(|id| (EntityKind::Contact, *id));
        let customers = memory.customers.keys().map(|id| (EntityKind::Customer, *id));
        memory.unindexed = contacts.chain(customers).collect();
        Ok(memory)
    }

    /// Keys up to `n` of the records read at start; returns how many are
    /// left.
    pub fn index_some(&mut self, n: usize) -> usize {
        for _ in 0..n {
            let Some((kind, id)) = self.unindexed.pop() else { break };
            match kind {
                EntityKind::Customer => {
                    if let Some(c) = self.customers.get(&id) {
                        self.search.put_customer(c);
                    }
                }
                _ => {
                    if let Some(c) = self.contacts.get(&id) {
                        self.search.put_contact(c);
                    }
                }
            }
        }
        self.unindexed.len()
    }

    /// How many records read at start are not yet searchable.
    pub fn unindexed(&self) -> usize {
        self.unindexed.len()
    }

    /// The ids of one customer's records of `kind`, oldest first.
    fn children_of(&self, customer: Uuid, kind: EntityKind) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .children
            .get(&customer)
            .into_iter()
            .flatten()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// One customer's contacts, oldest first.
    pub fn contacts_of(&self, customer: Uuid) -> Vec<Contact> {
        let ids = self.children_of(customer, EntityKind::Contact);
        ids.iter().filter_map(|id| self.contacts.get(id)).cloned().collect()
    }

    /// One customer's activities, oldest first.
    pub fn activities_of(&self, customer: Uuid) -> Vec<Activity> {
        let ids = self.children_of(customer, EntityKind::Activity);
        ids.iter().filter_map(|id| self.activities.get(id)).cloned().collect()
    }

    /// One customer's opportunities, oldest first.
    pub fn opportunities_of(&self, customer: Uuid) -> Vec<Opportunity> {
        let ids = self.children_of(customer, EntityKind::Opportunity);
        ids.iter()
            .filter_map(|id| self.opportunities.get(id))
            .cloned()
            .collect()
    }

    /// Applies changes, each on its own record only, written to IndexedDB
    /// as its write `generation`. Returns false when that write was not the
    /// next one after what memory holds (another tab wrote in between, say):
    /// memory is then behind IndexedDB and must be read again.
    pub fn apply_at(&mut self, generation: u64, updates: impl IntoIterator<Item = Update>) -> bool {
        self.apply(updates);
        // At or before what memory holds: a write it already has (replayed
        // after the start-up read). One past it: the next write. Further:
        // writes were missed, and the count stays put, so no view saved
        // from this memory passes for current.
        if generation > self.generation + 1 {
            return false;
        }
        self.generation = self.generation.max(generation);
        true
    }

    /// Applies changes, each on its own record only.
    pub fn apply(&mut self, updates: impl IntoIterator<Item = Update>) {
        for u in updates {
            match u.record {
                Some(record) => {
                    // A record that moved to another customer leaves the old one.
                    self.remove(u.kind, u.id, false);
                    self.put(record);
                }
                None => self.remove(u.kind, u.id, true),
            }
        }
    }

    /// Holds a record and keys it for the search.
    fn put(&mut self, record: Record) {
        match &record {
            Record::Customer(c) => self.search.put_customer(c),
            Record::Contact(c) => self.search.put_contact(c),
            _ => {}
        }
        self.insert(record);
    }

    /// Holds a record (a customer or contact is keyed separately).
    fn insert(&mut self, record: Record) {
        if let Some(parent) = record.parent() {
            let key = (kind_of(&record), id_of(&record));
            self.children.entry(parent).or_default().insert(key);
        }
        match record {
            Record::Customer(c) => {
                self.customers.insert(c.id, c);
            }
            Record::Contact(c) => {
                self.contacts.insert(c.id, c);
            }
            Record::Activity(a) => {
                self.activities.insert(a.id, a);
            }
            Record::Opportunity(o) => {
                self.opportunities.insert(o.id, o);
            }
            Record::Lead(l) => {
                self.leads.insert(l.id, l);
            }
            Record::PoolEntry(p) => {
                self.pool.insert(p.id, p);
            }
            Record::Conflict(c) => {
                self.conflicts.insert(c.id, c);
            }
            Record::Duplicate(d) => {
                self.duplicates.insert(d.id, d);
            }
        }
    }

    /// Forgets a record; a customer `gone` from this device takes its
    /// children with it (as IndexedDB does).
    fn remove(&mut self, kind: EntityKind, id: Uuid, gone: bool) {
        let parent = match kind {
            EntityKind::Customer => {
                self.customers.remove(&id);
                if gone {
                    // Re-keyed in place otherwise, its contacts' keys kept.
                    self.search.remove_customer(id);
                    for (kind, child) in self.children.remove(&id).unwrap_or_default() {
                        self.remove(kind, child, false);
                    }
                }
                None
            }
            EntityKind::Contact => {
                self.search.remove_contact(id);
                self.contacts.remove(&id).map(|c| c.customer_id)
            }
            EntityKind::Activity => self.activities.remove(&id).map(|a| a.customer_id),
            EntityKind::Opportunity => self.opportunities.remove(&id).map(|o| o.customer_id),
            EntityKind::Conflict => self.conflicts.remove(&id).map(|c| c.customer_id),
            EntityKind::Duplicate => self.duplicates.remove(&id).map(|d| d.customer_id),
            EntityKind::Lead => {
                self.leads.remove(&id);
                None
            }
            EntityKind::PoolEntry => {
                self.pool.remove(&id);
                None
            }
            // Not kept here (see `KEPT`).
            _ => None,
        };
        if let Some(parent) = parent {
            if let Some(set) = self.children.get_mut(&parent) {
                set.remove(&(kind, id));
            }
        }
    }
}

fn kind_of(record: &Record) -> EntityKind {
    match record {
        Record::Customer(_) => EntityKind::Customer,
        Record::Contact(_) => EntityKind::Contact,
        Record::Activity(_) => EntityKind::Activity,
        Record::Opportunity(_) => EntityKind::Opportunity,
        Record::Lead(_) => EntityKind::Lead,
        Record::PoolEntry(_) => EntityKind::PoolEntry,
        Record::Conflict(_) => EntityKind::Conflict,
        Record::Duplicate(_) => EntityKind::Duplicate,
    }
}

fn id_of(record: &Record) -> Uuid {
    match record {
        Record::Customer(r) => r.id,
        Record::Contact(r) => r.id,
        Record::Activity(r) => r.id,
        Record::Opportunity(r) => r.id,
        Record::Lead(r) => r.id,
        Record::PoolEntry(r) => r.id,
        Record::Conflict(r) => r.id,
        Record::Duplicate(r) => r.id,
    }
}

#[cfg(all(test, feature = "bench"))]
mod bench;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::LocalDb;
    use serde_json::json;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
    use yingpan_shared::search::Query;
    use yingpan_shared::sync::Op;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Ids in creation order: `id(2)` is newer than `id(1)`.
    fn id(n: u128) -> Uuid {
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
    }

    fn page(changes: serde_json::Value, cursor: i64) -> String {
        json!({"changes": changes, "cursor": cursor, "has_more": false}).to_string()
    }

    fn names(m: &Memory, typed: &str) -> Vec<String> {
        m.search
            .find(&Query::parse(typed), 10)
            .hits
            .iter()
            .map(|h| m.customers[&h.customer].name.as_str().to_owned())
            .collect()
    }

    /// What a pull applies to memory is what a restart reads back.
    async fn pull(db: &LocalDb, memory: &mut Memory, text: &str) {
        let page = crate::sync::parse_page(text).ok().unwrap();
        let (updates, generation) = crate::sync::store_page(db, &page, text).await.unwrap();
        memory.apply_at(generation, updates);
        let reloaded = Memory::load(db).await.unwrap();
        assert_eq!(
            reloaded.generation, memory.generation,
            "memory is at the cache's last write"
        );
        assert_eq!(reloaded.customers, memory.customers);
        assert_eq!(reloaded.contacts, memory.contacts);
        assert_eq!(reloaded.activities, memory.activities);
    }

    #[wasm_bindgen_test]
    async fn pulled_changes_update_only_their_records_and_match_a_restart() {
        let db = LocalDb::open(&format!("test-{}", crate::ids::new_id())).await.unwrap();
        let mut memory = Memory::default();
        let (a, b, contact, visit) = (id(1), id(2), id(3), id(4));
        let first = page(
            json!([
                {"entity": "customer", "id": a, "seq": 1, "data": {"id": a, "name": "北京华信科技有限公司"}},
                {"entity": "customer", "id": b, "seq": 2, "data": {"id": b, "name": "上海华新贸易有限公司"}},
                {"entity": "contact", "id": contact, "seq": 3,
                 "data": {"id": contact, "customer_id": a, "name": "赵敏"}},
                {"entity": "activity", "id": visit, "seq": 4,
                 "data": {"id": visit, "customer_id": a, "content": "拜访", "at": "2026-12-01T02:00:00Z"}},
                // History kept in IndexedDB only.
                {"entity": "ownership", "id": id(5), "seq": 5,
                 "data": {"id": id(5), "customer_id": a}}
            ]),
            5,
        );
        pull(&db, &mut memory, &first).await;
        assert_eq!(names(&memory, "zhaomin"), ["北京华信科技有限公司"]);
        assert_eq!(
            names(&memory, "huaxin"),
            ["上海华新贸易有限公司", "北京华信科技有限公司"]
        );

        // A rename re-keys that customer; the other stays as it was.
        let renamed = page(
            json!([{"entity": "customer", "id": b, "seq": 6, "data": {"id": b, "name": "杭州恒达机械有限公司"}}]),
            6,
        );
        pull(&db, &mut memory, &renamed).await;
        assert_eq!(names(&memory, "huaxin"), ["北京华信科技有限公司"]);
        assert_eq!(names(&memory, "hzhd"), ["杭州恒达机械有限公司"]);
        // A change to a customer with a contact keeps the contact findable.
        let touched = page(
            json!([{"entity": "customer", "id": a, "seq": 7, "data": {"id": a, "name": "北京华信科技股份有限公司"}}]),
            7,
        );
        pull(&db, &mut memory, &touched).await;
        assert_eq!(names(&memory, "zhaomin"), ["北京华信科技股份有限公司"]);

        // A customer gone from this device takes its contact and visit.
        let gone = page(json!([{"entity": "customer", "id": a, "seq": 8, "data": null}]), 8);
        pull(&db, &mut memory, &gone).await;
        assert!(memory.contacts.is_empty() && memory.activities.is_empty());
        assert!(names(&memory, "zhaomin").is_empty());
        assert_eq!(memory.search.len(), 1);
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn pulled_history_kept_only_in_indexeddb_is_still_reported_as_changed() {
        let db = LocalDb::open(&format!("test-{}", crate::ids::new_id())).await.unwrap();
        let (customer, merge) = (id(1), id(2));
        let text = page(
            json!([{"entity": "merge", "id": merge, "seq": 1, "data": {
                "id": merge, "customer_id": customer, "merged_id": id(3), "merged_name": "华信",
                "by": id(4), "at": "2026-12-01T02:00:00Z", "undone_at": "2026-12-02T02:00:00Z"}}]),
            1,
        );
        let parsed = crate::sync::parse_page(&text).ok().unwrap();
        let (updates, _) = crate::sync::store_page(&db, &parsed, &text).await.unwrap();
        let kinds: Vec<EntityKind> = updates.iter().map(|u| u.kind).collect();
        assert_eq!(kinds, [EntityKind::Merge]);
        let held: Vec<yingpan_shared::dedup::MergeRecord> =
            db.children_of(EntityKind::Merge, &customer.to_string()).await.unwrap();
        assert!(held[0].undone_at.is_some());
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_record_with_a_change_waiting_keeps_its_local_version_in_memory_too() {
        let db = LocalDb::open(&format!("test-{}", crate::ids::new_id())).await.unwrap();
        let mut memory = Memory::default();
        let id = id(1);
        let local = json!({"id": id, "name": "本地修改"}).as_object().unwrap().clone();
        db.record_change(
            EntityKind::Customer,
            &id.to_string(),
            Op::Create { fields: local.clone() },
            Some(&local),
        )
        .await
        .unwrap();
        memory.apply([Update {
            kind: EntityKind::Customer,
            id,
            record: Record::from_fields(EntityKind::Customer, &local).and_then(Result::ok),
        }]);
        let stale = page(
            json!([{"entity": "customer", "id": id, "seq": 1, "data": {"id": id, "name": "服务器旧值"}}]),
            1,
        );
        pull(&db, &mut memory, &stale).await;
        assert_eq!(memory.customers[&id].name.as_str(), "本地修改");
        db.delete().await.unwrap();
    }

    #[wasm_bindgen_test]
    fn a_contact_moved_to_another_customer_leaves_the_first() {
        let mut memory = Memory::default();
        let (a, b, contact) = (id(1), id(2), id(3));
        let record = |kind, v: serde_json::Value| Record::decode(kind, &v.to_string()).unwrap().unwrap();
        let put = |kind, id, v| Update {
            kind,
            id,
            record: Some(record(kind, v)),
        };
        memory.apply([
            put(
                EntityKind::Customer,
                a,
                json!({"id": a, "name": "北京华信科技有限公司"}),
            ),
            put(
                EntityKind::Customer,
                b,
                json!({"id": b, "name": "上海华新贸易有限公司"}),
            ),
            put(
                EntityKind::Contact,
                contact,
                json!({"id": contact, "customer_id": a, "name": "赵敏"}),
            ),
            put(
                EntityKind::Contact,
                contact,
                json!({"id": contact, "customer_id": b, "name": "赵敏"}),
            ),
        ]);
        assert_eq!(names(&memory, "zhaomin"), ["上海华新贸易有限公司"]);
        // The first customer leaving does not take the contact that moved.
        memory.apply([Update {
            kind: EntityKind::Customer,
            id: a,
            record: None,
        }]);
        assert_eq!(memory.contacts.len(), 1);
    }
}
