//! The SQL behind duplicate detection: keeping each customer's normal forms
//! and name grams current as it is written, and finding the candidates a new
//! customer might duplicate. The rules themselves are in
//! `yingpan_shared::dedup`. Stamped out per driver by `sql_store!`.

macro_rules! dedup_sql {
    ($db:ty) => {
        use yingpan_shared::dedup::{name_grams, CustomerKeys, DuplicatePolicy, NameKey};

        const POLICY_KEY: &str = "duplicate_policy";

        use $crate::store::Candidate;

        fn keys_of(data: &FieldMap) -> CustomerKeys {
            let text = |f: &str| data.get(f).and_then(|v| v.as_str());
            CustomerKeys::of(text("name").unwrap_or_default(), text("phone"), text("email"))
        }

        /// Re-indexes a customer after a write (a deleted one leaves the index).
        async fn index_customer(
            conn: &mut Conn,
            id: uuid::Uuid,
            data: &FieldMap,
            deleted: bool,
        ) -> super::StoreResult<()> {
            let id = id.to_string();
            // A new customer has nothing indexed yet: one statement, not two.
            let had_keys = sqlx::query("DELETE FROM customer_keys WHERE customer_id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                > 0;
            if had_keys {
                sqlx::query("DELETE FROM name_grams WHERE customer_id = $1")
                    .bind(&id)
                    .execute(&mut *conn)
                    .await?;
            }
            if deleted {
                return Ok(());
            }
            let keys = keys_of(data);
            sqlx::query(
                "INSERT INTO customer_keys (customer_id, core, region, phone, email) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(&keys.name.core)
            .bind(&keys.name.region)
            .bind(&keys.phone)
            .bind(&keys.email)
            .execute(&mut *conn)
            .await?;
            let grams = name_grams(&keys.name);
            if !grams.is_empty() {
                let mut q = sqlx::QueryBuilder::<$db>::new("INSERT INTO name_grams (gram, customer_id) ");
                q.push_values(&grams, |mut row, gram| {
                    row.push_bind(gram.clone()).push_bind(id.clone());
                });
                q.build().execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// Indexes customers written before the index existed.
        async fn index_missing_customers(conn: &mut Conn) -> super::StoreResult<u64> {
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
        async fn find_candidates(
            conn: &mut Conn,
            keys: &CustomerKeys,
            exclude: Option<uuid::Uuid>,
            limit: u32,
            similar: bool,
        ) -> super::StoreResult<Vec<Candidate>> {
            let mut ids: Vec<String> = Vec::new();
            let grams = name_grams(&keys.name);
            if !similar {
                let core = Some(&keys.name.core).filter(|c| !c.is_empty());
                let rows = sqlx::query(
                    "SELECT customer_id FROM customer_keys WHERE core = $1 OR phone = $2 OR email = $3 LIMIT 20",
                )
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
                let mut q = sqlx::QueryBuilder::<$db>::new(
                    "SELECT customer_id, COUNT(*) AS hits FROM name_grams WHERE gram IN (",
                );
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
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "SELECT k.customer_id, k.core, k.region, k.phone, k.email, r.owner_id, r.data \
                 FROM customer_keys k JOIN records r ON r.entity = 'customer' AND r.id = k.customer_id \
                 WHERE r.deleted = FALSE AND k.customer_id IN (",
            );
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            let mut out = Vec::new();
            for row in q.build().fetch_all(&mut *conn).await? {
                let data: FieldMap = serde_json::from_str(&row.try_get::<String, _>("data")?).map_err(corrupt)?;
                let owner: Option<String> = row.try_get("owner_id")?;
                out.push(Candidate {
                    id: parse_uuid(&row.try_get::<String, _>("customer_id")?)?,
                    owner: owner.as_deref().map(parse_uuid).transpose()?.map(UserId),
                    name: data
                        .get("name")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    keys: CustomerKeys {
                        name: NameKey {
                            core: row.try_get("core")?,
                            region: row.try_get("region")?,
                        },
                        phone: row.try_get("phone")?,
                        email: row.try_get("email")?,
                    },
                });
            }
            Ok(out)
        }

        /// What a new customer's likeness to existing ones means: refused
        /// (the block policy and an exact duplicate), flagged (a close match),
        /// or nothing.
        async fn judge_new_customer(
            conn: &mut Conn,
            users: &[User],
            id: uuid::Uuid,
            data: &FieldMap,
        ) -> super::StoreResult<Verdict> {
            let keys = keys_of(data);
            let best = find_candidates(&mut *conn, &keys, Some(id), 20, false)
                .await?
                .into_iter()
                .map(|c| {
                    let (likeness, score) = yingpan_shared::dedup::compare(&keys, &c.keys);
                    (c, likeness, score)
                })
                .max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)));
            let Some((c, likeness, score)) = best else {
                return Ok(Verdict::Fine);
            };
            if likeness == yingpan_shared::dedup::Likeness::Same
                && load_policy(&mut *conn).await? == DuplicatePolicy::Block
            {
                let owner = c
                    .owner
                    .and_then(|o| users.iter().find(|u| u.id == o))
                    .map(|u| u.display_name.as_str());
                return Ok(Verdict::Refuse(yingpan_shared::dedup::duplicate_refusal(
                    &c.name, owner,
                )));
            }
            if yingpan_shared::dedup::worth_flagging(likeness, score) {
                return Ok(Verdict::Flag(c, likeness, score));
            }
            Ok(Verdict::Fine)
        }

        enum Verdict {
            Fine,
            Refuse(String),
            Flag(Candidate, yingpan_shared::dedup::Likeness, f32),
        }

        /// Puts a "possible duplicate" note under the new customer, seen by
        /// whoever sees it (its owner and their manager).
        async fn write_flag(
            conn: &mut Conn,
            customer: &StoredRecord,
            existing: &Candidate,
            likeness: yingpan_shared::dedup::Likeness,
            score: f32,
            now: i64,
        ) -> super::StoreResult<()> {
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
        fn merged_into(record: Option<&(StoredRecord, String)>) -> Option<uuid::Uuid> {
            let (r, _) = record?;
            if r.entity != EntityKind::Customer || !r.deleted {
                return None;
            }
            r.data.get("merged_into")?.as_str()?.parse().ok()
        }

        /// Merges customer `merged` into `survivor`: the survivor takes the
        /// chosen field values, every child record (contacts, activities,
        /// history, conflicts) moves to it, flags between the two go, and the
        /// merged customer becomes a tombstone that points at the survivor.
        #[allow(clippy::too_many_arguments)]
        async fn merge_in(
            conn: &mut Conn,
            viewer: &Viewer,
            users: &[User],
            survivor: uuid::Uuid,
            merged: uuid::Uuid,
            choices: &std::collections::BTreeMap<String, yingpan_shared::dedup::Keep>,
            now: i64,
        ) -> super::StoreResult<Result<u64, Refusal>> {
            if survivor == merged {
                return Ok(Err(Refusal::Invalid(
                    "a customer cannot be merged into itself".into(),
                )));
            }
            let visible = |r: &StoredRecord| can_see(viewer, r.owner_id, r.owner_id.and_then(|o| team_of(users, o)));
            let (Some((keep, _)), Some((gone, _))) = (
                load_record(&mut *conn, EntityKind::Customer, survivor).await?,
                load_record(&mut *conn, EntityKind::Customer, merged).await?,
            ) else {
                return Ok(Err(Refusal::NotFound));
            };
            if keep.deleted || gone.deleted || !visible(&keep) || !visible(&gone) {
                return Ok(Err(Refusal::NotFound));
            }
            if let Err(why) = yingpan_shared::dedup::may_merge(viewer.role) {
                return Ok(Err(Refusal::Forbidden(why.into())));
            }
            let author = viewer.id.to_string();
            let data = yingpan_shared::dedup::merged_fields(&keep.data, &gone.data, choices);
            let data = match EntityKind::Customer.canonicalize(survivor, &data) {
                Ok(d) => d,
                Err(e) => return Ok(Err(Refusal::Invalid(e.to_string()))),
            };
            write_record(
                &mut *conn,
                EntityKind::Customer,
                survivor,
                keep.owner_id,
                None,
                &data,
                false,
                now,
                &author,
            )
            .await?;
            let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE parent_id IN ($1, $2) AND deleted = FALSE");
            let children = sqlx::query(&sql)
                .bind(survivor.to_string())
                .bind(merged.to_string())
                .fetch_all(&mut *conn)
                .await?;
            let mut moved = Vec::new();
            for row in &children {
                let (child, _) = record_from_row(row)?;
                let pointless_flag = child.entity == EntityKind::Duplicate
                    && [survivor, merged]
                        .iter()
                        .any(|id| child.data.get("existing_id") == Some(&serde_json::json!(id)));
                if pointless_flag || (child.entity == EntityKind::Duplicate && child.parent_id == Some(merged)) {
                    write_record(
                        &mut *conn,
                        child.entity,
                        child.id,
                        child.owner_id,
                        child.parent_id,
                        &child.data,
                        true,
                        now,
                        &author,
                    )
                    .await?;
                } else if child.parent_id == Some(merged) {
                    let mut data = child.data.clone();
                    data.insert("customer_id".into(), serde_json::json!(survivor));
                    write_record(
                        &mut *conn,
                        child.entity,
                        child.id,
                        keep.owner_id,
                        Some(survivor),
                        &data,
                        false,
                        now,
                        &author,
                    )
                    .await?;
                    moved.push((child.entity.as_str(), child.id));
                }
            }
            let mut tombstone = gone.data.clone();
            tombstone.insert("merged_into".into(), serde_json::json!(survivor));
            write_record(
                &mut *conn,
                EntityKind::Customer,
                merged,
                gone.owner_id,
                None,
                &tombstone,
                true,
                now,
                &author,
            )
            .await?;
            if gone.owner_id.is_none() {
                remove_pool_entries(&mut *conn, &[merged], now).await?;
            }
            if keep.owner_id.is_none() {
                refresh_pool_entry(&mut *conn, survivor, now, &author).await?;
            }
            // Kept for 30 days of undo, and shown in the survivor's timeline.
            let record = yingpan_shared::dedup::MergeRecord {
                id: uuid::Uuid::now_v7(),
                customer_id: survivor,
                merged_id: merged,
                merged_name: gone
                    .data
                    .get("name")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                by: viewer.id,
                at: chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
                undone_at: None,
            };
            sqlx::query(
                "INSERT INTO merges (id, survivor, merged, by_user, at, survivor_before, survivor_after, moved) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(record.id.to_string())
            .bind(survivor.to_string())
            .bind(merged.to_string())
            .bind(&author)
            .bind(now)
            .bind(serde_json::Value::Object(keep.data.clone()).to_string())
            .bind(serde_json::Value::Object(data.clone()).to_string())
            .bind(serde_json::to_string(&moved).map_err(corrupt)?)
            .execute(&mut *conn)
            .await?;
            write_merge_record(&mut *conn, &record, keep.owner_id, now, &author).await?;
            Ok(Ok(moved.len() as u64))
        }

        async fn write_merge_record(
            conn: &mut Conn,
            record: &yingpan_shared::dedup::MergeRecord,
            owner: Option<UserId>,
            now: i64,
            author: &str,
        ) -> super::StoreResult<()> {
            let data = fields_of(record)?;
            write_record(
                &mut *conn,
                EntityKind::Merge,
                record.id,
                owner,
                Some(record.customer_id),
                &data,
                false,
                now,
                author,
            )
            .await?;
            Ok(())
        }

        /// Undoes a merge (within 30 days): the merged customer comes back
        /// with the children it brought, and the survivor's fields the merge
        /// changed go back unless edited since.
        async fn undo_merge_in(
            conn: &mut Conn,
            viewer: &Viewer,
            users: &[User],
            id: uuid::Uuid,
            now: i64,
        ) -> super::StoreResult<Result<u64, Refusal>> {
            let row = sqlx::query(
                "SELECT survivor, merged, survivor_before, survivor_after, moved FROM merges WHERE id = $1",
            )
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            let (Some(row), Some((log, _))) = (row, load_record(&mut *conn, EntityKind::Merge, id).await?) else {
                return Ok(Err(Refusal::NotFound));
            };
            let survivor = parse_uuid(&row.try_get::<String, _>("survivor")?)?;
            let merged = parse_uuid(&row.try_get::<String, _>("merged")?)?;
            let json_map = |col: &str| -> super::StoreResult<FieldMap> {
                serde_json::from_str(&row.try_get::<String, _>(col)?).map_err(corrupt)
            };
            let (before, after) = (json_map("survivor_before")?, json_map("survivor_after")?);
            let moved: Vec<(String, uuid::Uuid)> =
                serde_json::from_str(&row.try_get::<String, _>("moved")?).map_err(corrupt)?;
            let (Some((keep, _)), Some((gone, _))) = (
                load_record(&mut *conn, EntityKind::Customer, survivor).await?,
                load_record(&mut *conn, EntityKind::Customer, merged).await?,
            ) else {
                return Ok(Err(Refusal::NotFound));
            };
            let team = |o: Option<UserId>| o.and_then(|o| team_of(users, o));
            if keep.deleted || !can_see(viewer, keep.owner_id, team(keep.owner_id)) {
                return Ok(Err(Refusal::NotFound));
            }
            // Undoing brings the merged customer back to its owner: the one
            // undoing must be able to change both.
            if let Err(why) = yingpan_shared::dedup::may_merge(viewer.role) {
                return Ok(Err(Refusal::Forbidden(why.into())));
            }
            if !can_change(viewer, keep.owner_id, team(keep.owner_id))
                || !can_change(viewer, gone.owner_id, team(gone.owner_id))
            {
                return Ok(Err(Refusal::Forbidden(
                    "this merge involves a customer outside your team; ask an admin to undo it".into(),
                )));
            }
            let mut record: yingpan_shared::dedup::MergeRecord =
                serde_json::from_value(serde_json::Value::Object(log.data.clone())).map_err(corrupt)?;
            let at = chrono::DateTime::from_timestamp_millis(now).unwrap_or_default();
            if let Err(why) = yingpan_shared::dedup::may_undo(&record, at) {
                return Ok(Err(Refusal::Invalid(why)));
            }
            let author = viewer.id.to_string();
            let mut restored = gone.data.clone();
            restored.remove("merged_into");
            write_record(
                &mut *conn,
                EntityKind::Customer,
                merged,
                gone.owner_id,
                None,
                &restored,
                false,
                now,
                &author,
            )
            .await?;
            if gone.owner_id.is_none() {
                refresh_pool_entry(&mut *conn, merged, now, &author).await?;
            }
            // Whoever sees the survivor but not the restored customer drops
            // the records that went back.
            let losers: Vec<&User> = users
                .iter()
                .filter(|u| u.active)
                .filter(|u| {
                    let v = Viewer::from(*u);
                    can_see(&v, keep.owner_id, team(keep.owner_id)) && !can_see(&v, gone.owner_id, team(gone.owner_id))
                })
                .collect();
            let mut back = 0;
            for (entity, child_id) in &moved {
                let kind = parse_entity(entity)?;
                let Some((child, _)) = load_record(&mut *conn, kind, *child_id).await? else {
                    continue;
                };
                if child.deleted || child.parent_id != Some(survivor) {
                    continue;
                }
                let mut data = child.data.clone();
                data.insert("customer_id".into(), serde_json::json!(merged));
                write_record(
                    &mut *conn,
                    kind,
                    child.id,
                    gone.owner_id,
                    Some(merged),
                    &data,
                    false,
                    now,
                    &author,
                )
                .await?;
                back += 1;
                for user in &losers {
                    let seq = next_seq(&mut *conn).await?;
                    sqlx::query("INSERT INTO evictions (seq, user_id, entity, id) VALUES ($1, $2, $3, $4)")
                        .bind(seq)
                        .bind(user.id.to_string())
                        .bind(kind.as_str())
                        .bind(child.id.to_string())
                        .execute(&mut *conn)
                        .await?;
                }
            }
            let fields = yingpan_shared::dedup::unmerged_fields(&keep.data, &before, &after);
            write_record(
                &mut *conn,
                EntityKind::Customer,
                survivor,
                keep.owner_id,
                None,
                &fields,
                false,
                now,
                &author,
            )
            .await?;
            sqlx::query("UPDATE merges SET undone_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
            record.undone_at = Some(at);
            write_merge_record(&mut *conn, &record, keep.owner_id, now, &author).await?;
            Ok(Ok(back))
        }

        async fn load_policy(conn: &mut Conn) -> super::StoreResult<DuplicatePolicy> {
            load_setting(conn, POLICY_KEY).await
        }
    };
}

pub(crate) use dedup_sql;
