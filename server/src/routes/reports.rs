//! The money reports: aging with its drill-down, the receivables forecast,
//! and the aging as a workbook. Each covers the customers the asker sees
//! (a rep their own, a manager their team's, finance and admins all),
//! computed from the receivables held in memory (`crate::money_view`) by
//! the shared rules.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::money_view::Asker;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use uuid::Uuid;
use yingpan_shared::access::Viewer;
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::money::aging::Boundaries;
use yingpan_shared::money::forecast::MAX_MONTHS;
use yingpan_shared::money::report::{AgingReport, CustomerAging, ForecastReport};
use yingpan_shared::money::stats::Stats;
use yingpan_shared::user::Role;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOf {
    /// The date to report as of (YYYY-MM-DD); the company's today if left
    /// out.
    as_of: Option<NaiveDate>,
    /// Months to look ahead, 1 to 12 (3 if left out).
    months: Option<u32>,
}

impl AsOf {
    async fn date(&self, st: &AppState) -> Result<NaiveDate, ApiError> {
        if let Some(date) = self.as_of {
            return Ok(date);
        }
        let now = chrono::DateTime::from_timestamp_millis(st.now_ms()).unwrap_or_default();
        Ok(st.store.pool_rules().await?.local_date(now))
    }

    fn months(&self) -> Result<u32, ApiError> {
        match self.months.unwrap_or(3) {
            m @ 1..=MAX_MONTHS => Ok(m),
            _ => Err(ApiError::BadRequest(format!(
                "a forecast looks ahead 1 to {MAX_MONTHS} months"
            ))),
        }
    }
}

fn asker<'a>(auth: &AuthUser, users: &'a [yingpan_shared::user::User]) -> Asker<'a> {
    Asker {
        viewer: Viewer::from(&auth.user),
        users,
    }
}

async fn boundaries(st: &AppState) -> Result<Boundaries, ApiError> {
    Ok(st.store.work_rules().await?.money.aging)
}

async fn aging_report(st: &AppState, auth: &AuthUser, q: &AsOf) -> Result<AgingReport, ApiError> {
    let as_of = q.date(st).await?;
    let users = st.store.users().await?;
    Ok(st
        .money
        .aging(st.store.as_ref(), &asker(auth, &users), as_of, boundaries(st).await?)
        .await?)
}

#[utoipa::path(get, path = "/money/aging", tag = "money", params(AsOf), responses((status = 200, description = "what each customer the asker sees owes, by days past due, with sums per rep, team and company", body = AgingReport), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn aging(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<AgingReport>, ApiError> {
    Ok(Json(aging_report(&st, &auth, &q).await?))
}

#[utoipa::path(get, path = "/money/forecast", tag = "money", params(AsOf), responses((status = 200, description = "what each customer the asker sees is expected to pay, month by month", body = ForecastReport), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn forecast(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<ForecastReport>, ApiError> {
    let (as_of, months) = (q.date(&st).await?, q.months()?);
    let users = st.store.users().await?;
    Ok(Json(
        st.money
            .forecast(st.store.as_ref(), &asker(&auth, &users), as_of, months)
            .await?,
    ))
}

#[utoipa::path(get, path = "/money/customers/{id}/aging", tag = "money", params(("id" = String, Path, description = "the customer"), AsOf), responses((status = 200, description = "the customer's statement and what is behind each aging bucket", body = CustomerAging), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn customer(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<Json<CustomerAging>, ApiError> {
    let customer = Uuid::parse_str(&id).map_err(|_| ApiError::BadRequest(format!("{id} is not a valid record id")))?;
    let (as_of, months) = (q.date(&st).await?, q.months()?);
    let users = st.store.users().await?;
    st.money
        .customer(
            st.store.as_ref(),
            &asker(&auth, &users),
            customer,
            as_of,
            boundaries(&st).await?,
            months,
        )
        .await?
        .map(Json)
        // Someone else's customer is reported exactly like a missing one.
        .ok_or_else(|| ApiError::NotFound(format!("no customer with id {customer}")))
}

#[utoipa::path(get, path = "/money/customers/{id}/statement/xlsx", tag = "money", params(("id" = String, Path, description = "the customer"), AsOf), responses((status = 200, description = "the customer's statement as an XLSX workbook: open items, totals and expected payments", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn statement_xlsx(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<impl IntoResponse, ApiError> {
    let opened = customer(State(st), auth, Path(id), ApiQuery(q)).await?.0;
    let bytes = statement_workbook(&opened)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the statement workbook: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"statement-{}.xlsx\"", opened.statement.as_of),
            ),
        ],
        bytes,
    ))
}

/// A customer's statement (对账单) as a workbook: its open items with what
/// was received and is owed, the totals, and the expected payments by
/// month, the same figures as the printed letter.
fn statement_workbook(opened: &CustomerAging) -> Result<Vec<u8>, XlsxError> {
    let yuan = |fen: i64| fen as f64 / 100.0;
    let statement = &opened.statement;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("对账单")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} 对账单（截至 {}）", opened.whose.name, statement.as_of),
        &bold,
    )?;
    for (col, title) in ["合同", "期次", "到期日", "应收", "已收", "未收", "逾期"]
        .into_iter()
        .enumerate()
    {
        sheet.write_string_with_format(2, col as u16, title, &bold)?;
    }
    let mut row = 3;
    for item in &statement.items {
        sheet.write_string(row, 0, &item.contract)?;
        sheet.write_number(row, 1, f64::from(item.number))?;
        sheet.write_string(row, 2, item.due.map(|d| d.to_string()).unwrap_or_else(|| "待定".into()))?;
        sheet.write_number_with_format(row, 3, yuan(item.planned), &money)?;
        sheet.write_number_with_format(row, 4, yuan(item.taken), &money)?;
        sheet.write_number_with_format(row, 5, yuan(item.owed), &money)?;
        sheet.write_string(row, 6, if item.overdue { "是" } else { "" })?;
        row += 1;
    }
    row += 1;
    for (title, fen) in [
        ("应收合计", statement.owed),
        ("其中逾期", statement.overdue),
        ("预收款", statement.advance),
        ("净额", statement.owed - statement.advance),
    ] {
        sheet.write_string_with_format(row, 0, title, &bold)?;
        sheet.write_number_with_format(row, 5, yuan(fen), &money)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "预计付款计划", &bold)?;
    row += 1;
    let expected = &statement.expected;
    sheet.write_string(row, 0, "已逾期未付")?;
    sheet.write_number_with_format(row, 5, yuan(expected.overdue), &money)?;
    row += 1;
    for (month, fen) in statement.months.iter().zip(&expected.months) {
        sheet.write_string(row, 0, month.format("%Y-%m").to_string())?;
        sheet.write_number_with_format(row, 5, yuan(*fen), &money)?;
        row += 1;
    }
    for (title, fen) in [("以后", expected.later), ("待定", expected.undated)] {
        sheet.write_string(row, 0, title)?;
        sheet.write_number_with_format(row, 5, yuan(fen), &money)?;
        row += 1;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(2, 12)?;
    book.save_to_buffer()
}

#[utoipa::path(get, path = "/money/aging/xlsx", tag = "money", params(AsOf), responses((status = 200, description = "the aging as an XLSX workbook: customers, then reps", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn aging_xlsx(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<AsOf>,
) -> Result<impl IntoResponse, ApiError> {
    let report = aging_report(&st, &auth, &q).await?;
    let names: std::collections::HashMap<Uuid, String> = st
        .store
        .users()
        .await?
        .iter()
        .map(|u| (u.id.0, u.display_name.clone()))
        .collect();
    let bytes = aging_workbook(&report, &names, Side::Receivables)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the aging workbook: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"aging-{}.xlsx\"", report.as_of),
            ),
        ],
        bytes,
    ))
}

/// The buckets' headings: 未到期, 1–30 天, …, 181+ 天.
fn bucket_titles(boundaries: &Boundaries) -> Vec<String> {
    (0..boundaries.buckets())
        .map(|i| match i {
            0 => "未到期".to_owned(),
            i => format!("{} 天", boundaries.range(i)),
        })
        .collect()
}

/// Whose aging a workbook holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Customers, then reps.
    Receivables,
    /// Suppliers.
    Payables,
}

pub(crate) fn aging_workbook(
    report: &AgingReport,
    users: &std::collections::HashMap<Uuid, String>,
    side: Side,
) -> Result<Vec<u8>, XlsxError> {
    let yuan = |fen: i64| fen as f64 / 100.0;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let titles = bucket_titles(&report.boundaries);
    let owner = |id: Option<Uuid>| id.and_then(|i| users.get(&i).cloned()).unwrap_or_else(|| "公海".into());
    let sheet = book.add_worksheet();
    let (sheet_name, title, whose) = match side {
        Side::Receivables => ("客户账龄", "账龄分析", "客户"),
        Side::Payables => ("供应商账龄", "应付账龄分析", "供应商"),
    };
    sheet.set_name(sheet_name)?;
    sheet.write_string_with_format(0, 0, format!("{title}（截至 {}）", report.as_of), &bold)?;
    let head: Vec<String> = [whose, "负责人"]
        .into_iter()
        .map(str::to_owned)
        .chain(titles.iter().cloned())
        .chain(["合计", "期后收款", "最长逾期天数"].map(str::to_owned))
        .collect();
    for (col, title) in head.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, title, &bold)?;
    }
    let mut row = 3;
    for line in &report.customers {
        sheet.write_string(row, 0, &line.whose.name)?;
        sheet.write_string(row, 1, owner(line.whose.owner_id.map(|o| o.0)))?;
        let mut col = 2;
        for fen in &line.row.buckets {
            sheet.write_number_with_format(row, col, yuan(*fen), &money)?;
            col += 1;
        }
        sheet.write_number_with_format(row, col, yuan(line.row.total), &money)?;
        sheet.write_number_with_format(row, col + 1, yuan(line.row.received_after), &money)?;
        sheet.write_number(row, col + 2, line.row.oldest_days as f64)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合计", &bold)?;
    let mut col = 2;
    for fen in &report.company.buckets {
        sheet.write_number_with_format(row, col, yuan(*fen), &money)?;
        col += 1;
    }
    sheet.write_number_with_format(row, col, yuan(report.company.total), &money)?;
    sheet.write_number_with_format(row, col + 1, yuan(report.company.received_after), &money)?;
    sheet.set_column_width(0, 30)?;
    if side == Side::Payables {
        return book.save_to_buffer();
    }

    let reps = book.add_worksheet();
    reps.set_name("按负责人")?;
    for (col, title) in ["负责人", "客户数"]
        .into_iter()
        .map(str::to_owned)
        .chain(titles.iter().cloned())
        .chain(["合计".to_owned()])
        .enumerate()
    {
        reps.write_string_with_format(0, col as u16, title, &bold)?;
    }
    for (i, sub) in report.reps.iter().enumerate() {
        let row = i as u32 + 1;
        reps.write_string(row, 0, owner(sub.id))?;
        reps.write_number(row, 1, f64::from(sub.customers))?;
        let mut col = 2;
        for fen in &sub.buckets {
            reps.write_number_with_format(row, col, yuan(*fen), &money)?;
            col += 1;
        }
        reps.write_number_with_format(row, col, yuan(sub.total), &money)?;
    }
    reps.set_column_width(0, 20)?;
    book.save_to_buffer()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Year {
    /// The year (this year if left out).
    year: Option<i32>,
}

#[utoipa::path(get, path = "/money/stats", tag = "money", params(Year), responses((status = 200, description = "a year's receipts, receivables raised and settled, and refunds by month, method and rep, over the customers the asker sees", body = Stats), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn stats(
    State(st): State<AppState>,
    auth: AuthUser,
    ApiQuery(q): ApiQuery<Year>,
) -> Result<Json<Stats>, ApiError> {
    let year = match q.year {
        Some(y @ 2000..=2100) => y,
        Some(_) => return Err(ApiError::BadRequest("give a year between 2000 and 2100".into())),
        None => AsOf {
            as_of: None,
            months: None,
        }
        .date(&st)
        .await?
        .year(),
    };
    let users = st.store.users().await?;
    Ok(Json(
        stats_with_payments(
            &st,
            &auth,
            st.money.stats(st.store.as_ref(), &asker(&auth, &users), year).await?,
        )
        .await?,
    ))
}

/// Finance and admins also see the year's payments to suppliers.
async fn stats_with_payments(st: &AppState, auth: &AuthUser, mut stats: Stats) -> Result<Stats, ApiError> {
    if matches!(auth.user.role, Role::Finance | Role::Admin) {
        let payments: Vec<_> = st
            .store
            .payable_books()
            .await?
            .into_iter()
            .flat_map(|(book, _)| book.payments)
            .collect();
        yingpan_shared::money::stats::add_payments(&mut stats, &payments);
    }
    Ok(stats)
}
