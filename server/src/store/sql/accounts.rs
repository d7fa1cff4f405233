//! Accounts and sessions: creating users and teams, credentials, the
//! directory kept in memory, sessions and the grace of a closed account.

use super::{load_users, user_from_row, Backend, BEGIN_WRITE, USER_COLUMNS};
use crate::store::StoreResult;
use crate::store::{Accounts, LiveSession, People};
use sqlx::Row as _;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::people::Person;
use yingpan_shared::user::User;

#[async_trait::async_trait]
impl Accounts for Backend {
    async fn create_team(&self, id: TeamId, name: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO teams (id, name) VALUES ($1, $2)")
            .bind(id.to_string())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()> {
        let person = Person {
            user: user.clone(),
            phone: None,
            email: None,
            must_change_password: false,
        };
        self.create_person(&person, password_hash).await
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1");
        let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
        match row {
            Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn users(&self) -> StoreResult<std::sync::Arc<Vec<User>>> {
        let mut conn = self.pool.acquire().await?;
        // Counted first: a change committed between the count and the
        // read is in what is read, and the next count reads it again.
        let changes: i64 = sqlx::query("SELECT COUNT(*) AS n FROM directory_changes")
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        if let Some(users) = self.directory.at(changes) {
            return Ok(users);
        }
        let users = std::sync::Arc::new(load_users(&mut conn).await?);
        self.directory.keep(changes, users.clone());
        Ok(users)
    }

    async fn set_user_active(&self, id: UserId, active: bool) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
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

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        device: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, id, device, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $3)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(now)
        .bind(expires_at)
        .bind(uuid::Uuid::now_v7().simple().to_string())
        .bind(device)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: i64) -> StoreResult<Option<LiveSession>> {
        let sql = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, u.active, u.must_change_password, \
                   s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE";
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(LiveSession {
                user: user_from_row(&row)?,
                must_change_password: row.try_get("must_change_password")?,
                last_seen: row.try_get("last_seen")?,
            })),
            None => Ok(None),
        }
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn closed_account_session(
        &self,
        token_hash: &str,
        now: i64,
        grace_ms: i64,
    ) -> StoreResult<Option<(User, i64)>> {
        let sql = "SELECT u.id, u.username, u.display_name, u.role, u.team_id, u.active, u.departed_at \
                   FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = FALSE \
                   AND u.departed_at IS NOT NULL AND u.departed_at > $3";
        let row = sqlx::query(sql)
            .bind(token_hash)
            .bind(now)
            .bind(now - grace_ms)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("departed_at")?))),
            None => Ok(None),
        }
    }
}
