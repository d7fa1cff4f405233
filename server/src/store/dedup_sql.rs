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
            sqlx::query("DELETE FROM name_grams WHERE customer_id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM customer_keys WHERE customer_id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?;
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
        async fn find_candidates(
            conn: &mut Conn,
            keys: &CustomerKeys,
            exclude: Option<uuid::Uuid>,
            limit: u32,
        ) -> super::StoreResult<Vec<Candidate>> {
            let mut ids: Vec<String> = Vec::new();
            let grams = name_grams(&keys.name);
            if !grams.is_empty() {
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
            if keys.phone.is_some() || keys.email.is_some() {
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

        /// Under the block policy, why a new customer with `data` may not be
        /// created (an exact duplicate exists); `None` when it may.
        async fn blocking_duplicate(
            conn: &mut Conn,
            users: &[User],
            id: uuid::Uuid,
            data: &FieldMap,
        ) -> super::StoreResult<Option<String>> {
            if load_policy(&mut *conn).await? != DuplicatePolicy::Block {
                return Ok(None);
            }
            let keys = keys_of(data);
            let same = find_candidates(&mut *conn, &keys, Some(id), 20)
                .await?
                .into_iter()
                .find(|c| yingpan_shared::dedup::compare(&keys, &c.keys).0 == yingpan_shared::dedup::Likeness::Same);
            Ok(same.map(|c| {
                let owner = c
                    .owner
                    .and_then(|o| users.iter().find(|u| u.id == o))
                    .map(|u| u.display_name.as_str());
                yingpan_shared::dedup::duplicate_refusal(&c.name, owner)
            }))
        }

        async fn load_policy(conn: &mut Conn) -> super::StoreResult<DuplicatePolicy> {
            load_setting(conn, POLICY_KEY).await
        }
    };
}

pub(crate) use dedup_sql;
