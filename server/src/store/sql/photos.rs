//! Visit photos: uploads in chunks, each appended only where the last one
//! ended, and the whole photo once complete.

use super::{Backend, BEGIN_WRITE};
use crate::store::columns::{corrupt, parse_uuid};
use crate::store::Photos;
use crate::store::StoreResult;
use sqlx::Row as _;
use yingpan_shared::ids::UserId;

#[async_trait::async_trait]
impl Photos for Backend {
    async fn photo_upload(&self, activity: uuid::Uuid) -> StoreResult<Option<crate::store::PhotoUpload>> {
        let row =
            sqlx::query("SELECT photo_id, uploaded_by, total, received, complete FROM photos WHERE activity_id = $1")
                .bind(activity.to_string())
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let count = |name: &str| -> StoreResult<u64> { u64::try_from(row.try_get::<i64, _>(name)?).map_err(corrupt) };
        Ok(Some(crate::store::PhotoUpload {
            activity_id: activity,
            photo_id: parse_uuid(&row.try_get::<String, _>("photo_id")?)?,
            uploaded_by: UserId(parse_uuid(&row.try_get::<String, _>("uploaded_by")?)?),
            state: yingpan_shared::photo::UploadState {
                received: count("received")?,
                total: count("total")?,
                complete: row.try_get("complete")?,
            },
        }))
    }

    async fn append_photo(&self, upload: &crate::store::PhotoUpload, bytes: &[u8], now: i64) -> StoreResult<bool> {
        let len = bytes.len() as i64;
        let after = i64::try_from(upload.state.received).map_err(corrupt)?;
        let total = i64::try_from(upload.state.total).map_err(corrupt)?;
        let id = upload.activity_id.to_string();
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let moved = if after == len {
            sqlx::query(
                "INSERT INTO photos (activity_id, photo_id, uploaded_by, total, received, complete, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (activity_id) DO NOTHING",
            )
            .bind(&id)
            .bind(upload.photo_id.to_string())
            .bind(upload.uploaded_by.to_string())
            .bind(total)
            .bind(after)
            .bind(upload.state.complete)
            .bind(now)
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("UPDATE photos SET received = $1, complete = $2 WHERE activity_id = $3 AND received = $4")
                .bind(after)
                .bind(upload.state.complete)
                .bind(&id)
                .bind(after - len)
                .execute(&mut *tx)
                .await?
        };
        if moved.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO photo_chunks (activity_id, position, data) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(after - len)
            .bind(bytes)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn photo_bytes(&self, activity: uuid::Uuid) -> StoreResult<Option<Vec<u8>>> {
        match self.photo_upload(activity).await? {
            Some(upload) if upload.state.complete => {}
            _ => return Ok(None),
        }
        let rows = sqlx::query("SELECT data FROM photo_chunks WHERE activity_id = $1 ORDER BY position")
            .bind(activity.to_string())
            .fetch_all(&self.pool)
            .await?;
        let mut bytes = Vec::new();
        for row in rows {
            bytes.extend_from_slice(&row.try_get::<Vec<u8>, _>("data")?);
        }
        Ok(Some(bytes))
    }
}
