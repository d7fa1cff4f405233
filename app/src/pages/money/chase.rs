//! Today's money lists, from this device's copy: receivables to remind
//! customers of, and those past due. Loaded with the money pages, not at
//! start: Today waits for nothing but its own lists.

use super::{customer_name, yuan};
use crate::sync::AppCtx;
use yingpan_shared::money::dunning::{to_chase, Chase};
use yingpan_shared::money::receivable::Ledger;
use yingpan_shared::today::Due;

/// (to remind, past due), as Today's rows: the customer and what it owes.
#[cfg_attr(feature = "split", leptos::lazy)]
pub async fn money_lists(app: AppCtx) -> (Vec<Due>, Vec<Due>) {
    let held = super::DeviceMoney::read(app).await;
    let ledger = Ledger::new(&held.installments, &held.receipts, &held.allocations, &held.credits);
    let (remind, overdue) = to_chase(&held.installments, &|i| ledger.outstanding(i), crate::device::today());
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
