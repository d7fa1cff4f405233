//! Today's money lists, from this device's copy: receivables to remind
//! customers of, and those past due. Loaded with the money pages, not at
//! start: Today waits for nothing but its own lists.

use super::{customer_name, yuan};
use crate::sync::AppCtx;
use leptos::prelude::*;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::dunning::{to_chase, Chase};
use yingpan_shared::money::receivable::{Allocation, Credit, Installment, Ledger, Receipt};
use yingpan_shared::today::Due;

/// (to remind, past due), as Today's rows: the customer and what it owes.
#[cfg_attr(feature = "split", leptos::lazy)]
pub async fn money_lists(app: AppCtx) -> (Vec<Due>, Vec<Due>) {
    let db = app.db.get_value();
    let installments: Vec<Installment> = db.all(EntityKind::Installment).await.unwrap_or_default();
    if installments.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let receipts: Vec<Receipt> = db.all(EntityKind::Receipt).await.unwrap_or_default();
    let allocations: Vec<Allocation> = db.all(EntityKind::Allocation).await.unwrap_or_default();
    let credits: Vec<Credit> = db.all(EntityKind::Credit).await.unwrap_or_default();
    let ledger = Ledger::new(&installments, &receipts, &allocations, &credits);
    let (remind, overdue) = to_chase(&installments, &|i| ledger.outstanding(i), crate::device::today());
    let row = |c: Chase| Due {
        customer_id: c.customer_id,
        name: format!("{} · {}", customer_name(app, c.customer_id), yuan(c.owed)),
        due: c.due,
        days_late: c.days,
    };
    (
        remind.into_iter().map(row).collect(),
        overdue.into_iter().map(row).collect(),
    )
}
