//! People and safety: teams, accounts, passwords and sessions, invites,
//! sign-in failures, the audit log, and moving a user to another team
//! (which moves who sees their book).

use super::moves::{lock_writes, reserve_seqs, CHUNK};
use super::{load_users, user_from_row, Backend, Conn, Db, DbRow, BEGIN_WRITE};
use crate::store::columns::{corrupt, parse_uuid, unique_violation};
use crate::store::People;
use crate::store::StoreResult;
use sqlx::Row as _;
use yingpan_shared::access::{can_see, Viewer};
use yingpan_shared::audit;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::people::{Person, PersonChange, SessionInfo, Team};
use yingpan_shared::user::User;

pub(super) const PERSON_COLUMNS: &str =
    "id, username, display_name, role, team_id, active, phone, email, must_change_password";

pub(super) fn person_from_row(row: &DbRow) -> StoreResult<Person> {
    let text = |name: &str| -> StoreResult<Option<String>> { Ok(row.try_get(name)?) };
    Ok(Person {
        user: user_from_row(row)?,
        phone: text("phone")?.and_then(|p| yingpan_shared::validate::Phone::parse(&p).ok()),
        email: text("email")?.and_then(|e| yingpan_shared::validate::Email::parse(&e).ok()),
        must_change_password: row.try_get("must_change_password")?,
    })
}

pub(super) fn audit_from_row(row: &DbRow) -> StoreResult<audit::Entry> {
    let action: String = row.try_get("action")?;
    let actor: Option<String> = row.try_get("actor")?;
    Ok(audit::Entry {
        id: parse_uuid(&row.try_get::<String, _>("id")?)?,
        at: row.try_get("at")?,
        actor: actor.as_deref().map(parse_uuid).transpose()?.map(UserId),
        address: row.try_get("address")?,
        action: audit::Action::parse(&action).ok_or_else(|| corrupt(format!("unknown action {action:?}")))?,
        target: row.try_get("target")?,
        detail: serde_json::from_str(&row.try_get::<String, _>("detail")?).map_err(corrupt)?,
    })
}

/// Gives every record `owner` holds a fresh change-stream position
/// (in their old order), so viewers who newly see them pull them,
/// and tells `losers` to drop each of the owner's customers and leads
/// (their devices drop a customer's children with it).
pub(super) async fn republish_book(conn: &mut Conn, owner: UserId, losers: &[&User]) -> StoreResult<u64> {
    let base: i64 = sqlx::query("SELECT last_seq FROM sync_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?
        .try_get("last_seq")?;
    let moved = sqlx::query(
        "UPDATE records SET seq = $1 + m.rn FROM (SELECT entity, id, ROW_NUMBER() OVER (ORDER BY seq) AS rn \
         FROM records WHERE owner_id = $2) AS m WHERE records.entity = m.entity AND records.id = m.id",
    )
    .bind(base)
    .bind(owner.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    reserve_seqs(&mut *conn, moved as i64).await?;
    let tops = sqlx::query(
        "SELECT entity, id FROM records WHERE owner_id = $1 AND parent_id IS NULL AND deleted = FALSE ORDER BY seq",
    )
    .bind(owner.to_string())
    .fetch_all(&mut *conn)
    .await?;
    for user in losers {
        for chunk in tops.chunks(CHUNK) {
            let first = reserve_seqs(&mut *conn, chunk.len() as i64).await?;
            let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO evictions (seq, user_id, entity, id) ");
            let mut rows = Vec::with_capacity(chunk.len());
            for row in chunk {
                rows.push((row.try_get::<String, _>("entity")?, row.try_get::<String, _>("id")?));
            }
            q.push_values(rows.iter().enumerate(), |mut b, (i, (entity, id))| {
                b.push_bind(first + 1 + i as i64)
                    .push_bind(user.id.to_string())
                    .push_bind(entity.clone())
                    .push_bind(id.clone());
            });
            q.build().execute(&mut *conn).await?;
        }
    }
    Ok(moved)
}

#[async_trait::async_trait]
impl People for Backend {
    async fn teams(&self) -> StoreResult<Vec<Team>> {
        let rows = sqlx::query("SELECT id, name FROM teams ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Team {
                    id: TeamId(parse_uuid(&r.try_get::<String, _>("id")?)?),
                    name: r.try_get("name")?,
                })
            })
            .collect()
    }

    async fn rename_team(&self, id: TeamId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE teams SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn people(&self) -> StoreResult<Vec<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM users ORDER BY display_name, username");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(person_from_row).collect()
    }

    async fn person(&self, id: UserId) -> StoreResult<Option<Person>> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    async fn create_person(&self, person: &Person, password_hash: &str) -> StoreResult<()> {
        let user = &person.user;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, team_id, active, password_hash, phone, email, \
             must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(user.id.to_string())
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.team_id.map(|t| t.to_string()))
        .bind(user.active)
        .bind(password_hash)
        .bind(person.phone.as_ref().map(|p| p.as_str().to_owned()))
        .bind(person.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(person.must_change_password)
        .execute(&self.pool)
        .await
        .map_err(|e| unique_violation(e, &format!("the username {} is taken", user.username)))?;
        Ok(())
    }

    async fn change_person(&self, id: UserId, change: &PersonChange) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        lock_writes(&mut tx).await?;
        // Decided against the directory as it is under the lock: two
        // people changing the same user at once each keep their field.
        let users = load_users(&mut tx).await?;
        let Some(before) = users.iter().find(|u| u.id == id) else {
            return Ok(0);
        };
        let mut after = before.clone();
        if let Some(name) = &change.display_name {
            after.display_name = name.as_str().to_owned();
        }
        if let Some(role) = change.role {
            after.role = role;
        }
        if let Some(team) = change.team_id {
            after.team_id = team;
        }
        sqlx::query("UPDATE users SET display_name = $1, role = $2, team_id = $3 WHERE id = $4")
            .bind(&after.display_name)
            .bind(after.role.as_str())
            .bind(after.team_id.map(|t| t.to_string()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(phone) = &change.phone {
            sqlx::query("UPDATE users SET phone = $1 WHERE id = $2")
                .bind(phone.as_ref().map(|p| p.as_str().to_owned()))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(email) = &change.email {
            sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
                .bind(email.as_ref().map(|e| e.as_str().to_owned()))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        // Who sees a user's book follows their team and role: those
        // who saw it and no longer do drop it, those who now see it
        // pull it (design contract 6, as for a reassignment).
        let mut moved = 0;
        if (before.team_id, before.role) != (after.team_id, after.role) {
            let now_users: Vec<User> = users
                .iter()
                .map(|u| if u.id == id { after.clone() } else { u.clone() })
                .collect();
            let losers: Vec<&User> = users
                .iter()
                .filter(|u| u.active && u.id != id)
                .filter(|u| {
                    let v = Viewer::from(*u);
                    let v_after = Viewer::from(now_users.iter().find(|n| n.id == u.id).unwrap_or(u));
                    can_see(&v, Some(id), before.team_id) && !can_see(&v_after, Some(id), after.team_id)
                })
                .collect();
            moved = republish_book(&mut tx, id, &losers).await?;
            // What they see themselves changed too: their devices
            // start their caches again from the current head.
            sqlx::query(
                "UPDATE users SET resync_from = (SELECT last_seq FROM sync_state WHERE id = 1) + 1 WHERE id = $1",
            )
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
            reserve_seqs(&mut tx, 1).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(must_change)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        // A new password retires any invite still out for the account.
        sqlx::query("DELETE FROM invites WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(id.to_string())
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(ended)
    }

    async fn password_hash(&self, id: UserId) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("password_hash")).transpose()?)
    }

    async fn create_invite(&self, token_hash: &str, user: UserId, expires_at: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO invites (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user.to_string())
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn take_invite(&self, token_hash: &str, now: i64) -> StoreResult<Option<UserId>> {
        // Used once: taken (whether or not still fresh) by the one
        // statement that deletes it, so two at once cannot both win.
        let row = sqlx::query("DELETE FROM invites WHERE token_hash = $1 RETURNING user_id, expires_at")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(UserId(parse_uuid(&row.try_get::<String, _>("user_id")?)?)))
    }

    async fn sessions_of(&self, user: UserId) -> StoreResult<Vec<(SessionInfo, String)>> {
        let rows = sqlx::query(
            "SELECT id, token_hash, device, created_at, last_seen FROM sessions WHERE user_id = $1 \
             ORDER BY last_seen DESC, created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let created_at: i64 = r.try_get("created_at")?;
                let last_seen: i64 = r.try_get("last_seen")?;
                let info = SessionInfo {
                    id: r.try_get::<Option<String>, _>("id")?.unwrap_or_default(),
                    device: r.try_get("device")?,
                    created_at,
                    last_seen: last_seen.max(created_at),
                    current: false,
                };
                Ok((info, r.try_get("token_hash")?))
            })
            .collect()
    }

    async fn end_sessions(&self, user: UserId, only: Option<&str>, except: Option<&str>) -> StoreResult<u64> {
        let mut q = sqlx::QueryBuilder::<Db>::new("DELETE FROM sessions WHERE user_id = ");
        q.push_bind(user.to_string());
        if let Some(id) = only {
            q.push(" AND id = ").push_bind(id.to_owned());
        }
        if let Some(hash) = except {
            q.push(" AND token_hash <> ").push_bind(hash.to_owned());
        }
        Ok(q.build().execute(&self.pool).await?.rows_affected())
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2 AND last_seen < $3")
            .bind(now)
            .bind(token_hash)
            .bind(now - crate::store::SESSION_SEEN_EVERY_MS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn purge_expired(&self, now: i64) -> StoreResult<u64> {
        let mut gone = 0;
        for (sql, at) in [
            ("DELETE FROM sessions WHERE expires_at <= $1", now),
            ("DELETE FROM invites WHERE expires_at <= $1", now),
            (
                "DELETE FROM login_failures WHERE last_at <= $1",
                now - yingpan_shared::people::FAILURE_MEMORY_MS,
            ),
        ] {
            gone += sqlx::query(sql).bind(at).execute(&self.pool).await?.rows_affected();
        }
        Ok(gone)
    }

    async fn login_failures(&self, key: &str, now: i64) -> StoreResult<(i64, i64)> {
        let row = sqlx::query("SELECT failures, last_at FROM login_failures WHERE key = $1 AND last_at > $2")
            .bind(key)
            .bind(now - yingpan_shared::people::FAILURE_MEMORY_MS)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok((r.try_get("failures")?, r.try_get("last_at")?)),
            None => Ok((0, 0)),
        }
    }

    async fn note_login_failure(&self, key: &str, now: i64) -> StoreResult<()> {
        let forget_before = now - yingpan_shared::people::FAILURE_MEMORY_MS;
        sqlx::query(
            "INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE \
             SET failures = CASE WHEN login_failures.last_at <= $3 THEN 1 ELSE login_failures.failures + 1 END, \
             last_at = excluded.last_at",
        )
        .bind(key)
        .bind(now)
        .bind(forget_before)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit(&self, entry: &audit::Entry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, address, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(entry.id.to_string())
        .bind(entry.at)
        .bind(entry.actor.map(|a| a.to_string()))
        .bind(&entry.address)
        .bind(entry.action.as_str())
        .bind(&entry.target)
        .bind(entry.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_entries(&self, filter: &audit::Filter, limit: u32) -> StoreResult<Vec<audit::Entry>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, at, actor, address, action, target, detail FROM audit_log WHERE TRUE",
        );
        if let Some(action) = filter.action {
            q.push(" AND action = ").push_bind(action.as_str());
        }
        if let Some(actor) = filter.actor {
            q.push(" AND actor = ").push_bind(actor.to_string());
        }
        if let Some(since) = filter.since {
            q.push(" AND at >= ").push_bind(since);
        }
        if let Some(until) = filter.until {
            q.push(" AND at < ").push_bind(until);
        }
        q.push(" ORDER BY at DESC, id DESC LIMIT ").push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn owned_records(&self, user: UserId) -> StoreResult<u64> {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM records WHERE owner_id = $1 AND parent_id IS NULL AND deleted = FALSE \
             AND entity IN ('customer', 'lead')",
        )
        .bind(user.to_string())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n.max(0) as u64)
    }

    async fn photo_bytes_begun(&self, user: UserId, since: i64) -> StoreResult<u64> {
        let n: Option<i64> = sqlx::query(
            "SELECT CAST(SUM(total) AS BIGINT) AS n FROM photos WHERE uploaded_by = $1 AND created_at >= $2",
        )
        .bind(user.to_string())
        .bind(since)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    async fn reactivate(&self, id: UserId) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET active = TRUE, departed_at = NULL WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        // Sessions from before the account closed stay dead: the
        // person signs in afresh.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
