//! The SQL both stores run, written once. The two schemas use the same
//! portable column types (text ids, bigint milliseconds, text JSON), and both
//! drivers accept `$n` placeholders, so one body serves both backends; the
//! macro only stamps it out for each concrete driver type.

use super::{StoreError, StoreResult};
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::user::{Role, User};

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(format!("bad id {s:?}: {e}")))
}

pub(super) fn parse_entity(s: &str) -> StoreResult<EntityKind> {
    EntityKind::parse(s).ok_or_else(|| corrupt(format!("unknown entity {s:?}")))
}

pub(super) fn make_user(
    id: &str,
    username: String,
    display_name: String,
    role: &str,
    team_id: Option<String>,
    active: bool,
) -> StoreResult<User> {
    Ok(User {
        id: UserId(parse_uuid(id)?),
        username,
        display_name,
        role: Role::parse(role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?,
        team_id: team_id.as_deref().map(parse_uuid).transpose()?.map(TeamId),
        active,
    })
}

pub(super) fn unique_violation(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what.to_owned()),
        _ => StoreError::Db(e),
    }
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $migrations:tt, $begin_write:expr) => {
        use $crate::store::sql::{corrupt, make_user, parse_entity, parse_uuid, unique_violation};
        use $crate::store::Store;
        use sqlx::Row as _;
        use std::collections::HashMap;
        use yingpan_shared::access::{OwnerScope, Viewer};
        use yingpan_shared::entity::{EntityKind, FieldMap};
        use yingpan_shared::ids::{TeamId, UserId};
        use yingpan_shared::sync::{
            decide, parent_of, Change, Cursor, Decision, MutationResult, MutationStatus, PullResponse,
            PushRequest, StoredRecord,
        };
        use yingpan_shared::user::User;

        type Conn = <$db as sqlx::Database>::Connection;
        type DbRow = <$db as sqlx::Database>::Row;

        const USER_COLUMNS: &str = "id, username, display_name, role, team_id, active";
        const RECORD_COLUMNS: &str = "entity, id, owner_id, parent_id, data, deleted, updated_by";

        fn user_from_row(row: &DbRow) -> super::StoreResult<User> {
            let id: String = row.try_get("id")?;
            let role: String = row.try_get("role")?;
            make_user(
                &id,
                row.try_get("username")?,
                row.try_get("display_name")?,
                &role,
                row.try_get("team_id")?,
                row.try_get("active")?,
            )
        }

        /// A stored record and who wrote it last.
        fn record_from_row(row: &DbRow) -> super::StoreResult<(StoredRecord, String)> {
            let entity: String = row.try_get("entity")?;
            let id: String = row.try_get("id")?;
            let owner: Option<String> = row.try_get("owner_id")?;
            let parent: Option<String> = row.try_get("parent_id")?;
            let data: String = row.try_get("data")?;
            let record = StoredRecord {
                entity: parse_entity(&entity)?,
                id: parse_uuid(&id)?,
                owner_id: owner.as_deref().map(parse_uuid).transpose()?.map(UserId),
                parent_id: parent.as_deref().map(parse_uuid).transpose()?,
                data: serde_json::from_str::<FieldMap>(&data).map_err(corrupt)?,
                deleted: row.try_get("deleted")?,
            };
            Ok((record, row.try_get("updated_by")?))
        }

        async fn load_record(
            conn: &mut Conn,
            entity: EntityKind,
            id: uuid::Uuid,
        ) -> super::StoreResult<Option<(StoredRecord, String)>> {
            let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE entity = $1 AND id = $2");
            let row = sqlx::query(&sql)
                .bind(entity.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(record_from_row).transpose()
        }

        async fn next_seq(conn: &mut Conn) -> super::StoreResult<i64> {
            let row = sqlx::query("UPDATE sync_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq")
                .fetch_one(&mut *conn)
                .await?;
            Ok(row.try_get("last_seq")?)
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn migrate(&self) -> super::StoreResult<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn create_team(&self, id: TeamId, name: &str) -> super::StoreResult<()> {
                sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
                    .bind(id.to_string())
                    .bind(name)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn create_user(&self, user: &User, password_hash: &str) -> super::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO users (id, username, display_name, role, team_id, active, password_hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(user.id.to_string())
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(user.team_id.map(|t| t.to_string()))
                .bind(user.active)
                .bind(password_hash)
                .execute(&self.pool)
                .await
                .map_err(|e| unique_violation(e, &format!("username {} is taken", user.username)))?;
                Ok(())
            }

            async fn credentials(&self, username: &str) -> super::StoreResult<Option<(User, String)>> {
                let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
                let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
                match row {
                    Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
                    None => Ok(None),
                }
            }

            async fn users(&self) -> super::StoreResult<Vec<User>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY username");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(user_from_row).collect()
            }

            async fn set_user_active(&self, id: UserId, active: bool) -> super::StoreResult<()> {
                let mut tx = self.pool.begin_with($begin_write).await?;
                sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if !active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, token_hash: &str, user: UserId, now: i64, expires_at: i64) -> super::StoreResult<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user.to_string())
                    .bind(now)
                    .bind(expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: i64) -> super::StoreResult<Option<User>> {
                let sql = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, u.active \
                           FROM sessions s JOIN users u ON u.id = s.user_id \
                           WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE";
                let row = sqlx::query(sql).bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_from_row).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> super::StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn push(
                &self,
                viewer: &Viewer,
                users: &[User],
                req: &PushRequest,
                now: i64,
            ) -> super::StoreResult<Vec<MutationResult>> {
                let teams: HashMap<UserId, Option<TeamId>> = users.iter().map(|u| (u.id, u.team_id)).collect();
                let team_of = |id: UserId| teams.get(&id).copied().flatten();
                let client = req.client_id.to_string();
                let author = viewer.id.to_string();
                let mut tx = self.pool.begin_with($begin_write).await?;
                let mut results = Vec::with_capacity(req.mutations.len());
                for m in &req.mutations {
                    let mseq = i64::try_from(m.seq).map_err(corrupt)?;
                    let earlier = sqlx::query("SELECT result FROM applied_mutations WHERE client_id = $1 AND seq = $2")
                        .bind(&client)
                        .bind(mseq)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(row) = earlier {
                        let text: String = row.try_get("result")?;
                        results.push(serde_json::from_str(&text).map_err(corrupt)?);
                        continue;
                    }
                    let current = load_record(&mut tx, m.entity, m.id).await?;
                    let parent = match parent_of(m, current.as_ref().map(|(r, _)| r)) {
                        Some(pid) => load_record(&mut tx, EntityKind::Customer, pid).await?,
                        None => None,
                    };
                    let decision = decide(
                        viewer,
                        &team_of,
                        m,
                        current.as_ref().map(|(r, _)| r),
                        parent.as_ref().map(|(r, _)| r),
                    );
                    let result = match decision {
                        Decision::Reject { message } => MutationResult {
                            seq: m.seq,
                            status: MutationStatus::Rejected,
                            message: Some(message),
                            conflicts: Vec::new(),
                        },
                        Decision::Unchanged => MutationResult {
                            seq: m.seq,
                            status: MutationStatus::Applied,
                            message: None,
                            conflicts: Vec::new(),
                        },
                        Decision::Write { record, status, conflicts } => {
                            let seq = next_seq(&mut tx).await?;
                            let data = serde_json::Value::Object(record.data).to_string();
                            sqlx::query(
                                "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                                 ON CONFLICT (entity, id) DO UPDATE SET owner_id = excluded.owner_id, \
                                 parent_id = excluded.parent_id, data = excluded.data, deleted = excluded.deleted, \
                                 seq = excluded.seq, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                            )
                            .bind(m.entity.as_str())
                            .bind(m.id.to_string())
                            .bind(record.owner_id.map(|o| o.to_string()))
                            .bind(record.parent_id.map(|p| p.to_string()))
                            .bind(data)
                            .bind(record.deleted)
                            .bind(seq)
                            .bind(now)
                            .bind(&author)
                            .execute(&mut *tx)
                            .await?;
                            let lost_by = current.as_ref().map(|(_, by)| by.clone()).unwrap_or_default();
                            for c in &conflicts {
                                sqlx::query(
                                    "INSERT INTO conflicts (id, entity, record_id, field, kept, lost, kept_by, lost_by, at) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                                )
                                .bind(uuid::Uuid::now_v7().to_string())
                                .bind(m.entity.as_str())
                                .bind(m.id.to_string())
                                .bind(&c.field)
                                .bind(c.kept.to_string())
                                .bind(c.lost.to_string())
                                .bind(&author)
                                .bind(&lost_by)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            }
                            MutationResult { seq: m.seq, status, message: None, conflicts }
                        }
                    };
                    sqlx::query(
                        "INSERT INTO applied_mutations (client_id, seq, user_id, result, applied_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&client)
                    .bind(mseq)
                    .bind(&author)
                    .bind(serde_json::to_string(&result).map_err(corrupt)?)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    results.push(result);
                }
                tx.commit().await?;
                Ok(results)
            }

            async fn pull(&self, scope: &OwnerScope, since: Cursor, limit: u32) -> super::StoreResult<PullResponse> {
                let mut conn = self.pool.acquire().await?;
                // Every position up to the committed head belongs to a committed
                // write (see the module docs), so reading up to it is gap-free.
                let head: i64 = sqlx::query("SELECT last_seq FROM sync_state WHERE id = 1")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("last_seq")?;
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT entity, id, data, deleted, seq FROM records WHERE seq > ");
                q.push_bind(since).push(" AND seq <= ").push_bind(head);
                if let OwnerScope::Owners { owners, pool } = scope {
                    if owners.is_empty() && !pool {
                        return Ok(PullResponse { changes: Vec::new(), cursor: head.max(since), has_more: false });
                    }
                    q.push(" AND (");
                    if !owners.is_empty() {
                        q.push("owner_id IN (");
                        let mut list = q.separated(", ");
                        for o in owners {
                            list.push_bind(o.to_string());
                        }
                        list.push_unseparated(")");
                    }
                    if *pool {
                        q.push(if owners.is_empty() { "owner_id IS NULL" } else { " OR owner_id IS NULL" });
                    }
                    q.push(")");
                }
                q.push(" ORDER BY seq LIMIT ").push_bind(i64::from(limit) + 1);
                let rows = q.build().fetch_all(&mut *conn).await?;
                let has_more = rows.len() > limit as usize;
                let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
                for row in rows.iter().take(limit as usize) {
                    let entity: String = row.try_get("entity")?;
                    let id: String = row.try_get("id")?;
                    let deleted: bool = row.try_get("deleted")?;
                    let data: String = row.try_get("data")?;
                    changes.push(Change {
                        entity: parse_entity(&entity)?,
                        id: parse_uuid(&id)?,
                        seq: row.try_get("seq")?,
                        data: if deleted { None } else { Some(serde_json::from_str(&data).map_err(corrupt)?) },
                    });
                }
                let cursor = match (has_more, changes.last()) {
                    (true, Some(last)) => last.seq,
                    _ => head.max(since),
                };
                Ok(PullResponse { changes, cursor, has_more })
            }

            async fn record(&self, entity: EntityKind, id: uuid::Uuid) -> super::StoreResult<Option<StoredRecord>> {
                let mut conn = self.pool.acquire().await?;
                Ok(load_record(&mut conn, entity, id).await?.map(|(r, _)| r))
            }
        }
    };
}

pub(crate) use sql_store;
