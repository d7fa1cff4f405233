//! Payables (应付), for finance and admins: suppliers, purchase contracts
//! with their payable plans, goods received, payments and their
//! allocations, and the payables' aging. Every decision is the shared
//! rules' (`yingpan_shared::money::payable`), made against the supplier's
//! whole book and written only if nobody wrote to it meanwhile; otherwise
//! it is decided again on the fresh book.
//!
//! Records are made with ids the client chose, so a request sent twice
//! (a lost answer, a double tap) records nothing twice: the same record
//! again is answered with the book as it is; a different record under a
//! used id is refused.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::store::Written;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::money::aging::{age, Boundaries};
use yingpan_shared::money::payable::{
    PayableBook, PayableError, PayableWrite, Payment, PaymentBody, Purchase, ReceivedBody, Supplier, SupplierBody,
    SupplierBook, SupplierLine,
};
use yingpan_shared::money::receivable::MoneyError;
use yingpan_shared::money::report::{AgingLine, AgingReport, Whose};
use yingpan_shared::user::Role;

/// How many times a write is decided again when others keep writing to
/// the same supplier first.
const TRIES: usize = 5;

/// Finance and admins keep the payables; everyone else is refused.
fn finance(auth: &AuthUser) -> Result<(), ApiError> {
    match auth.user.role {
        Role::Finance | Role::Admin => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only finance or an admin keeps the payables".into(),
        )),
    }
}

fn parse_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::BadRequest(format!("{raw} is not a valid record id")))
}

async fn today(st: &AppState) -> Result<NaiveDate, ApiError> {
    let now = chrono::DateTime::from_timestamp_millis(st.now_ms()).unwrap_or_default();
    Ok(st.store.pool_rules().await?.local_date(now))
}

#[utoipa::path(get, path = "/payables", tag = "payables", responses((status = 200, description = "every supplier with what the company owes it today", body = Vec<SupplierLine>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn suppliers(State(st): State<AppState>, auth: AuthUser) -> Result<Json<Vec<SupplierLine>>, ApiError> {
    finance(&auth)?;
    let today = today(&st).await?;
    Ok(Json(
        st.store
            .payable_books()
            .await?
            .into_iter()
            .map(|(book, version)| SupplierLine {
                owed: book.owed(today),
                version,
                supplier: book.supplier,
            })
            .collect(),
    ))
}

async fn load(st: &AppState, id: Uuid) -> Result<(PayableBook, i64), ApiError> {
    st.store
        .payable_book(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no supplier with id {id}")))
}

async fn answer(st: &AppState, id: Uuid) -> Result<Json<SupplierBook>, ApiError> {
    let (book, version) = load(st, id).await?;
    Ok(Json(book.read(version, today(st).await?)))
}

#[utoipa::path(get, path = "/payables/{id}", tag = "payables", params(("id" = String, Path, description = "the supplier")), responses((status = 200, description = "the supplier's purchases, plan, payments and allocations", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn book(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    answer(&st, parse_id(&id)?).await
}

/// A decision against a supplier's book: what to write, or that the
/// request was already carried out (a replay).
enum Decision {
    Write(Box<Supplier>, PayableWrite),
    AlreadyDone,
}

/// A refusal in the payables' words: the ledger's own speak of receipts.
fn refused(e: PayableError) -> ApiError {
    match e {
        PayableError::UnknownPurchase(_) => ApiError::NotFound(e.to_string()),
        PayableError::Full => ApiError::Conflict(e.to_string()),
        PayableError::Money(MoneyError::OverReceipt { left, asked }) => {
            ApiError::Validation(format!("the payment has {left} fen left to allocate, not {asked}"))
        }
        PayableError::Money(MoneyError::OverInstallment { owed, asked }) => {
            ApiError::Validation(format!("the payable installment still owes {owed} fen, not {asked}"))
        }
        PayableError::Money(MoneyError::UnknownReceipt) => {
            ApiError::NotFound("no such payment at this supplier".into())
        }
        PayableError::Money(MoneyError::UnknownInstallment | MoneyError::OtherCustomer) => {
            ApiError::Validation("no such installment at this supplier".into())
        }
        _ => ApiError::Validation(e.to_string()),
    }
}

/// Decides `decide` against the supplier's current book and writes the
/// answer, deciding again if someone wrote to the book meanwhile.
async fn decide_and_write(
    st: &AppState,
    auth: &AuthUser,
    supplier: Uuid,
    decide: impl Fn(&PayableBook, NaiveDate) -> Result<Decision, ApiError>,
) -> Result<Json<SupplierBook>, ApiError> {
    let today = today(st).await?;
    for _ in 0..TRIES {
        let (book, version) = load(st, supplier).await?;
        let (supplier, write) = match decide(&book, today)? {
            Decision::AlreadyDone => return Ok(Json(book.read(version, today))),
            Decision::Write(supplier, write) => (supplier, write),
        };
        match st
            .store
            .write_payables(&supplier, Some(version), &write, auth.user.id, st.now_ms())
            .await?
        {
            Written::Done => return answer(st, supplier.id).await,
            Written::Stale => continue,
            Written::IdTaken(id) => {
                return Err(ApiError::Conflict(format!("the id {id} is already another record's")));
            }
        }
    }
    Err(ApiError::Conflict(
        "others kept changing this supplier's payables at the same time; try again".into(),
    ))
}

#[utoipa::path(post, path = "/payables", tag = "payables", request_body = SupplierBody, responses((status = 200, description = "the supplier's book after the change", body = SupplierBook), (status = "4XX", description = "refused, with a reason: 409 when someone changed the supplier since it was read", body = ErrorBody)))]
pub async fn save_supplier(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiJson(body): ApiJson<SupplierBody>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let mut supplier = body.supplier;
    supplier.check().map_err(ApiError::Validation)?;
    if supplier.id.is_nil() {
        return Err(ApiError::Validation("a supplier needs an id".into()));
    }
    let written = st
        .store
        .write_payables(
            &supplier,
            body.version,
            &PayableWrite::default(),
            auth.user.id,
            st.now_ms(),
        )
        .await?;
    match written {
        Written::Done => answer(&st, supplier.id).await,
        Written::IdTaken(id) => Err(ApiError::Conflict(format!("the id {id} is already another record's"))),
        Written::Stale => match st.store.payable_book(supplier.id).await? {
            // The same supplier sent twice.
            Some((book, version)) if body.version.is_none() && book.supplier == supplier => {
                Ok(Json(book.read(version, today(&st).await?)))
            }
            Some(_) if body.version.is_none() => Err(ApiError::Conflict(format!(
                "a supplier with id {} already exists",
                supplier.id
            ))),
            Some(_) => Err(ApiError::Conflict(
                "someone changed this supplier since you opened it; open it again and redo your change".into(),
            )),
            None => Err(ApiError::NotFound(format!("no supplier with id {}", supplier.id))),
        },
    }
}

#[utoipa::path(post, path = "/payables/{id}/purchases", tag = "payables", params(("id" = String, Path, description = "the supplier")), request_body = Purchase, responses((status = 200, description = "the book with the purchase and its plan", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn sign(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Purchase>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let supplier = parse_id(&id)?;
    // Goods are received by their own request, once.
    let purchase = Purchase {
        supplier_id: supplier,
        received_on: None,
        by: Some(auth.user.id),
        ..body
    };
    decide_and_write(&st, &auth, supplier, |book, _| {
        if let Some(old) = book.purchases.iter().find(|p| p.id == purchase.id) {
            // The same purchase again, as it was stored (tidied, by its
            // first sender, its goods perhaps received since).
            let mut again = Purchase {
                by: old.by,
                received_on: old.received_on,
                ..purchase.clone()
            };
            again.check().map_err(ApiError::Validation)?;
            return if again == *old {
                Ok(Decision::AlreadyDone)
            } else {
                Err(ApiError::Conflict(format!(
                    "a purchase with id {} already exists",
                    purchase.id
                )))
            };
        }
        let write = book.sign(purchase.clone(), Uuid::now_v7).map_err(refused)?;
        Ok(Decision::Write(Box::new(book.supplier.clone()), write))
    })
    .await
}

#[utoipa::path(post, path = "/payables/{id}/purchases/{purchase}/received", tag = "payables", params(("id" = String, Path, description = "the supplier"), ("purchase" = String, Path, description = "the purchase")), request_body = ReceivedBody, responses((status = 200, description = "the book with the installments that waited for the goods now dated", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn received(
    State(st): State<AppState>,
    auth: AuthUser,
    Path((id, purchase)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReceivedBody>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let (supplier, purchase) = (parse_id(&id)?, parse_id(&purchase)?);
    decide_and_write(&st, &auth, supplier, |book, _| {
        if book
            .purchases
            .iter()
            .any(|p| p.id == purchase && p.received_on == Some(body.date))
        {
            return Ok(Decision::AlreadyDone);
        }
        let write = book.receive(purchase, body.date).map_err(refused)?;
        Ok(Decision::Write(Box::new(book.supplier.clone()), write))
    })
    .await
}

/// The most allocations a payment may be given by hand.
const MAX_SETTLE: usize = 1_000;

#[utoipa::path(post, path = "/payables/{id}/payments", tag = "payables", params(("id" = String, Path, description = "the supplier")), request_body = PaymentBody, responses((status = 200, description = "the book with the payment and what it settled", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn pay(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PaymentBody>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let supplier = parse_id(&id)?;
    if body.allocations.as_ref().is_some_and(|a| a.len() > MAX_SETTLE) {
        return Err(ApiError::Validation(format!(
            "a payment settles at most {MAX_SETTLE} installments at once"
        )));
    }
    let plan: Option<Vec<(Uuid, i64)>> = body
        .allocations
        .map(|all| all.into_iter().map(|s| (s.installment, s.fen)).collect());
    let payment = Payment {
        supplier_id: supplier,
        by: Some(auth.user.id),
        ..body.payment
    };
    decide_and_write(&st, &auth, supplier, |book, _| {
        if let Some(old) = book.payments.iter().find(|p| p.id == payment.id) {
            let mut again = Payment {
                by: old.by,
                ..payment.clone()
            };
            again.check().map_err(ApiError::Validation)?;
            // Allocations chosen by hand must be the ones it made.
            let made = |plan: &[(Uuid, i64)]| {
                let mut theirs: Vec<(Uuid, i64)> = book
                    .allocations
                    .iter()
                    .filter(|a| a.receipt_id == old.id && a.reverses.is_none())
                    .map(|a| (a.installment_id, a.fen))
                    .collect();
                let mut asked = plan.to_vec();
                theirs.sort();
                asked.sort();
                theirs == asked
            };
            return if again == *old && plan.as_deref().is_none_or(made) {
                Ok(Decision::AlreadyDone)
            } else {
                Err(ApiError::Conflict(format!(
                    "a payment with id {} already exists",
                    payment.id
                )))
            };
        }
        let write = book.pay(payment.clone(), plan.clone(), Uuid::now_v7).map_err(refused)?;
        Ok(Decision::Write(Box::new(book.supplier.clone()), write))
    })
    .await
}

#[utoipa::path(post, path = "/payables/{id}/allocations/{allocation}/undo", tag = "payables", params(("id" = String, Path, description = "the supplier"), ("allocation" = String, Path, description = "the allocation to undo")), responses((status = 200, description = "the book with the allocation undone by a reversing row", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn undo(
    State(st): State<AppState>,
    auth: AuthUser,
    Path((id, allocation)): Path<(String, String)>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let (supplier, allocation) = (parse_id(&id)?, parse_id(&allocation)?);
    decide_and_write(&st, &auth, supplier, |book, today| {
        let write = book.unallocate(allocation, Uuid::now_v7(), today).map_err(refused)?;
        Ok(Decision::Write(Box::new(book.supplier.clone()), write))
    })
    .await
}

#[utoipa::path(post, path = "/payables/{id}/payments/{payment}/allocate", tag = "payables", params(("id" = String, Path, description = "the supplier"), ("payment" = String, Path, description = "the payment")), responses((status = 200, description = "the book with what was left of the payment settling the oldest due installments", body = SupplierBook), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn allocate(
    State(st): State<AppState>,
    auth: AuthUser,
    Path((id, payment)): Path<(String, String)>,
) -> Result<Json<SupplierBook>, ApiError> {
    finance(&auth)?;
    let (supplier, payment) = (parse_id(&id)?, parse_id(&payment)?);
    decide_and_write(&st, &auth, supplier, |book, _| {
        let write = book.allocate_left(payment, Uuid::now_v7).map_err(refused)?;
        if write.allocations.is_empty() {
            return Ok(Decision::AlreadyDone);
        }
        Ok(Decision::Write(Box::new(book.supplier.clone()), write))
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The date to report as of (YYYY-MM-DD); the company's today if left
    /// out.
    as_of: Option<NaiveDate>,
}

/// The payables' aging: every supplier's, as of a date.
pub(crate) async fn aging_report(st: &AppState, as_of: Option<NaiveDate>) -> Result<AgingReport, ApiError> {
    let as_of = match as_of {
        Some(day) => day,
        None => today(st).await?,
    };
    let boundaries: Boundaries = st.store.work_rules().await?.money.aging;
    let mut lines = Vec::new();
    for (book, _) in st.store.payable_books().await? {
        let rows = book.with_facts(|facts| age(facts, as_of, &boundaries));
        lines.extend(rows.into_iter().map(|row| AgingLine {
            whose: Whose {
                customer_id: book.supplier.id,
                name: book.supplier.name.clone(),
                owner_id: None,
                team_id: None,
            },
            row,
        }));
    }
    let mut report = AgingReport::of(as_of, boundaries, lines);
    // Suppliers have no rep or team.
    report.reps.clear();
    report.teams.clear();
    Ok(report)
}

#[utoipa::path(get, path = "/money/payables/aging", tag = "payables", params(AsOf), responses((status = 200, description = "what the company owes each supplier, by days past due, with the company's sum and the largest shares", body = AgingReport), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn aging(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<AgingReport>, ApiError> {
    finance(&auth)?;
    Ok(Json(aging_report(&st, q.as_of).await?))
}

#[utoipa::path(get, path = "/money/payables/aging/xlsx", tag = "payables", params(AsOf), responses((status = 200, description = "the payables' aging as an XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn aging_xlsx(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<impl IntoResponse, ApiError> {
    finance(&auth)?;
    let report = aging_report(&st, q.as_of).await?;
    let bytes = super::reports::aging_workbook(&report, &Default::default(), super::reports::Side::Payables)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the payables workbook: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"payables-aging-{}.xlsx\"", report.as_of),
            ),
        ],
        bytes,
    ))
}
