//! The manager console: work rules, each member's numbers, the pool's
//! weekly flow and the ownership history search.

use super::moves::time;
use super::pool::change_from_row;
use super::{load_setting, save_setting, Backend, Db, DbRow};
use crate::store::columns::contains_pattern;
use crate::store::Console;
use crate::store::StoreResult;
use sqlx::Row as _;
use std::collections::HashMap;
use yingpan_shared::access::OwnerScope;
use yingpan_shared::api::{MemberStats, OwnershipEntry, PoolWeek};
use yingpan_shared::entity::FieldMap;
use yingpan_shared::user::User;

pub(super) const DAY_MS: i64 = 86_400_000;

pub(super) fn pool_week(start: i64, inflow: i64, outflow: i64) -> PoolWeek {
    PoolWeek {
        start: time(start),
        inflow: inflow.max(0) as u64,
        outflow: outflow.max(0) as u64,
    }
}

pub(super) fn ownership_entry(row: &DbRow) -> StoreResult<OwnershipEntry> {
    let data: Option<String> = row.try_get("data")?;
    let name = data
        .and_then(|d| serde_json::from_str::<FieldMap>(&d).ok())
        .and_then(|d| d.get("name").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    Ok(OwnershipEntry {
        change: change_from_row(row)?,
        customer_name: name,
    })
}

pub(super) fn member_stats_of(user: &User, counts: [i64; 4]) -> MemberStats {
    MemberStats {
        user: user.clone(),
        customers: counts[0].max(0) as u64,
        activities_7d: counts[1].max(0) as u64,
        activities_30d: counts[2].max(0) as u64,
        claims_30d: counts[3].max(0) as u64,
    }
}

#[async_trait::async_trait]
impl Console for Backend {
    async fn work_rules(&self) -> StoreResult<yingpan_shared::rules::WorkRules> {
        let mut conn = self.pool.acquire().await?;
        load_setting(&mut conn, "work_rules").await
    }

    async fn set_work_rules(&self, rules: &yingpan_shared::rules::WorkRules) -> StoreResult<()> {
        save_setting(&self.pool, "work_rules", rules).await
    }

    async fn print_templates(&self) -> StoreResult<yingpan_shared::money::print::PrintTemplates> {
        let mut conn = self.pool.acquire().await?;
        load_setting(&mut conn, "print_templates").await
    }

    async fn set_print_templates(&self, templates: &yingpan_shared::money::print::PrintTemplates) -> StoreResult<()> {
        save_setting(&self.pool, "print_templates", templates).await
    }

    async fn products(&self) -> StoreResult<Vec<yingpan_shared::money::records::Product>> {
        let mut conn = self.pool.acquire().await?;
        super::money::products(&mut conn).await
    }

    async fn money_changes(&self, after: i64, limit: u32) -> StoreResult<Vec<crate::store::MoneyChange>> {
        let mut conn = self.pool.acquire().await?;
        super::money::changes(&mut conn, after, limit).await
    }

    async fn member_stats(&self, members: &[User], now: i64) -> StoreResult<Vec<MemberStats>> {
        let mut conn = self.pool.acquire().await?;
        let (week, month) = (now - 7 * DAY_MS, now - 30 * DAY_MS);
        // Activities are never rewritten (a change of owner leaves
        // their author and time), so these columns date them.
        let rows = sqlx::query(
            "SELECT updated_by, COUNT(*) AS month, \
             SUM(CASE WHEN updated_at >= $1 THEN 1 ELSE 0 END) AS week \
             FROM records WHERE entity = 'activity' AND updated_at >= $2 GROUP BY updated_by",
        )
        .bind(week)
        .bind(month)
        .fetch_all(&mut *conn)
        .await?;
        let mut activity: HashMap<String, (i64, i64)> = HashMap::new();
        for row in rows {
            activity.insert(
                row.try_get("updated_by")?,
                (row.try_get("week")?, row.try_get("month")?),
            );
        }
        let mut out = Vec::with_capacity(members.len());
        for user in members {
            let id = user.id.to_string();
            let customers: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND deleted = FALSE AND owner_id = $1",
            )
            .bind(&id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            let claims: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM ownership_log WHERE to_user = $1 AND kind = 'claim' AND at >= $2",
            )
            .bind(&id)
            .bind(month)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            let (week, month) = activity.get(&id).copied().unwrap_or((0, 0));
            out.push(member_stats_of(user, [customers, week, month, claims]));
        }
        Ok(out)
    }

    async fn pool_flow(&self, weeks: u32, now: i64) -> StoreResult<(u64, Vec<PoolWeek>)> {
        let mut conn = self.pool.acquire().await?;
        let size: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND deleted = FALSE AND owner_id IS NULL",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        let mut out = Vec::new();
        for w in 0..i64::from(weeks) {
            let (start, end) = (now - (w + 1) * 7 * DAY_MS, now - w * 7 * DAY_MS);
            let flow = |column: &'static str| {
                format!("SELECT COUNT(*) AS n FROM ownership_log WHERE {column} IS NULL AND at > $1 AND at <= $2")
            };
            let inflow: i64 = sqlx::query(&flow("to_user"))
                .bind(start)
                .bind(end)
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
            let outflow: i64 = sqlx::query(&flow("from_user"))
                .bind(start)
                .bind(end)
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
            out.push(pool_week(start, inflow, outflow));
        }
        Ok((size.max(0) as u64, out))
    }

    async fn ownership_history(
        &self,
        scope: &OwnerScope,
        customer: Option<uuid::Uuid>,
        words: &[String],
        limit: u32,
    ) -> StoreResult<Vec<OwnershipEntry>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT l.id, l.customer_id, l.kind, l.from_user, l.to_user, l.by_user, l.reason, l.at, r.data \
             FROM ownership_log l LEFT JOIN records r ON r.entity = 'customer' AND r.id = l.customer_id WHERE TRUE",
        );
        if let Some(c) = customer {
            q.push(" AND l.customer_id = ").push_bind(c.to_string());
        }
        for word in words {
            q.push(" AND r.search_name LIKE ")
                .push_bind(contains_pattern(word))
                .push(" ESCAPE '!'");
        }
        if let OwnerScope::Owners { owners, pool } = scope {
            q.push(" AND (FALSE");
            for column in ["l.from_user", "l.to_user"] {
                if !owners.is_empty() {
                    q.push(format_args!(" OR {column} IN ("));
                    let mut list = q.separated(", ");
                    for o in owners {
                        list.push_bind(o.to_string());
                    }
                    list.push_unseparated(")");
                }
                if *pool {
                    q.push(format_args!(" OR {column} IS NULL"));
                }
            }
            q.push(")");
        }
        q.push(" ORDER BY l.at DESC, l.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(ownership_entry).collect()
    }
}
