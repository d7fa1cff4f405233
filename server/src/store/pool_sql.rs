//! The SQL behind the pool: moving customers between owners in bulk (claim,
//! release, reassignment, departure, automatic return all go through
//! `move_customers`), the facts the claim rules need, and the numbers of the
//! manager console. Stamped out per driver by `sql_store!`, like the rest.

macro_rules! pool_sql {
    ($db:ty, $job_lock:expr) => {
        use yingpan_shared::api::{HandoverPlan, HandoverShare, MemberStats, OwnershipEntry, PoolWeek};
        use yingpan_shared::customer::Grade;
        use yingpan_shared::ownership::{OwnershipChange, OwnershipKind};
        use yingpan_shared::pool::{
            check_claim, plan_handover, release_reason, should_return, ClaimFacts, Handover, PoolEntry, PoolRules,
            ReturnFacts,
        };
        use yingpan_shared::sync::Op;

        /// Ids per bulk statement: well under both drivers' bind limits.
        const CHUNK: usize = 2000;
        const RULES_KEY: &str = "pool_rules";
        const DAY_MS: i64 = 86_400_000;

        /// A customer changing hands, and why.
        #[derive(Clone, Debug)]
        struct Move {
            customer: uuid::Uuid,
            from: Option<UserId>,
            to: Option<UserId>,
            reason: Option<String>,
        }

        /// Takes the write lock (the `sync_state` row) before reading what a
        /// decision depends on, so two claims of one customer, or a claim and
        /// a cap check, cannot both act on the same stale view.
        async fn lock_writes(conn: &mut Conn) -> super::StoreResult<()> {
            sqlx::query("UPDATE sync_state SET last_seq = last_seq WHERE id = 1")
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// Reserves `n` consecutive change-stream positions and returns the
        /// one before the first.
        async fn reserve_seqs(conn: &mut Conn, n: i64) -> super::StoreResult<i64> {
            let row = sqlx::query("UPDATE sync_state SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq")
                .bind(n)
                .fetch_one(&mut *conn)
                .await?;
            let last: i64 = row.try_get("last_seq")?;
            Ok(last - n)
        }

        fn push_ids(q: &mut sqlx::QueryBuilder<'_, $db>, ids: &[uuid::Uuid]) {
            q.push("(");
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(id.to_string());
            }
            list.push_unseparated(")");
        }

        fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
            t.timestamp_millis()
        }

        fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
            chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
        }

        async fn load_rules(conn: &mut Conn) -> super::StoreResult<PoolRules> {
            load_setting(conn, RULES_KEY).await
        }

        async fn count(q: &mut sqlx::QueryBuilder<'_, $db>, conn: &mut Conn) -> super::StoreResult<i64> {
            Ok(q.build().fetch_one(&mut *conn).await?.try_get("n")?)
        }

        /// Moves customers (with every child record) to new owners: new
        /// change-stream positions for all of them, an ownership record and
        /// log entry per customer, pool entries created or removed, and
        /// evictions for everyone who no longer sees them. Set-based, so a
        /// departed rep's 10,000 customers move in a few dozen statements.
        /// Returns how many records changed hands.
        async fn move_customers(
            conn: &mut Conn,
            users: &[User],
            moves: &[Move],
            kind: OwnershipKind,
            by: Option<UserId>,
            now: i64,
        ) -> super::StoreResult<u64> {
            let mut groups: std::collections::BTreeMap<(Option<UserId>, Option<UserId>), Vec<&Move>> =
                std::collections::BTreeMap::new();
            for m in moves.iter().filter(|m| m.from != m.to) {
                groups.entry((m.from, m.to)).or_default().push(m);
            }
            let team = |id: Option<UserId>| id.and_then(|u| team_of(users, u));
            let author = by.map(|u| u.to_string()).unwrap_or_default();
            let mut moved = 0u64;
            for ((from, to), group) in groups {
                let losers: Vec<&User> = users
                    .iter()
                    .filter(|u| u.active)
                    .filter(|u| {
                        let v = Viewer::from(*u);
                        can_see(&v, from, team(from)) && !can_see(&v, to, team(to))
                    })
                    .collect();
                for chunk in group.chunks(CHUNK) {
                    let ids: Vec<uuid::Uuid> = chunk.iter().map(|m| m.customer).collect();
                    moved += renumber_to_owner(&mut *conn, &ids, to, now).await?;
                    write_ownership(&mut *conn, chunk, kind, &author, now).await?;
                    match (from, to) {
                        (_, None) => write_pool_entries(&mut *conn, chunk, now, &author).await?,
                        (None, Some(_)) => remove_pool_entries(&mut *conn, &ids, now).await?,
                        _ => {}
                    }
                    for user in &losers {
                        let base = reserve_seqs(&mut *conn, ids.len() as i64).await?;
                        let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO evictions (seq, user_id, entity, id) ");
                        q.push_values(ids.iter().enumerate(), |mut row, (i, id)| {
                            row.push_bind(base + 1 + i as i64)
                                .push_bind(user.id.to_string())
                                .push_bind(EntityKind::Customer.as_str())
                                .push_bind(id.to_string());
                        });
                        q.build().execute(&mut *conn).await?;
                    }
                }
            }
            Ok(moved)
        }

        /// Gives the customers `ids` and their children to `to` under fresh
        /// positions, in their old order. Authors and times stay as they were.
        /// The caller holds the write lock, so the positions after the head
        /// are free until this transaction ends: the rows take them first and
        /// the head moves past them after, saving a count.
        async fn renumber_to_owner(
            conn: &mut Conn,
            ids: &[uuid::Uuid],
            to: Option<UserId>,
            now: i64,
        ) -> super::StoreResult<u64> {
            let base: i64 = sqlx::query("SELECT last_seq FROM sync_state WHERE id = 1")
                .fetch_one(&mut *conn)
                .await?
                .try_get("last_seq")?;
            let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE records SET owner_id = ");
            q.push_bind(to.map(|t| t.to_string()))
                .push(", owner_since = CASE WHEN records.entity = 'customer' THEN ")
                .push_bind(now)
                .push(" ELSE records.owner_since END, seq = ")
                .push_bind(base)
                .push(
                    " + m.rn FROM (SELECT entity, id, ROW_NUMBER() OVER (ORDER BY seq) AS rn \
                     FROM records WHERE (entity = 'customer' AND id IN ",
                );
            push_ids(&mut q, ids);
            q.push(") OR parent_id IN ");
            push_ids(&mut q, ids);
            q.push(") AS m WHERE records.entity = m.entity AND records.id = m.id");
            let moved = q.build().execute(&mut *conn).await?.rows_affected();
            reserve_seqs(&mut *conn, moved as i64).await?;
            Ok(moved)
        }

        /// Records the change in the log and as a synced history record
        /// under each customer (owned by the new owner, so it travels with
        /// the customer).
        async fn write_ownership(
            conn: &mut Conn,
            chunk: &[&Move],
            kind: OwnershipKind,
            author: &str,
            now: i64,
        ) -> super::StoreResult<()> {
            let by = author.parse().ok().map(UserId);
            let changes: Vec<OwnershipChange> = chunk
                .iter()
                .map(|m| OwnershipChange {
                    id: uuid::Uuid::now_v7(),
                    customer_id: m.customer,
                    kind,
                    from: m.from,
                    to: m.to,
                    by,
                    reason: m.reason.clone(),
                    at: time(now),
                })
                .collect();
            let mut log = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO ownership_log (id, customer_id, kind, from_user, to_user, by_user, reason, at) ",
            );
            log.push_values(&changes, |mut row, c| {
                row.push_bind(c.id.to_string())
                    .push_bind(c.customer_id.to_string())
                    .push_bind(c.kind.as_str())
                    .push_bind(c.from.map(|u| u.to_string()))
                    .push_bind(c.to.map(|u| u.to_string()))
                    .push_bind(c.by.map(|u| u.to_string()))
                    .push_bind(c.reason.clone())
                    .push_bind(now);
            });
            log.build().execute(&mut *conn).await?;
            let base = reserve_seqs(&mut *conn, changes.len() as i64).await?;
            let mut rows = Vec::with_capacity(changes.len());
            for c in &changes {
                rows.push((c, serde_json::to_value(c).map_err(corrupt)?.to_string()));
            }
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by) ",
            );
            q.push_values(rows.iter().enumerate(), |mut row, (i, (c, data))| {
                row.push_bind(EntityKind::Ownership.as_str())
                    .push_bind(c.id.to_string())
                    .push_bind(c.to.map(|u| u.to_string()))
                    .push_bind(c.customer_id.to_string())
                    .push_bind(data.clone())
                    .push_bind(false)
                    .push_bind(base + 1 + i as i64)
                    .push_bind(now)
                    .push_bind(author.to_owned());
            });
            q.build().execute(&mut *conn).await?;
            Ok(())
        }

        /// Puts a pool entry (what every rep sees) up for each customer.
        async fn write_pool_entries(conn: &mut Conn, chunk: &[&Move], now: i64, author: &str) -> super::StoreResult<()> {
            let ids: Vec<uuid::Uuid> = chunk.iter().map(|m| m.customer).collect();
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "SELECT id, data, last_activity_at FROM records WHERE entity = 'customer' AND id IN ",
            );
            push_ids(&mut q, &ids);
            // An entry already up (an edit of a pool customer) keeps when and
            // why its customer went into the pool.
            let mut current = sqlx::QueryBuilder::<$db>::new(
                "SELECT id, data FROM records WHERE entity = 'pool_entry' AND deleted = FALSE AND id IN ",
            );
            push_ids(&mut current, &ids);
            let mut standing: HashMap<uuid::Uuid, PoolEntry> = HashMap::new();
            for row in current.build().fetch_all(&mut *conn).await? {
                let entry: PoolEntry = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                standing.insert(entry.id, entry);
            }
            let mut entries = Vec::with_capacity(ids.len());
            for row in q.build().fetch_all(&mut *conn).await? {
                let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
                let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                let text = |f: &str| data.get(f).and_then(|v| v.as_str()).map(str::to_owned);
                let entry = PoolEntry {
                    id,
                    name: text("name").unwrap_or_default(),
                    industry: text("industry"),
                    region: text("region"),
                    last_activity_at: row.try_get::<Option<i64>, _>("last_activity_at")?.map(time),
                    pooled_at: standing.get(&id).map_or(time(now), |e| e.pooled_at),
                    reason: chunk
                        .iter()
                        .find(|m| m.customer == id)
                        .and_then(|m| m.reason.clone())
                        .or_else(|| standing.get(&id).and_then(|e| e.reason.clone())),
                };
                entries.push((id, serde_json::to_value(&entry).map_err(corrupt)?.to_string()));
            }
            if entries.is_empty() {
                return Ok(());
            }
            let base = reserve_seqs(&mut *conn, entries.len() as i64).await?;
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by) ",
            );
            q.push_values(entries.iter().enumerate(), |mut row, (i, (id, data))| {
                row.push_bind(EntityKind::PoolEntry.as_str())
                    .push_bind(id.to_string())
                    .push_bind(None::<String>)
                    .push_bind(None::<String>)
                    .push_bind(data.clone())
                    .push_bind(false)
                    .push_bind(base + 1 + i as i64)
                    .push_bind(now)
                    .push_bind(author.to_owned());
            });
            q.push(
                " ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data, deleted = FALSE, seq = excluded.seq, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            );
            q.build().execute(&mut *conn).await?;
            Ok(())
        }

        /// Puts up (or refreshes, keeping when and why) one pool customer's
        /// summary.
        async fn refresh_pool_entry(conn: &mut Conn, customer: uuid::Uuid, now: i64, author: &str) -> super::StoreResult<()> {
            let entry = Move { customer, from: None, to: None, reason: None };
            write_pool_entries(conn, &[&entry], now, author).await
        }

        /// Takes the customers' pool entries down (a removal everyone pulls).
        async fn remove_pool_entries(conn: &mut Conn, ids: &[uuid::Uuid], now: i64) -> super::StoreResult<()> {
            let filter = |q: &mut sqlx::QueryBuilder<'_, $db>| {
                q.push(" FROM records WHERE entity = 'pool_entry' AND deleted = FALSE AND id IN ");
                push_ids(q, ids);
            };
            let mut n = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) AS n");
            filter(&mut n);
            let n = count(&mut n, &mut *conn).await?;
            if n == 0 {
                return Ok(());
            }
            let base = reserve_seqs(&mut *conn, n).await?;
            let mut q = sqlx::QueryBuilder::<$db>::new("UPDATE records SET deleted = TRUE, updated_at = ");
            q.push_bind(now)
                .push(", seq = ")
                .push_bind(base)
                .push(" + m.rn FROM (SELECT entity, id, ROW_NUMBER() OVER (ORDER BY seq) AS rn");
            filter(&mut q);
            q.push(") AS m WHERE records.entity = m.entity AND records.id = m.id");
            q.build().execute(&mut *conn).await?;
            Ok(())
        }

        async fn claim_facts(
            conn: &mut Conn,
            rules: &PoolRules,
            rep: UserId,
            customer: &StoredRecord,
            now: i64,
        ) -> super::StoreResult<ClaimFacts> {
            let owned: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE",
            )
            .bind(rep.to_string())
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            let claims: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM ownership_log WHERE to_user = $1 AND kind = 'claim' AND at >= $2",
            )
            .bind(rep.to_string())
            .bind(millis(rules.day_start(time(now))))
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            let last_lost: Option<i64> =
                sqlx::query("SELECT MAX(at) AS at FROM ownership_log WHERE customer_id = $1 AND from_user = $2")
                    .bind(customer.id.to_string())
                    .bind(rep.to_string())
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("at")?;
            Ok(ClaimFacts {
                owner: customer.owner_id,
                owned: u32::try_from(owned).unwrap_or(u32::MAX),
                claims_today: u32::try_from(claims).unwrap_or(u32::MAX),
                last_lost: last_lost.map(time),
            })
        }

        /// A claim or a release pushed by `viewer`: decided by the pool rules
        /// against the current state (the caller holds the write lock).
        async fn pool_op(
            conn: &mut Conn,
            viewer: &Viewer,
            users: &[User],
            m: &Mutation,
            now: i64,
        ) -> super::StoreResult<Result<(), String>> {
            if m.entity != EntityKind::Customer {
                return Ok(Err("only customers can be claimed or released".into()));
            }
            if let Some(why) = yingpan_shared::access::read_only(viewer) {
                return Ok(Err(why.into()));
            }
            let customer = match load_record(&mut *conn, EntityKind::Customer, m.id).await? {
                Some((c, _)) if !c.deleted => c,
                _ => return Ok(Err("this customer no longer exists".into())),
            };
            let (kind, to, reason) = match &m.op {
                Op::Claim => {
                    let rules = load_rules(&mut *conn).await?;
                    let facts = claim_facts(&mut *conn, &rules, viewer.id, &customer, now).await?;
                    if let Err(why) = check_claim(&rules, viewer.id, &facts, time(now)) {
                        return Ok(Err(why));
                    }
                    (OwnershipKind::Claim, Some(viewer.id), None)
                }
                Op::Release { reason } => {
                    let reason = match release_reason(reason) {
                        Ok(r) => r,
                        Err(why) => return Ok(Err(why)),
                    };
                    let owner_team = customer.owner_id.and_then(|o| team_of(users, o));
                    if customer.owner_id.is_none() {
                        return Ok(Err("this customer is already in the pool".into()));
                    }
                    if !can_change(viewer, customer.owner_id, owner_team) {
                        return Ok(Err("you no longer own this customer".into()));
                    }
                    (OwnershipKind::Release, None, Some(reason))
                }
                _ => return Ok(Err("not a pool operation".into())),
            };
            let moves = [Move {
                customer: customer.id,
                from: customer.owner_id,
                to,
                reason,
            }];
            move_customers(&mut *conn, users, &moves, kind, Some(viewer.id), now).await?;
            Ok(Ok(()))
        }

        /// The customer's ownership history, oldest first.
        async fn load_history(conn: &mut Conn, customer: uuid::Uuid) -> super::StoreResult<Vec<OwnershipChange>> {
            let rows = sqlx::query(
                "SELECT id, customer_id, kind, from_user, to_user, by_user, reason, at FROM ownership_log \
                 WHERE customer_id = $1 ORDER BY at",
            )
            .bind(customer.to_string())
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(change_from_row).collect()
        }

        fn change_from_row(row: &DbRow) -> super::StoreResult<OwnershipChange> {
            let user = |col: &str| -> super::StoreResult<Option<UserId>> {
                let v: Option<String> = row.try_get(col)?;
                Ok(v.as_deref().map(parse_uuid).transpose()?.map(UserId))
            };
            let kind: String = row.try_get("kind")?;
            Ok(OwnershipChange {
                id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                customer_id: parse_uuid(&row.try_get::<String, _>("customer_id")?)?,
                kind: OwnershipKind::parse(&kind).ok_or_else(|| corrupt(format!("unknown ownership kind {kind:?}")))?,
                from: user("from_user")?,
                to: user("to_user")?,
                by: user("by_user")?,
                reason: row.try_get("reason")?,
                at: time(row.try_get("at")?),
            })
        }

        /// Moves an activity's customer's follow-up clock forward. A time in
        /// the future (a wrong device clock) counts as now.
        /// A customer's follow-up clock counts from `at` if that is later
        /// than what it counted from.
        async fn note_activity(conn: &mut Conn, customer: uuid::Uuid, at: i64) -> super::StoreResult<()> {
            sqlx::query(
                "UPDATE records SET last_activity_at = CASE WHEN last_activity_at IS NULL OR last_activity_at < $1 \
                 THEN $1 ELSE last_activity_at END WHERE entity = 'customer' AND id = $2",
            )
            .bind(at)
            .bind(customer.to_string())
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// Starts a customer's "no won deal" clock again when one of its
        /// opportunities is won.
        async fn note_win(conn: &mut Conn, customer: uuid::Uuid, now: i64) -> super::StoreResult<()> {
            sqlx::query("UPDATE records SET last_won_at = $1 WHERE entity = 'customer' AND id = $2")
                .bind(now)
                .bind(customer.to_string())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        async fn owned_customers_in(
            conn: &mut Conn,
            owners: Option<&[UserId]>,
        ) -> super::StoreResult<Vec<$crate::store::OwnedCustomer>> {
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "SELECT id, owner_id, owner_since, last_activity_at, last_won_at, updated_at, data FROM records \
                 WHERE entity = 'customer' AND deleted = FALSE AND owner_id IS NOT NULL",
            );
            if let Some(owners) = owners {
                if owners.is_empty() {
                    return Ok(Vec::new());
                }
                q.push(" AND owner_id IN (");
                let mut list = q.separated(", ");
                for o in owners {
                    list.push_bind(o.to_string());
                }
                list.push_unseparated(")");
            }
            q.push(" ORDER BY id");
            let mut out = Vec::new();
            for row in q.build().fetch_all(&mut *conn).await? {
                let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                let since: Option<i64> = row.try_get("owner_since")?;
                let updated: i64 = row.try_get("updated_at")?;
                out.push($crate::store::OwnedCustomer {
                    id: parse_uuid(&row.try_get::<String, _>("id")?)?,
                    owner: UserId(parse_uuid(&row.try_get::<String, _>("owner_id")?)?),
                    name: data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                    facts: ReturnFacts {
                        grade: data.get("grade").cloned().and_then(|g| serde_json::from_value::<Grade>(g).ok()),
                        locked: data.get("locked").and_then(|v| v.as_bool()).unwrap_or(false),
                        open_contract: false,
                        owner_since: time(since.unwrap_or(updated)),
                        last_activity: row.try_get::<Option<i64>, _>("last_activity_at")?.map(time),
                        last_won_deal: row.try_get::<Option<i64>, _>("last_won_at")?.map(time),
                    },
                });
            }
            Ok(out)
        }

        /// Plans (and with `confirm`, carries out) a departed rep's handover.
        #[allow(clippy::too_many_arguments)]
        /// Gives a departing rep's leads to the receivers (see
        /// `plan_lead_handover`).
        async fn hand_over_leads(
            conn: &mut Conn,
            rep: UserId,
            handover: &Handover,
            by: UserId,
            now: i64,
        ) -> super::StoreResult<()> {
            let rows = sqlx::query(
                "SELECT id, data FROM records WHERE entity = 'lead' AND owner_id = $1 AND deleted = FALSE ORDER BY id",
            )
            .bind(rep.to_string())
            .fetch_all(&mut *conn)
            .await?;
            let mut leads = HashMap::new();
            for row in &rows {
                let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
                let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                leads.insert(id, data);
            }
            let mut ids: Vec<uuid::Uuid> = leads.keys().copied().collect();
            ids.sort();
            for (id, to) in yingpan_shared::pool::plan_lead_handover(&ids, handover, by) {
                let mut data = leads.remove(&id).unwrap_or_default();
                data.insert("owner_id".into(), serde_json::json!(to));
                write_record(&mut *conn, EntityKind::Lead, id, Some(to), None, &data, false, now, &by.to_string()).await?;
            }
            Ok(())
        }

        async fn hand_over_in(
            conn: &mut Conn,
            users: &[User],
            departing: &User,
            handover: &Handover,
            confirm: bool,
            by: UserId,
            now: i64,
        ) -> super::StoreResult<Result<HandoverPlan, Refusal>> {
            let rep = departing.id.to_string();
            let rows = sqlx::query(
                "SELECT id, data FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE ORDER BY id",
            )
            .bind(&rep)
            .fetch_all(&mut *conn)
            .await?;
            let mut customers = Vec::with_capacity(rows.len());
            let mut names = HashMap::new();
            for row in &rows {
                let id = parse_uuid(&row.try_get::<String, _>("id")?)?;
                let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                names.insert(id, data.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned());
                customers.push(id);
            }
            let records: i64 = sqlx::query("SELECT COUNT(*) AS n FROM records WHERE owner_id = $1 AND deleted = FALSE")
                .bind(&rep)
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
            let receivers: Vec<UserId> = match handover {
                Handover::ToOne { to } => vec![*to],
                Handover::Spread { to } => to.clone(),
                Handover::Pool => Vec::new(),
            };
            let mut books = Vec::new();
            for r in &receivers {
                let n: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM records WHERE entity = 'customer' AND owner_id = $1 AND deleted = FALSE",
                )
                .bind(r.to_string())
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
                books.push((*r, n.max(0) as u64));
            }
            let plan = match plan_handover(&customers, handover, &books) {
                Ok(p) => p,
                Err(why) => return Ok(Err(Refusal::Invalid(why))),
            };
            let targets: Vec<Option<UserId>> = if receivers.is_empty() {
                vec![None]
            } else {
                receivers.iter().copied().map(Some).collect()
            };
            let shares = targets
                .iter()
                .map(|t| {
                    let mine: Vec<&uuid::Uuid> = plan.iter().filter(|(_, to)| to == t).map(|(c, _)| c).collect();
                    let before = books.iter().find(|(u, _)| Some(*u) == *t).map_or(0, |(_, n)| *n);
                    HandoverShare {
                        to: *t,
                        customers: mine.len() as u64,
                        owned_after: if t.is_some() { before + mine.len() as u64 } else { 0 },
                        sample: mine.iter().take(5).map(|c| names[*c].clone()).collect(),
                    }
                })
                .collect();
            let outcome = HandoverPlan {
                customers: customers.len() as u64,
                records: records.max(0) as u64,
                shares,
                done: confirm,
            };
            if !confirm {
                return Ok(Ok(outcome));
            }
            sqlx::query("UPDATE users SET active = FALSE, departed_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&rep)
                .execute(&mut *conn)
                .await?;
            let users: Vec<User> = users
                .iter()
                .map(|u| User {
                    active: u.active && u.id != departing.id,
                    ..u.clone()
                })
                .collect();
            let moves: Vec<Move> = plan
                .into_iter()
                .map(|(customer, to)| Move {
                    customer,
                    from: Some(departing.id),
                    to,
                    reason: Some(format!("{} left the company", departing.display_name)),
                })
                .collect();
            move_customers(&mut *conn, &users, &moves, OwnershipKind::Departure, Some(by), now).await?;
            hand_over_leads(&mut *conn, departing.id, handover, by, now).await?;
            Ok(Ok(outcome))
        }

        /// On PostgreSQL, the statement that lets only one server run the
        /// automatic return at a time.
        const JOB_LOCK: Option<&str> = $job_lock;
        fn pool_week(start: i64, inflow: i64, outflow: i64) -> PoolWeek {
            PoolWeek {
                start: time(start),
                inflow: inflow.max(0) as u64,
                outflow: outflow.max(0) as u64,
            }
        }
        fn ownership_entry(row: &DbRow) -> super::StoreResult<OwnershipEntry> {
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
        fn member_stats_of(user: &User, counts: [i64; 4]) -> MemberStats {
            MemberStats {
                user: user.clone(),
                customers: counts[0].max(0) as u64,
                activities_7d: counts[1].max(0) as u64,
                activities_30d: counts[2].max(0) as u64,
                claims_30d: counts[3].max(0) as u64,
            }
        }
        fn due_moves(rules: &PoolRules, owned: Vec<$crate::store::OwnedCustomer>, now: i64) -> Vec<Move> {
            owned
                .into_iter()
                .filter_map(|c| {
                    should_return(rules, &c.facts, time(now)).map(|reason| Move {
                        customer: c.id,
                        from: Some(c.owner),
                        to: None,
                        reason: Some(reason),
                    })
                })
                .collect()
        }
    };
}

pub(crate) use pool_sql;
