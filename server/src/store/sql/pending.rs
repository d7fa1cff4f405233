//! What one push has decided and not yet written: its records, kept in
//! memory in the order decided, and what their writes cause, all written
//! together when the push ends (`flush`), in a handful of statements
//! instead of several per mutation.
//!
//! The batch holds the change-stream lock (see `batch`), so the positions
//! after the head are this push's to take; they are handed out at `flush`
//! in decision order, as one write at a time would have. Everything the push
//! reads goes through here first, so a later mutation of the same push
//! sees an earlier one's record, and the duplicate check sees the
//! customers created earlier in it. Whatever reads or writes the records
//! some other way (a claim or a release moves customers in SQL) is run
//! only after a `flush`, with what was read forgotten.

use super::dedup::{
    candidates_sharing, find_candidates, index_customers, keys_of, load_policy, shares_a_key, verdict, Verdict,
};
use super::moves::{refresh_pool_entry, remove_pool_entries, reserve_seqs};
use super::pool::{note_activity, note_win};
use super::records::{record_from_row, upsert_records, write_conflicts, RecordRow};
use super::{Conn, Db, RECORD_COLUMNS};
use crate::store::columns::overlay_server_fields;
use crate::store::{Candidate, StoreResult};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;
use yingpan_shared::dedup::{CustomerKeys, DuplicatePolicy, Likeness};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::UserId;
use yingpan_shared::merge::FieldConflict;
use yingpan_shared::sync::{Mutation, Op, StoredRecord};
use yingpan_shared::user::User;

/// A record as stored, and who wrote it last.
pub(super) type Loaded = Option<(StoredRecord, String)>;

type Key = (EntityKind, Uuid);

/// Rows per multi-row statement: well under both drivers' bind limits.
const ROWS: usize = 500;
/// Most existing customers one push's duplicate checks read at once;
/// more, and each check reads its own.
const SHARED_CANDIDATES: usize = 2000;

/// A record decided on, to be written in `order` (its position is handed
/// out when the push ends, in that order).
struct Write {
    record: StoredRecord,
    author: String,
    order: u64,
    /// Whether the record was stored before this push.
    stored_before: bool,
    /// A live customer's duplicate keys, worked out once.
    keys: Option<CustomerKeys>,
}

/// What a write causes beyond the record, carried out after the records
/// are written, in the order decided.
pub(super) enum Later {
    Activity {
        customer: Uuid,
        at: i64,
    },
    Won {
        customer: Uuid,
    },
    OpenContract {
        customer: Uuid,
        open: bool,
    },
    RefreshPoolEntry {
        customer: Uuid,
        author: String,
    },
    RemovePoolEntry {
        customer: Uuid,
    },
    Conflicts {
        record: StoredRecord,
        conflicts: Vec<FieldConflict>,
        kept_by: Option<UserId>,
        lost_by: Option<UserId>,
    },
    Flag {
        customer: StoredRecord,
        existing: Candidate,
        likeness: Likeness,
        score: f32,
    },
}

#[derive(Default)]
pub(super) struct Pending {
    /// How many writes were decided, in order.
    decided: u64,
    /// Records as this push has read or decided them (`None`: not stored).
    known: HashMap<Key, Loaded>,
    writes: Vec<Write>,
    at: HashMap<Key, usize>,
    later: Vec<Later>,
    policy: Option<DuplicatePolicy>,
    /// Existing customers sharing a key with the push's new customers, read
    /// at once (`None`: too many, or not read).
    candidates: Option<Vec<Candidate>>,
    /// The keys those candidates were read for.
    read_for: Vec<CustomerKeys>,
}

impl Pending {
    /// Reads at once the records `mutations` name and the customers their
    /// new records go under, and the existing customers that new customers
    /// might duplicate.
    pub(super) async fn prefetch(&mut self, tx: &mut Conn, mutations: &[&Mutation]) -> StoreResult<()> {
        let mut wanted: BTreeMap<EntityKind, Vec<Uuid>> = BTreeMap::new();
        for m in mutations {
            wanted.entry(m.entity).or_default().push(m.id);
            if let Op::Create { fields } = &m.op {
                if let Some(parent) = fields
                    .get("customer_id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse().ok())
                {
                    wanted.entry(EntityKind::Customer).or_default().push(parent);
                }
            }
        }
        for (entity, ids) in wanted {
            self.read(tx, entity, ids).await?;
        }
        self.read_for = mutations
            .iter()
            .filter(|m| m.entity == EntityKind::Customer)
            .filter_map(|m| match &m.op {
                Op::Create { fields } => Some(keys_of(fields)),
                _ => None,
            })
            .collect();
        if !self.read_for.is_empty() {
            self.candidates = candidates_sharing(tx, &self.read_for, SHARED_CANDIDATES).await?;
        }
        Ok(())
    }

    /// Reads the records `ids` of one kind not known yet, and remembers
    /// which are not stored.
    async fn read(&mut self, tx: &mut Conn, entity: EntityKind, mut ids: Vec<Uuid>) -> StoreResult<()> {
        ids.retain(|id| !self.known.contains_key(&(entity, *id)));
        ids.sort();
        ids.dedup();
        for chunk in ids.chunks(ROWS) {
            let mut q = sqlx::QueryBuilder::<Db>::new(format!("SELECT {RECORD_COLUMNS} FROM records WHERE entity = "));
            q.push_bind(entity.as_str()).push(" AND id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.to_string());
            }
            list.push_unseparated(")");
            for id in chunk {
                self.known.insert((entity, *id), None);
            }
            for row in q.build().persistent(false).fetch_all(&mut *tx).await? {
                let (record, author) = record_from_row(&row)?;
                self.known.insert((entity, record.id), Some((record, author)));
            }
        }
        Ok(())
    }

    /// A record as this push sees it: as decided earlier in the push, or as
    /// stored.
    pub(super) async fn load(&mut self, tx: &mut Conn, entity: EntityKind, id: Uuid) -> StoreResult<Loaded> {
        if !self.known.contains_key(&(entity, id)) {
            self.read(tx, entity, vec![id]).await?;
        }
        Ok(self.known.get(&(entity, id)).cloned().flatten())
    }

    /// Decides to write `record` as `author`'s; `flush` writes it under a
    /// position after those of every write decided before it.
    pub(super) fn write(&mut self, record: StoredRecord, author: &str, now: i64) {
        self.decided += 1;
        let key = (record.entity, record.id);
        let stored_before = match self.at.get(&key) {
            Some(&i) => self.writes[i].stored_before,
            None => matches!(self.known.get(&key), Some(Some(_))),
        };
        let seen = self.as_stored(&record, stored_before, now);
        self.known.insert(key, Some((seen, author.to_owned())));
        let keys = (record.entity == EntityKind::Customer && !record.deleted).then(|| keys_of(&record.data));
        let write = Write {
            record,
            author: author.to_owned(),
            order: self.decided,
            stored_before,
            keys,
        };
        // Written twice in one push: once, as it ended up, in the later
        // place.
        match self.at.get(&key) {
            Some(&i) => self.writes[i] = write,
            None => {
                self.at.insert(key, self.writes.len());
                self.writes.push(write);
            }
        }
    }

    /// `record` as a later read in this push would find it stored: a
    /// customer with the fields the server keeps (`overlay_server_fields`)
    /// as they stand, a new one owned since `now`.
    fn as_stored(&self, record: &StoredRecord, stored_before: bool, now: i64) -> StoredRecord {
        let mut seen = record.clone();
        if record.entity != EntityKind::Customer {
            return seen;
        }
        let before = self.known.get(&(record.entity, record.id)).cloned().flatten();
        let kept = |field: &str| -> Option<i64> {
            let (r, _) = before.as_ref()?;
            let value = r.data.get(field)?.as_str()?;
            Some(chrono::DateTime::parse_from_rfc3339(value).ok()?.timestamp_millis())
        };
        let owner_since = if stored_before { kept("owner_since") } else { Some(now) };
        let owner = record.owner_id.map(|o| o.to_string());
        overlay_server_fields(
            record.entity,
            &mut seen.data,
            owner.as_deref(),
            owner_since,
            kept("last_activity_at"),
            kept("last_won_at"),
            before
                .as_ref()
                .and_then(|(r, _)| r.data.get("open_contract")?.as_bool())
                .unwrap_or(false),
        );
        seen
    }

    pub(super) fn later(&mut self, later: Later) {
        self.later.push(later);
    }

    /// The duplicate check of a customer written as `data`: against the
    /// stored customers and those decided earlier in this push.
    pub(super) async fn judge(
        &mut self,
        tx: &mut Conn,
        users: &[User],
        id: Uuid,
        keys: CustomerKeys,
    ) -> StoreResult<Verdict> {
        let stored = match &self.candidates {
            Some(read) if self.read_for.contains(&keys) => read
                .iter()
                .filter(|c| c.id != id && shares_a_key(&keys, &c.keys))
                .cloned()
                .collect(),
            _ => find_candidates(tx, &keys, Some(id), 20, false).await?,
        };
        // A customer written in this push is judged by what it is now.
        let mut candidates: Vec<Candidate> = stored
            .into_iter()
            .filter(|c| !self.at.contains_key(&(EntityKind::Customer, c.id)))
            .collect();
        for w in &self.writes {
            let Some(theirs) = &w.keys else { continue };
            if w.record.id != id && shares_a_key(&keys, theirs) {
                candidates.push(Candidate {
                    id: w.record.id,
                    owner: w.record.owner_id,
                    name: w
                        .record
                        .data
                        .get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    keys: theirs.clone(),
                });
            }
        }
        if candidates.is_empty() {
            return Ok(Verdict::Fine);
        }
        let policy = match self.policy {
            Some(policy) => policy,
            None => *self.policy.insert(load_policy(tx).await?),
        };
        Ok(verdict(&keys, candidates, policy, users))
    }

    /// Writes every record decided on, their duplicate keys and the head of
    /// the change stream, then carries out what the writes cause. What was
    /// read is forgotten: what is carried out may change it.
    pub(super) async fn flush(&mut self, tx: &mut Conn, now: i64) -> StoreResult<()> {
        let mut writes = std::mem::take(&mut self.writes);
        self.at.clear();
        self.known.clear();
        self.candidates = None;
        writes.sort_by_key(|w| w.order);
        if !writes.is_empty() {
            // The batch holds the change-stream lock: these positions become
            // visible together, after every earlier one.
            let mut before = reserve_seqs(tx, writes.len() as i64).await?;
            for chunk in writes.chunks(ROWS) {
                write_records(tx, chunk, before, now).await?;
                before += chunk.len() as i64;
            }
        }
        index_written(tx, &writes).await?;
        for later in std::mem::take(&mut self.later) {
            carry_out(tx, later, now).await?;
        }
        Ok(())
    }
}

/// Writes `writes` under the positions after `before`, in their order.
async fn write_records(tx: &mut Conn, writes: &[Write], before: i64, now: i64) -> StoreResult<()> {
    let rows: Vec<RecordRow<'_>> = writes
        .iter()
        .enumerate()
        .map(|(i, w)| RecordRow {
            entity: w.record.entity,
            id: w.record.id,
            owner: w.record.owner_id,
            parent: w.record.parent_id,
            data: &w.record.data,
            deleted: w.record.deleted,
            seq: before + 1 + i as i64,
            author: &w.author,
        })
        .collect();
    upsert_records(tx, &rows, now).await
}

/// Keeps the duplicate keys and name grams of the customers written.
async fn index_written(tx: &mut Conn, writes: &[Write]) -> StoreResult<()> {
    let customers: Vec<(uuid::Uuid, Option<&CustomerKeys>)> = writes
        .iter()
        .filter(|w| w.record.entity == EntityKind::Customer)
        .map(|w| (w.record.id, w.keys.as_ref()))
        .collect();
    index_customers(tx, &customers).await
}

async fn carry_out(tx: &mut Conn, later: Later, now: i64) -> StoreResult<()> {
    match later {
        Later::Activity { customer, at } => note_activity(tx, customer, at).await,
        Later::Won { customer } => note_win(tx, customer, now).await,
        Later::OpenContract { customer, open } => super::money::note_open_contract(tx, customer, open).await,
        Later::RefreshPoolEntry { customer, author } => refresh_pool_entry(tx, customer, now, &author).await,
        Later::RemovePoolEntry { customer } => remove_pool_entries(tx, &[customer], now).await,
        Later::Conflicts {
            record,
            conflicts,
            kept_by,
            lost_by,
        } => write_conflicts(tx, &record, &conflicts, kept_by, lost_by, now).await,
        Later::Flag {
            customer,
            existing,
            likeness,
            score,
        } => super::dedup::write_flag(tx, &customer, &existing, likeness, score, now).await,
    }
}
