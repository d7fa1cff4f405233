//! Duplicate detection: keeping each customer's normal forms and name
//! grams current as it is written, finding the candidates a new customer
//! might duplicate, and judging it by the company's policy. The rules
//! themselves are in `yingpan_shared::dedup`.

use super::merges::{merge_in, undo_merge_in};
use super::moves::lock_writes;
use super::records::write_record;
use super::{load_setting, load_users, save_setting, Backend, Conn, Db, DbRow, BEGIN_WRITE};
use crate::store::columns::{corrupt, fields_of, parse_uuid};
use crate::store::StoreResult;
use crate::store::{Candidate, Dedup, Refusal};
use sqlx::Row as _;
use yingpan_shared::access::Viewer;
use yingpan_shared::dedup::{name_grams, CustomerKeys, DuplicatePolicy, NameKey};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::sync::StoredRecord;
use yingpan_shared::user::User;

pub(super) const POLICY_KEY: &str = "duplicate_policy";

pub(super) fn keys_of(data: &FieldMap) -> CustomerKeys {
    let text = |f: &str| data.get(f).and_then(|v| v.as_str());
    CustomerKeys::of(text("name").unwrap_or_default(), text("phone"), text("email"))
}

/// Re-indexes a customer after a write (a deleted one leaves the index).
pub(super) async fn index_customer(conn: &mut Conn, id: uuid::Uuid, data: &FieldMap, deleted: bool) -> StoreResult<()> {
    let keys = (!deleted).then(|| keys_of(data));
    index_customers(conn, &[(id, keys.as_ref())]).await
}

/// Rows per statement of the bulk index: well under both drivers' bind
/// limits.
const INDEX_ROWS: usize = 500;

/// Re-indexes customers: each loses what was indexed for it (also stray
/// keys of one never stored, which must not make a write fail on every
/// retry), and those with keys (`None`: deleted) are indexed under them.
pub(super) async fn index_customers(
    conn: &mut Conn,
    customers: &[(uuid::Uuid, Option<&CustomerKeys>)],
) -> StoreResult<()> {
    let ids: Vec<String> = customers.iter().map(|(id, _)| id.to_string()).collect();
    for chunk in ids.chunks(INDEX_ROWS) {
        for table in ["customer_keys", "name_grams"] {
            let mut q = sqlx::QueryBuilder::<Db>::new(format!("DELETE FROM {table} WHERE customer_id IN ("));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            q.build().persistent(chunk.len() == 1).execute(&mut *conn).await?;
        }
    }
    let live: Vec<(String, &CustomerKeys)> = customers
        .iter()
        .filter_map(|(id, keys)| Some((id.to_string(), (*keys)?)))
        .collect();
    for chunk in live.chunks(INDEX_ROWS) {
        let mut q =
            sqlx::QueryBuilder::<Db>::new("INSERT INTO customer_keys (customer_id, core, region, phone, email) ");
        q.push_values(chunk, |mut row, (id, keys)| {
            row.push_bind(id.clone())
                .push_bind(keys.name.core.clone())
                .push_bind(keys.name.region.clone())
                .push_bind(keys.phone.clone())
                .push_bind(keys.email.clone());
        });
        q.build().persistent(chunk.len() == 1).execute(&mut *conn).await?;
    }
    let grams: Vec<(String, &String)> = live
        .iter()
        .flat_map(|(id, keys)| name_grams(&keys.name).into_iter().map(move |g| (g, id)))
        .collect();
    for chunk in grams.chunks(INDEX_ROWS) {
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO name_grams (gram, customer_id) ");
        q.push_values(chunk, |mut row, (gram, id)| {
            row.push_bind(gram.clone()).push_bind((*id).clone());
        });
        q.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Indexes customers written before the index existed.
pub(super) async fn index_missing_customers(conn: &mut Conn) -> StoreResult<u64> {
    let rows = sqlx::query(
        "SELECT id, data FROM records WHERE entity = 'customer' AND deleted = FALSE \
         AND id NOT IN (SELECT customer_id FROM customer_keys)",
    )
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
        let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
        index_customer(&mut *conn, id, &data, false).await?;
    }
    Ok(rows.len() as u64)
}

/// Customers sharing name grams (most shared first), or the phone or
/// email, with `keys`.
/// `similar`: also names sharing character pairs (the as-you-type
/// check); otherwise only the exact same name core (the check on every
/// create, which must stay cheap however common a name's characters).
pub(super) async fn find_candidates(
    conn: &mut Conn,
    keys: &CustomerKeys,
    exclude: Option<uuid::Uuid>,
    limit: u32,
    similar: bool,
) -> StoreResult<Vec<Candidate>> {
    let mut ids: Vec<String> = Vec::new();
    let grams = name_grams(&keys.name);
    if !similar {
        let core = Some(&keys.name.core).filter(|c| !c.is_empty());
        let rows =
            sqlx::query("SELECT customer_id FROM customer_keys WHERE core = $1 OR phone = $2 OR email = $3 LIMIT 20")
                .bind(core)
                .bind(&keys.phone)
                .bind(&keys.email)
                .fetch_all(&mut *conn)
                .await?;
        for row in rows {
            ids.push(row.try_get("customer_id")?);
        }
    }
    if similar && !grams.is_empty() {
        let mut q =
            sqlx::QueryBuilder::<Db>::new("SELECT customer_id, COUNT(*) AS hits FROM name_grams WHERE gram IN (");
        let mut list = q.separated(", ");
        for g in &grams {
            list.push_bind(g.clone());
        }
        list.push_unseparated(")");
        q.push(" GROUP BY customer_id ORDER BY hits DESC, customer_id LIMIT ")
            .push_bind(i64::from(limit));
        for row in q.build().fetch_all(&mut *conn).await? {
            ids.push(row.try_get("customer_id")?);
        }
    }
    if similar && (keys.phone.is_some() || keys.email.is_some()) {
        let rows = sqlx::query("SELECT customer_id FROM customer_keys WHERE phone = $1 OR email = $2 LIMIT 20")
            .bind(&keys.phone)
            .bind(&keys.email)
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            ids.push(row.try_get("customer_id")?);
        }
    }
    let excluded = exclude.map(|e| e.to_string());
    ids.retain(|id| Some(id) != excluded.as_ref());
    load_candidates(conn, ids).await
}

/// The customers `ids` (not deleted) with their keys.
pub(super) async fn load_candidates(conn: &mut Conn, mut ids: Vec<String>) -> StoreResult<Vec<Candidate>> {
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::<Db>::new(format!(
        "SELECT {CANDIDATE_COLUMNS} FROM customer_keys k \
         JOIN records r ON r.entity = 'customer' AND r.id = k.customer_id \
         WHERE r.deleted = FALSE AND k.customer_id IN ("
    ));
    let mut list = q.separated(", ");
    for id in &ids {
        list.push_bind(id.clone());
    }
    list.push_unseparated(")");
    // Its shape varies with the number of ids: not worth a prepared statement.
    let rows = q.build().persistent(false).fetch_all(&mut *conn).await?;
    rows.iter().map(candidate_from_row).collect()
}

/// The columns a candidate is read from (keys `k`, its record `r`).
const CANDIDATE_COLUMNS: &str = "k.customer_id, k.core, k.region, k.phone, k.email, r.owner_id, r.data";

fn candidate_from_row(row: &DbRow) -> StoreResult<Candidate> {
    let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
    let owner: Option<String> = row.try_get("owner_id")?;
    Ok(Candidate {
        id: parse_uuid(&row.try_get::<String, _>("customer_id")?)?,
        owner: owner.as_deref().map(parse_uuid).transpose()?.map(UserId),
        name: data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
        keys: CustomerKeys {
            name: NameKey {
                core: row.try_get("core")?,
                region: row.try_get("region")?,
            },
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
        },
    })
}

/// What a new customer's likeness to existing ones means: refused
/// (the block policy and an exact duplicate), flagged (a close match),
/// or nothing.
/// What the duplicate check says of a customer with `keys`, given the
/// existing customers that share its name core, phone or email.
pub(super) fn verdict(
    keys: &CustomerKeys,
    candidates: Vec<Candidate>,
    policy: DuplicatePolicy,
    users: &[User],
) -> Verdict {
    let best = candidates
        .into_iter()
        .map(|c| {
            let (likeness, score) = yingpan_shared::dedup::compare(keys, &c.keys);
            (c, likeness, score)
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)).then(b.0.id.cmp(&a.0.id)));
    let Some((c, likeness, score)) = best else {
        return Verdict::Fine;
    };
    if likeness == yingpan_shared::dedup::Likeness::Same && policy == DuplicatePolicy::Block {
        let owner = c
            .owner
            .and_then(|o| users.iter().find(|u| u.id == o))
            .map(|u| u.display_name.as_str());
        return Verdict::Refuse(yingpan_shared::dedup::duplicate_refusal(&c.name, owner));
    }
    if yingpan_shared::dedup::worth_flagging(likeness, score) {
        return Verdict::Flag(c, likeness, score);
    }
    Verdict::Fine
}

/// Whether an existing customer with `existing` keys is one the check of
/// `keys` looks at: the same name core, phone or email.
pub(super) fn shares_a_key(keys: &CustomerKeys, existing: &CustomerKeys) -> bool {
    (!keys.name.core.is_empty() && keys.name.core == existing.name.core)
        || (keys.phone.is_some() && keys.phone == existing.phone)
        || (keys.email.is_some() && keys.email == existing.email)
}

/// The customers sharing a name core, phone or email with any of `keys`,
/// in one query for a whole push; `None` when there are more than
/// `limit` (then each is looked up on its own).
pub(super) async fn candidates_sharing(
    conn: &mut Conn,
    keys: &[CustomerKeys],
    limit: usize,
) -> StoreResult<Option<Vec<Candidate>>> {
    let cores: Vec<&str> = keys
        .iter()
        .map(|k| k.name.core.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let phones: Vec<&str> = keys.iter().filter_map(|k| k.phone.as_deref()).collect();
    let emails: Vec<&str> = keys.iter().filter_map(|k| k.email.as_deref()).collect();
    if cores.is_empty() && phones.is_empty() && emails.is_empty() {
        return Ok(Some(Vec::new()));
    }
    // No constant term in the OR: SQLite then searches each column's index
    // instead of scanning the table. The keys first, on their own: joined
    // with the records in one query, PostgreSQL planned a scan of every
    // customer (over a second each, a million mutations in).
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT customer_id FROM customer_keys WHERE ");
    let mut first = true;
    for (column, values) in [("core", &cores), ("phone", &phones), ("email", &emails)] {
        if values.is_empty() {
            continue;
        }
        if !std::mem::take(&mut first) {
            q.push(" OR ");
        }
        q.push(format_args!("{column} IN ("));
        let mut list = q.separated(", ");
        for v in values.iter() {
            list.push_bind(v.to_string());
        }
        list.push_unseparated(")");
    }
    q.push(" LIMIT ").push_bind(limit as i64 + 1);
    let mut ids = Vec::new();
    // Its shape varies with the push: not worth a prepared statement.
    for row in q.build().persistent(false).fetch_all(&mut *conn).await? {
        ids.push(row.try_get::<String, _>("customer_id")?);
    }
    if ids.len() > limit {
        return Ok(None);
    }
    load_candidates(conn, ids).await.map(Some)
}

pub(super) enum Verdict {
    Fine,
    Refuse(String),
    Flag(Candidate, yingpan_shared::dedup::Likeness, f32),
}

/// Puts a "possible duplicate" note under the new customer, seen by
/// whoever sees it (its owner and their manager).
pub(super) async fn write_flag(
    conn: &mut Conn,
    customer: &StoredRecord,
    existing: &Candidate,
    likeness: yingpan_shared::dedup::Likeness,
    score: f32,
    now: i64,
) -> StoreResult<()> {
    let flag = yingpan_shared::dedup::DuplicateFlag {
        id: uuid::Uuid::now_v7(),
        customer_id: customer.id,
        existing_id: existing.id,
        existing_name: existing.name.clone(),
        existing_owner: existing.owner,
        likeness,
        score,
        at: chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
    };
    let data = fields_of(&flag)?;
    write_record(
        &mut *conn,
        EntityKind::Duplicate,
        flag.id,
        customer.owner_id,
        Some(customer.id),
        &data,
        false,
        now,
        "",
    )
    .await?;
    Ok(())
}

/// The customer a merged-away customer now lives on in.
pub(super) fn merged_into(record: Option<&(StoredRecord, String)>) -> Option<uuid::Uuid> {
    let (r, _) = record?;
    if r.entity != EntityKind::Customer || !r.deleted {
        return None;
    }
    r.data.get("merged_into")?.as_str()?.parse().ok()
}

pub(super) async fn load_policy(conn: &mut Conn) -> StoreResult<DuplicatePolicy> {
    load_setting(conn, POLICY_KEY).await
}

#[async_trait::async_trait]
impl Dedup for Backend {
    async fn duplicate_candidates(
        &self,
        keys: &CustomerKeys,
        exclude: Option<uuid::Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>> {
        let mut conn = self.pool.acquire().await?;
        find_candidates(&mut conn, keys, exclude, limit, true).await
    }

    async fn duplicate_policy(&self) -> StoreResult<DuplicatePolicy> {
        let mut conn = self.pool.acquire().await?;
        load_policy(&mut conn).await
    }

    async fn set_duplicate_policy(&self, policy: DuplicatePolicy) -> StoreResult<()> {
        save_setting(&self.pool, POLICY_KEY, &policy).await
    }

    async fn merge_customers(
        &self,
        viewer: &Viewer,
        survivor: uuid::Uuid,
        merged: uuid::Uuid,
        choices: &std::collections::BTreeMap<String, yingpan_shared::dedup::Keep>,
        now: i64,
    ) -> StoreResult<Result<u64, Refusal>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        let outcome = merge_in(&mut tx, viewer, users, survivor, merged, choices, now).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn undo_merge(&self, viewer: &Viewer, id: uuid::Uuid, now: i64) -> StoreResult<Result<u64, Refusal>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        let outcome = undo_merge_in(&mut tx, viewer, users, id, now).await?;
        if outcome.is_ok() {
            tx.commit().await?;
        }
        Ok(outcome)
    }
}
