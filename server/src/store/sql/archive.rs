//! The archive: customers deleted (not merged away) and bringing one back
//! to whoever owned it, or to the pool when its owner has left.

use super::moves::{lock_writes, move_customers, refresh_pool_entry, Move};
use super::records::{load_record, write_record};
use super::{load_users, Backend, BEGIN_WRITE};
use crate::store::columns::{corrupt, parse_uuid};
use crate::store::StoreResult;
use crate::store::{Archive, Refusal};
use sqlx::Row as _;
use yingpan_shared::access::{can_change, can_see, team_of, Viewer};
use yingpan_shared::api::ArchivedCustomer;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::ownership::OwnershipKind;

#[async_trait::async_trait]
impl Archive for Backend {
    async fn archived_customers(&self, limit: u32) -> StoreResult<Vec<ArchivedCustomer>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, owner_id, data, updated_at, updated_by FROM records \
             WHERE entity = 'customer' AND deleted = TRUE ORDER BY updated_at DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        let mut archived = Vec::with_capacity(rows.len());
        for row in rows {
            let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
            if data.contains_key("merged_into") {
                continue;
            }
            let owner: Option<String> = row.try_get("owner_id")?;
            archived.push(ArchivedCustomer {
                id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                name: data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                owner: owner.and_then(|o| o.parse().ok()).map(UserId),
                at: chrono::DateTime::from_timestamp_millis(row.try_get("updated_at")?).unwrap_or_default(),
                by: row.try_get::<String, _>("updated_by")?.parse().ok().map(UserId),
            });
        }
        Ok(archived)
    }

    async fn restore_customer(&self, viewer: &Viewer, id: uuid::Uuid, now: i64) -> StoreResult<Result<(), Refusal>> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        let users = &load_users(&mut tx).await?;
        let Some((gone, _)) = load_record(&mut tx, EntityKind::Customer, id).await? else {
            return Ok(Err(Refusal::NotFound));
        };
        let team = gone.owner_id.and_then(|o| team_of(users, o));
        if !can_see(viewer, gone.owner_id, team) {
            return Ok(Err(Refusal::NotFound));
        }
        if let Err(why) = yingpan_shared::access::may_archive(viewer.role) {
            return Ok(Err(Refusal::Forbidden(why.into())));
        }
        if !can_change(viewer, gone.owner_id, team) {
            return Ok(Err(Refusal::Forbidden(
                "this customer belongs outside your team; ask an admin to bring it back".into(),
            )));
        }
        if !gone.deleted {
            return Ok(Err(Refusal::Invalid("this customer is not archived".into())));
        }
        if let Some(into) = gone.data.get("merged_into").and_then(|v| v.as_str()) {
            return Ok(Err(Refusal::Invalid(format!(
                "this customer was merged into {into}; undo the merge to bring it back"
            ))));
        }
        let author = viewer.id.to_string();
        write_record(
            &mut tx,
            EntityKind::Customer,
            id,
            gone.owner_id,
            None,
            &gone.data,
            false,
            now,
            &author,
        )
        .await?;
        // Its owner may have left meanwhile (read under the lock, so a
        // departure cannot slip in between): then it comes back to the
        // pool with its records, handed over as the rest of their book was.
        let departed = match gone.owner_id {
            Some(owner) => !sqlx::query("SELECT active FROM users WHERE id = $1")
                .bind(owner.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get::<bool, _>("active"))
                .transpose()?
                .unwrap_or(false),
            None => false,
        };
        if departed {
            let back = Move {
                customer: id,
                from: gone.owner_id,
                to: None,
                reason: None,
            };
            move_customers(&mut tx, users, &[back], OwnershipKind::Departure, Some(viewer.id), now).await?;
        } else if gone.owner_id.is_none() {
            refresh_pool_entry(&mut tx, id, now, &author).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}
