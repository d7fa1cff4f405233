//! Importing customers from CSV or XLSX: a preview that checks every row
//! against the company's customers, then (with `confirm`) the import itself,
//! through the ordinary sync rules.

use crate::audit::Audit;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::import::read_table;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::ClientId;
use yingpan_shared::import::{
    classify, keys_of, map_header, row_fields, ExactRows, Existing, ImportReport, RowStatus, MAX_ROWS,
};
use yingpan_shared::sync::{Mutation, MutationStatus, Op, PushRequest, MAX_PUSH_BATCH};
use yingpan_shared::user::Role;

/// Files parsed at once; more wait their turn instead of taking every core.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Longest a file may take to read; a well-formed 5,000-row sheet takes
/// well under a second.
const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// Reads the uploaded file off the async workers, one of a bounded few at
/// a time, and gives up on one that takes too long.
async fn parse(body: Bytes) -> Result<Vec<Vec<String>>, ApiError> {
    let turn = PARSING.acquire().await.map_err(|e| ApiError::Internal(e.into()))?;
    // The turn goes with the work: a parse that outlives the time limit
    // still holds it, so parses never pile up past the bound.
    let reading = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        read_table(&body, MAX_ROWS)
    });
    match tokio::time::timeout(PARSE_TIMEOUT, reading).await {
        Ok(Ok(table)) => table.map_err(ApiError::Validation),
        Ok(Err(e)) => Err(ApiError::Internal(e.into())),
        Err(_) => Err(ApiError::Validation(
            "the file took too long to read; split it into smaller files".into(),
        )),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    exact: ExactRows,
}

#[utoipa::path(post, path = "/import/customers", tag = "customers", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a CSV or XLSX file"), params(ImportQuery), responses((status = 200, body = ImportReport), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn customers(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    if auth.user.role == Role::Finance {
        return Err(ApiError::Forbidden(
            "finance reads the customers; importing them is for reps, managers and admins".into(),
        ));
    }
    st.limits.import(auth.user.id)?;
    let table = parse(body).await?;
    let mapping = map_header(&table[0]).map_err(ApiError::Validation)?;
    let users = st.store.users().await?;
    let mut report = ImportReport::default();
    let mut earlier = Vec::new();
    for (i, cells) in table[1..].iter().enumerate() {
        let fields = row_fields(&mapping, cells);
        let keys = keys_of(&fields);
        // As in the duplicate check: a row that says too little is not
        // looked up, so a file of single characters reads out nothing.
        let candidates = if keys.meaningful() {
            st.store.duplicate_candidates(&keys, None, 20).await?
        } else {
            Vec::new()
        };
        let existing: Vec<Existing> = candidates
            .into_iter()
            .map(|c| Existing {
                id: c.id,
                name: c.name,
                owner: c
                    .owner
                    .and_then(|o| users.iter().find(|u| u.id == o))
                    .map(|u| u.display_name.clone()),
                keys: c.keys,
            })
            .collect();
        let row = classify(i + 2, fields, &earlier, &existing);
        if row.status != RowStatus::Invalid {
            earlier.push(keys);
        }
        report.rows.push(row);
    }
    if q.confirm {
        carry_out(&st, &auth, &users, q.exact, &mut report).await?;
        audit
            .record(
                &st,
                Some(auth.user.id),
                yingpan_shared::audit::Action::Import,
                None,
                serde_json::json!({"rows": report.rows.len(), "created": report.created, "merged": report.merged,
                                   "skipped": report.skipped}),
            )
            .await?;
    }
    for row in &mut report.rows {
        if let Some(m) = &row.message {
            row.message = Some(crate::i18n::tr(m));
        }
    }
    Ok(Json(report))
}

/// Creates the new and possible rows as the importer's customers, and fills
/// gaps in existing ones for exact rows when asked to merge.
async fn carry_out(
    st: &AppState,
    auth: &AuthUser,
    users: &[yingpan_shared::user::User],
    exact: ExactRows,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let viewer = Viewer::from(&auth.user);
    let mut mutations = Vec::new();
    for row in &report.rows {
        let seq = row.line as u64;
        match row.status {
            RowStatus::New | RowStatus::Possible => {
                let mut fields = row.fields.clone();
                fields.insert("owner_id".into(), json!(auth.user.id));
                mutations.push(Mutation {
                    seq,
                    entity: EntityKind::Customer,
                    id: Uuid::now_v7(),
                    op: Op::Create { fields },
                });
            }
            RowStatus::Same if exact == ExactRows::Merge => {
                let Some(id) = row.existing_id else { continue };
                let Some(current) = st.store.record(EntityKind::Customer, id).await? else {
                    continue;
                };
                if !can_see(
                    &viewer,
                    current.owner_id,
                    current.owner_id.and_then(|o| team_of(users, o)),
                ) {
                    continue;
                }
                let gaps: FieldMap = row
                    .fields
                    .iter()
                    .filter(|(k, _)| current.data.get(*k).is_none_or(Value::is_null))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !gaps.is_empty() {
                    let base = gaps.keys().map(|k| (k.clone(), Value::Null)).collect();
                    mutations.push(Mutation {
                        seq,
                        entity: EntityKind::Customer,
                        id,
                        op: Op::Update { fields: gaps, base },
                    });
                }
            }
            _ => {}
        }
    }
    let client = ClientId(Uuid::now_v7());
    for batch in mutations.chunks(MAX_PUSH_BATCH) {
        let req = PushRequest {
            client_id: client,
            mutations: batch.to_vec(),
        };
        let results = st.store.push(&viewer, &req, st.now_ms()).await?;
        for (m, r) in batch.iter().zip(results) {
            let Some(row) = report.rows.iter_mut().find(|row| row.line as u64 == m.seq) else {
                continue;
            };
            match (r.status, &m.op) {
                (MutationStatus::Rejected, _) => {
                    row.status = RowStatus::Invalid;
                    row.message = r.message;
                }
                (_, Op::Create { .. }) => report.created += 1,
                _ => report.merged += 1,
            }
        }
    }
    report.skipped = report.rows.len() - report.created - report.merged;
    report.done = true;
    tracing::info!(
        created = report.created,
        merged = report.merged,
        skipped = report.skipped,
        "customers imported"
    );
    Ok(())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductImportQuery {
    #[serde(default)]
    confirm: bool,
}

#[utoipa::path(post, path = "/import/products", tag = "money", request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a CSV or XLSX file"), params(ProductImportQuery), responses((status = 200, body = yingpan_shared::money::catalogue::ProductReport), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn products(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiQuery(q): ApiQuery<ProductImportQuery>,
    body: Bytes,
) -> Result<Json<yingpan_shared::money::catalogue::ProductReport>, ApiError> {
    if !matches!(auth.user.role, Role::Finance | Role::Admin) {
        return Err(ApiError::Forbidden("only an admin or finance manages products".into()));
    }
    st.limits.import(auth.user.id)?;
    let table = parse(body).await?;
    let existing = st.store.products().await?;
    let (mut report, products) = yingpan_shared::money::catalogue::preview(&table, &existing, &mut Uuid::now_v7)
        .map_err(ApiError::Validation)?;
    if q.confirm {
        let viewer = Viewer::from(&auth.user);
        let mutations: Vec<Mutation> = products
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let fields = match serde_json::to_value(p) {
                    Ok(Value::Object(map)) => map,
                    _ => FieldMap::new(),
                };
                let update = existing.iter().any(|e| e.id == p.id);
                Mutation {
                    seq: i as u64 + 1,
                    entity: EntityKind::Product,
                    id: p.id,
                    op: if update {
                        Op::Update {
                            fields,
                            base: FieldMap::new(),
                        }
                    } else {
                        Op::Create { fields }
                    },
                }
            })
            .collect();
        let client = ClientId(Uuid::now_v7());
        for chunk in mutations.chunks(MAX_PUSH_BATCH) {
            let req = PushRequest {
                client_id: client,
                mutations: chunk.to_vec(),
            };
            for (m, result) in chunk.iter().zip(st.store.push(&viewer, &req, st.now_ms()).await?) {
                if result.status != MutationStatus::Rejected {
                    match m.op {
                        Op::Create { .. } => report.created += 1,
                        _ => report.updated += 1,
                    }
                }
            }
        }
        audit
            .record(
                &st,
                Some(auth.user.id),
                yingpan_shared::audit::Action::Import,
                Some("products".into()),
                json!({"rows": report.rows.len(), "created": report.created, "updated": report.updated}),
            )
            .await?;
    }
    for row in &mut report.rows {
        if let Some(m) = &row.message {
            row.message = Some(crate::i18n::tr(m));
        }
    }
    Ok(Json(report))
}
