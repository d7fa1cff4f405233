//! The money side of a push: a customer's book read under the write lock
//! for the shared rules (`yingpan_shared::money::book`) to decide against,
//! and the customer's "open contract" flag they keep.

use super::records::next_seq;
use super::Conn;
use crate::store::columns::corrupt;
use crate::store::{MoneyChange, StoreResult};
use sqlx::Row as _;
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::money::book::Book;

/// The kinds of a customer's book: its money records but prints, which
/// are kept for the record and read by no rule.
pub(super) const BOOK_KINDS: &str =
    "entity IN ('quote', 'contract', 'delivery', 'installment', 'receipt', 'allocation', 'credit', 'dunning')";

/// Whether `customer` has any money record.
pub(super) async fn has_book(conn: &mut Conn, customer: Uuid) -> StoreResult<bool> {
    let sql = format!("SELECT 1 AS x FROM records WHERE parent_id = $1 AND deleted = FALSE AND {BOOK_KINDS} LIMIT 1");
    Ok(sqlx::query(&sql)
        .bind(customer.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// Every live money record of `customer`. The caller holds the write lock
/// and has written what the push decided before, so the book is current.
pub(super) async fn load_book(conn: &mut Conn, customer: Uuid) -> StoreResult<Book> {
    let sql = format!("SELECT entity, data FROM records WHERE parent_id = $1 AND deleted = FALSE AND {BOOK_KINDS}");
    let rows = sqlx::query(&sql)
        .bind(customer.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut records: Vec<(EntityKind, FieldMap)> = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(kind) = EntityKind::parse(&row.try_get::<String, _>("entity")?).filter(|k| k.is_money()) else {
            continue;
        };
        records.push((
            kind,
            serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?,
        ));
    }
    Ok(Book::of(records.iter().map(|(k, d)| (*k, d))))
}

/// Keeps whether `customer` has an open contract; a change gives the
/// customer a fresh position so its viewers pull it.
pub(super) async fn note_open_contract(conn: &mut Conn, customer: Uuid, open: bool) -> StoreResult<()> {
    let changed =
        sqlx::query("SELECT 1 AS x FROM records WHERE entity = 'customer' AND id = $1 AND open_contract <> $2")
            .bind(customer.to_string())
            .bind(open)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    if changed {
        let seq = next_seq(&mut *conn).await?;
        sqlx::query("UPDATE records SET open_contract = $1, seq = $2 WHERE entity = 'customer' AND id = $3")
            .bind(open)
            .bind(seq)
            .bind(customer.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Every live product.
pub(super) async fn products(conn: &mut Conn) -> StoreResult<Vec<yingpan_shared::money::records::Product>> {
    let rows = sqlx::query("SELECT data FROM records WHERE entity = 'product' AND deleted = FALSE ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut products = Vec::with_capacity(rows.len());
    for row in rows {
        let data: String = row.try_get("data")?;
        products.push(serde_json::from_str(&data).map_err(corrupt)?);
    }
    Ok(products)
}

/// Up to `limit` changes after position `after` to the records the money
/// reports read, in order (`crate::money_view`).
pub(super) async fn changes(conn: &mut Conn, after: i64, limit: u32) -> StoreResult<Vec<MoneyChange>> {
    let rows = sqlx::query(
        // The kinds are tested in a CASE so that no planner walks the
        // primary key by entity and sorts what it found: the change
        // stream's index (`records_seq`) finds the few changes after a
        // recent position at once.
        "SELECT entity, id, owner_id, deleted, seq, data FROM records WHERE seq > $1 \
         AND CASE WHEN entity IN ('customer', 'contract', 'installment', 'receipt', 'allocation', 'credit') \
         THEN 1 ELSE 0 END = 1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let entity: String = row.try_get("entity")?;
            let id: String = row.try_get("id")?;
            let owner: Option<String> = row.try_get("owner_id")?;
            Ok(MoneyChange {
                kind: EntityKind::parse(&entity).ok_or_else(|| corrupt(format!("unknown entity {entity}")))?,
                id: Uuid::parse_str(&id).map_err(corrupt)?,
                owner_id: owner.map(|o| o.parse().map_err(corrupt)).transpose()?,
                deleted: row.try_get("deleted")?,
                seq: row.try_get("seq")?,
                data: row.try_get("data")?,
            })
        })
        .collect()
}
