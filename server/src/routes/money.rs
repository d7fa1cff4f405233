//! Money documents as files a person sends or keeps: a quote as a real
//! XLSX workbook (numbers as numbers, the total in capitals beside), for
//! whoever may see its customer.

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
#[allow(unused_imports)]
use yingpan_shared::api::ErrorBody;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::capitals::capitals;
use yingpan_shared::money::document::totals;
use yingpan_shared::money::print::quantity_text;
use yingpan_shared::money::records::Quote;

#[utoipa::path(get, path = "/money/quotes/{id}/xlsx", tag = "money", params(("id" = String, Path, description = "the quote")), responses((status = 200, description = "the quote as an XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn quote_xlsx(
    State(st): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::BadRequest(format!("{id} is not a valid record id")))?;
    let not_found = || ApiError::NotFound(format!("no quote with id {id}"));
    let record = st.store.record(EntityKind::Quote, id).await?.ok_or_else(not_found)?;
    let users = st.store.users().await?;
    let owner_team = record.owner_id.and_then(|o| team_of(&users, o));
    // Someone else's quote is reported exactly like a missing one.
    if record.deleted || !can_see(&Viewer::from(&auth.user), record.owner_id, owner_team) {
        return Err(not_found());
    }
    let quote: Quote = serde_json::from_value(serde_json::Value::Object(record.data))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored quote {id} does not read: {e}")))?;
    let customer = st
        .store
        .record(EntityKind::Customer, quote.customer_id)
        .await?
        .and_then(|c| c.data.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let company = st.store.print_templates().await?.letterhead.name;
    let bytes = workbook(&quote, &customer, &company)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing the quote's workbook: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"quote-{}-v{}.xlsx\"", quote.date, quote.version),
            ),
        ],
        bytes,
    ))
}

/// Yuan for a spreadsheet cell. Excel keeps numbers as doubles; amounts up
/// to ¥10 trillion are exact there to the fen.
fn cell_yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

fn workbook(quote: &Quote, customer: &str, company: &str) -> Result<Vec<u8>, XlsxError> {
    let figures = totals(&quote.lines).unwrap_or_default();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("报价单")?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    sheet.write_string_with_format(0, 0, company, &bold)?;
    sheet.write_string_with_format(1, 0, "报价单", &bold)?;
    sheet.write_string(2, 0, "客户")?;
    sheet.write_string(2, 1, customer)?;
    sheet.write_string(3, 0, "日期")?;
    sheet.write_string(3, 1, quote.date.to_string())?;
    sheet.write_string(3, 3, "版本")?;
    sheet.write_number(3, 4, f64::from(quote.version))?;
    if let Some(until) = quote.valid_until {
        sheet.write_string(4, 0, "有效期至")?;
        sheet.write_string(4, 1, until.to_string())?;
    }
    let head = ["序号", "品名规格", "数量", "含税单价", "折扣 %", "税率 %", "金额"];
    for (col, title) in head.iter().enumerate() {
        sheet.write_string_with_format(6, col as u16, *title, &bold)?;
    }
    let mut row = 7;
    for (i, (line, amount)) in quote.lines.iter().zip(&figures.lines).enumerate() {
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &line.description)?;
        sheet.write_string(row, 2, quantity_text(line.quantity))?;
        sheet.write_number_with_format(row, 3, cell_yuan(line.unit_fen), &money)?;
        sheet.write_number(row, 4, f64::from(line.discount_bp) / 100.0)?;
        sheet.write_number(row, 5, f64::from(line.tax_bp) / 100.0)?;
        sheet.write_number_with_format(row, 6, cell_yuan(*amount), &money)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 5, "合计", &bold)?;
    sheet.write_number_with_format(row, 6, cell_yuan(figures.amount), &money)?;
    sheet.write_string(row + 1, 5, "大写")?;
    sheet.write_string(row + 1, 6, capitals(figures.amount))?;
    sheet.write_string(row + 2, 5, "其中税额")?;
    sheet.write_number_with_format(row + 2, 6, cell_yuan(figures.tax), &money)?;
    if !quote.terms.is_empty() {
        sheet.write_string(row + 4, 0, "条款")?;
        sheet.write_string(row + 4, 1, &quote.terms)?;
    }
    sheet.set_column_width(1, 30)?;
    sheet.set_column_width(6, 16)?;
    book.save_to_buffer()
}
