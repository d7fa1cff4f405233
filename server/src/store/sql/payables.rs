//! Payables: suppliers and their books (purchases, installments, payments,
//! allocations), each record its JSON under its supplier. A write checks
//! the supplier's version in the same transaction, so two people deciding
//! against the same book at once cannot both write: the second is told to
//! read again (optimistic, and safe across servers on one PostgreSQL).

use super::{Backend, Conn, BEGIN_WRITE};
use crate::store::columns::{corrupt, parse_uuid};
use crate::store::{Payables, StoreResult, Written};
use serde::Serialize;
use sqlx::Row as _;
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::ids::UserId;
use yingpan_shared::money::payable::{PayableBook, PayableWrite, Supplier};

const PURCHASE: &str = "purchase";
const INSTALLMENT: &str = "installment";
const PAYMENT: &str = "payment";
const ALLOCATION: &str = "allocation";

fn json<T: Serialize>(record: &T) -> StoreResult<String> {
    serde_json::to_string(record).map_err(corrupt)
}

fn read<T: serde::de::DeserializeOwned>(data: &str) -> StoreResult<T> {
    serde_json::from_str(data).map_err(corrupt)
}

/// Adds a stored record of `kind` to `book`.
fn file(book: &mut PayableBook, kind: &str, data: &str) -> StoreResult<()> {
    match kind {
        PURCHASE => book.purchases.push(read(data)?),
        INSTALLMENT => book.installments.push(read(data)?),
        PAYMENT => book.payments.push(read(data)?),
        ALLOCATION => book.allocations.push(read(data)?),
        other => return Err(corrupt(format!("unknown payable kind {other:?}"))),
    }
    Ok(())
}

/// Sorts a book's records into the order they were made (ids are v7, made
/// in time order), so every reader sees them alike.
fn in_order(mut book: PayableBook) -> PayableBook {
    book.purchases.sort_by_key(|p| p.id);
    book.installments.sort_by_key(|i| (i.contract_id, i.number, i.id));
    book.payments.sort_by_key(|p| (p.date, p.id));
    book.allocations.sort_by_key(|a| a.id);
    book
}

async fn supplier_rows(conn: &mut Conn, only: Option<Uuid>) -> StoreResult<Vec<(Supplier, i64)>> {
    let rows = match only {
        Some(id) => {
            sqlx::query("SELECT data, version FROM suppliers WHERE id = $1")
                .bind(id.to_string())
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query("SELECT data, version FROM suppliers")
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut suppliers = Vec::with_capacity(rows.len());
    for row in rows {
        let data: String = row.try_get("data")?;
        suppliers.push((read::<Supplier>(&data)?, row.try_get("version")?));
    }
    suppliers.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.id.cmp(&b.0.id)));
    Ok(suppliers)
}

/// Inserts a record, or replaces it if it is the same supplier's record of
/// the same kind; false if its id is taken by anything else.
async fn put(
    conn: &mut Conn,
    supplier: Uuid,
    kind: &str,
    id: Uuid,
    data: String,
    by: UserId,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO payables (id, supplier_id, kind, data, written_at, written_by) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, written_at = excluded.written_at, \
         written_by = excluded.written_by \
         WHERE payables.supplier_id = excluded.supplier_id AND payables.kind = excluded.kind",
    )
    .bind(id.to_string())
    .bind(supplier.to_string())
    .bind(kind)
    .bind(data)
    .bind(now)
    .bind(by.0.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[async_trait::async_trait]
impl Payables for Backend {
    async fn payable_book(&self, supplier: Uuid) -> StoreResult<Option<(PayableBook, i64)>> {
        let mut conn = self.pool.acquire().await?;
        let Some((found, version)) = supplier_rows(&mut conn, Some(supplier)).await?.pop() else {
            return Ok(None);
        };
        let rows = sqlx::query("SELECT kind, data FROM payables WHERE supplier_id = $1")
            .bind(supplier.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut book = PayableBook {
            supplier: found,
            ..PayableBook::default()
        };
        for row in rows {
            file(
                &mut book,
                &row.try_get::<String, _>("kind")?,
                &row.try_get::<String, _>("data")?,
            )?;
        }
        Ok(Some((in_order(book), version)))
    }

    async fn payable_books(&self) -> StoreResult<Vec<(PayableBook, i64)>> {
        let mut conn = self.pool.acquire().await?;
        let suppliers = supplier_rows(&mut conn, None).await?;
        let rows = sqlx::query("SELECT supplier_id, kind, data FROM payables")
            .fetch_all(&mut *conn)
            .await?;
        let mut books: HashMap<Uuid, (PayableBook, i64)> = suppliers
            .into_iter()
            .map(|(supplier, version)| {
                let book = PayableBook {
                    supplier,
                    ..PayableBook::default()
                };
                (book.supplier.id, (book, version))
            })
            .collect();
        for row in rows {
            let supplier = parse_uuid(&row.try_get::<String, _>("supplier_id")?)?;
            let (book, _) = books
                .get_mut(&supplier)
                .ok_or_else(|| corrupt(format!("payables of a missing supplier {supplier}")))?;
            file(
                book,
                &row.try_get::<String, _>("kind")?,
                &row.try_get::<String, _>("data")?,
            )?;
        }
        let mut books: Vec<(PayableBook, i64)> = books
            .into_values()
            .map(|(book, version)| (in_order(book), version))
            .collect();
        books.sort_by(|(a, _), (b, _)| {
            a.supplier
                .name
                .cmp(&b.supplier.name)
                .then(a.supplier.id.cmp(&b.supplier.id))
        });
        Ok(books)
    }

    async fn write_payables(
        &self,
        supplier: &Supplier,
        version: Option<i64>,
        write: &PayableWrite,
        by: UserId,
        now: i64,
    ) -> StoreResult<Written> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let id = supplier.id.to_string();
        let claimed = match version {
            Some(version) => {
                sqlx::query(
                    "UPDATE suppliers SET data = $1, version = version + 1, updated_at = $2 \
                     WHERE id = $3 AND version = $4",
                )
                .bind(json(supplier)?)
                .bind(now)
                .bind(&id)
                .bind(version)
                .execute(&mut *tx)
                .await?
            }
            None => {
                sqlx::query(
                    "INSERT INTO suppliers (id, data, version, updated_at) VALUES ($1, $2, 1, $3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&id)
                .bind(json(supplier)?)
                .bind(now)
                .execute(&mut *tx)
                .await?
            }
        };
        if claimed.rows_affected() != 1 {
            return Ok(Written::Stale);
        }
        let records = write
            .purchases
            .iter()
            .map(|p| (PURCHASE, p.id, json(p)))
            .chain(write.installments.iter().map(|i| (INSTALLMENT, i.id, json(i))))
            .chain(write.payments.iter().map(|p| (PAYMENT, p.id, json(p))))
            .chain(write.allocations.iter().map(|a| (ALLOCATION, a.id, json(a))));
        for (kind, record, data) in records {
            if !put(&mut tx, supplier.id, kind, record, data?, by, now).await? {
                // Dropping the transaction rolls it back: nothing of the
                // write is kept.
                return Ok(Written::IdTaken(record));
            }
        }
        tx.commit().await?;
        Ok(Written::Done)
    }
}
