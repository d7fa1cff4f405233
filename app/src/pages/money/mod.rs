//! The money side on the phone: a customer's quotes, contracts, receivables
//! and receipts (read by customer from IndexedDB, offline), a quote's and a
//! contract's page, printing, and finance's page.

pub mod aging;
pub mod chase;
pub mod contract;
mod credit;
pub mod customer;
mod dunning;
pub mod finance;
pub mod forecast;
mod payables;
pub mod print;
pub mod quote;
pub mod stats;
pub mod words;

use crate::i18n::Msg;
use crate::sync::AppCtx;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::money::book::Book;
use yingpan_shared::money::document::QuoteStatus;
use yingpan_shared::money::receivable::{Method, Receipt, Status};
use yingpan_shared::money::records::ContractStatus;
use yingpan_shared::pipeline::Money;
use yingpan_shared::user::Role;

/// An amount as shown: ¥12,345.67.
pub fn yuan(fen: i64) -> String {
    Money::from_fen(fen).grouped()
}

/// The records of `kind` at `customer` that read as `T`; one that does not
/// (from a newer server, say) is left out.
pub async fn records_at<T: DeserializeOwned>(app: AppCtx, kind: EntityKind, customer: &str) -> Vec<T> {
    let rows: Vec<serde_json::Value> = app.db.get_value().children_of(kind, customer).await.unwrap_or_default();
    rows.into_iter()
        .filter_map(|r| serde_json::from_value(r).ok())
        .collect()
}

/// Every money record of one customer, as this device holds it.
pub async fn book_of(app: AppCtx, customer: &str) -> Book {
    let mut all: Vec<(EntityKind, FieldMap)> = Vec::new();
    // Products hang under no customer; prints are read by no rule.
    for kind in EntityKind::MONEY {
        if kind.parent_field().is_none() || kind == EntityKind::Print {
            continue;
        }
        for record in records_at::<FieldMap>(app, kind, customer).await {
            all.push((kind, record));
        }
    }
    Book::of(all.iter().map(|(k, r)| (*k, r)))
}

/// Every customer's receivables this device holds, as the aging and the
/// forecast read them (confirmed receipts only).
pub struct DeviceMoney {
    pub installments: Vec<yingpan_shared::money::receivable::Installment>,
    pub receipts: Vec<Receipt>,
    pub allocations: Vec<yingpan_shared::money::receivable::Allocation>,
    pub credits: Vec<yingpan_shared::money::receivable::Credit>,
    pub contracts: Vec<yingpan_shared::money::records::Contract>,
}

impl DeviceMoney {
    pub async fn read(app: AppCtx) -> DeviceMoney {
        let db = app.db.get_value();
        let mut receipts: Vec<Receipt> = db.all(EntityKind::Receipt).await.unwrap_or_default();
        receipts.retain(|r| r.confirmed);
        DeviceMoney {
            installments: db.all(EntityKind::Installment).await.unwrap_or_default(),
            receipts,
            allocations: db.all(EntityKind::Allocation).await.unwrap_or_default(),
            credits: db.all(EntityKind::Credit).await.unwrap_or_default(),
            contracts: db.all(EntityKind::Contract).await.unwrap_or_default(),
        }
    }

    pub fn facts(&self) -> yingpan_shared::money::aging::Facts<'_> {
        yingpan_shared::money::aging::Facts {
            installments: &self.installments,
            receipts: &self.receipts,
            allocations: &self.allocations,
            credits: &self.credits,
        }
    }
}

/// Re-runs the caller when any money record changes.
pub fn track_money(app: AppCtx) {
    for kind in EntityKind::MONEY {
        app.touched.track(kind);
    }
}

/// The record `id` of `kind` as this device holds it.
pub async fn held<T: DeserializeOwned>(app: AppCtx, kind: EntityKind, id: Uuid) -> Option<T> {
    let record = app.db.get_value().get(kind, &id.to_string()).await.ok().flatten()?;
    serde_json::from_value(serde_json::Value::Object(record)).ok()
}

/// Saves an edit of `before` into `after` in the background; a refusal
/// shows in `message`.
pub fn save_edit<T: serde::Serialize>(
    app: AppCtx,
    kind: EntityKind,
    before: &T,
    after: &T,
    message: RwSignal<Option<String>>,
) {
    let (before, after) = (fields_of(before), fields_of(after));
    leptos::task::spawn_local(async move {
        if let Err(e) = crate::edits::update(app, kind, &before, after).await {
            message.set(Some(e));
        }
    });
}

/// Finance confirms a receipt a rep recorded.
pub fn confirm_receipt(app: AppCtx, receipt: &Receipt, message: RwSignal<Option<String>>) {
    let confirmed = Receipt {
        confirmed: true,
        ..receipt.clone()
    };
    save_edit(app, EntityKind::Receipt, receipt, &confirmed, message);
}

/// The signed-in user's role.
pub fn role(app: AppCtx) -> Option<Role> {
    app.session.with(|s| s.as_ref().map(|s| s.user.role))
}

/// A customer's name from memory.
pub fn customer_name(app: AppCtx, id: Uuid) -> String {
    app.read(&[EntityKind::Customer], |m| {
        m.customers.get(&id).map(|c| c.name.as_str().to_owned())
    })
    .unwrap_or_default()
}

/// A customer of this device's reports: its name from memory (the owner
/// is the device's own view).
pub fn whose(app: AppCtx, customer: Uuid) -> yingpan_shared::money::report::Whose {
    yingpan_shared::money::report::Whose {
        customer_id: customer,
        name: customer_name(app, customer),
        ..Default::default()
    }
}

/// A record as fields, for saving.
pub fn fields_of<T: serde::Serialize>(record: &T) -> FieldMap {
    match serde_json::to_value(record) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => FieldMap::new(),
    }
}

pub fn quote_status(status: QuoteStatus) -> Msg {
    match status {
        QuoteStatus::Draft => Msg::StatusDraft,
        QuoteStatus::Sent => Msg::StatusSent,
        QuoteStatus::Accepted => Msg::StatusAccepted,
        QuoteStatus::Rejected => Msg::StatusRejected,
        QuoteStatus::Expired => Msg::StatusExpired,
        QuoteStatus::Superseded => Msg::StatusSuperseded,
    }
}

pub fn contract_status(status: ContractStatus) -> Msg {
    match status {
        ContractStatus::Draft => Msg::StatusDraft,
        ContractStatus::Submitted => Msg::StatusSubmitted,
        ContractStatus::Active => Msg::StatusActive,
        ContractStatus::Completed => Msg::StatusCompleted,
        ContractStatus::Cancelled => Msg::StatusCancelled,
    }
}

pub fn installment_status(status: Status) -> Msg {
    match status {
        Status::NotYetDue => Msg::NotYetDue,
        Status::Due => Msg::FallsDueToday,
        Status::Overdue => Msg::PastDue,
        Status::PartlyReceived => Msg::PartlyReceived,
        Status::Settled => Msg::Settled,
        Status::WrittenOff => Msg::WrittenOff,
    }
}

pub const METHODS: [(Method, &str, Msg); 6] = [
    (Method::BankTransfer, "bank_transfer", Msg::MethodBank),
    (Method::Cash, "cash", Msg::MethodCash),
    (Method::Cheque, "cheque", Msg::MethodCheque),
    (Method::AcceptanceBill, "acceptance_bill", Msg::MethodBill),
    (Method::WechatPay, "wechat_pay", Msg::MethodWechat),
    (Method::Alipay, "alipay", Msg::MethodAlipay),
];

pub fn method_label(method: Method) -> Msg {
    METHODS
        .iter()
        .find(|(m, _, _)| *m == method)
        .map_or(Msg::MethodBank, |(_, _, label)| *label)
}
