//! Aging (账龄): what customers owe by days past due, as of any date. The
//! server's report covers everyone the user sees; offline, the same rule
//! runs over this device's copy (a rep's own customers). Choosing a bucket
//! lists the customers with money in it; opening a customer lists the
//! installments and advances behind that bucket, from the device's copy.

use super::{book_of, customer_name, yuan};
use crate::i18n::{use_i18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::aging::{age, behind, Behind, Facts};
use yingpan_shared::money::receivable::{Allocation, Credit, Installment, Receipt};
use yingpan_shared::money::report::{AgingLine, AgingReport, Whose};

/// The report from this device's copy, as the server would make it.
async fn local_report(app: AppCtx, as_of: chrono::NaiveDate) -> AgingReport {
    let db = app.db.get_value();
    let installments: Vec<Installment> = db.all(EntityKind::Installment).await.unwrap_or_default();
    let mut receipts: Vec<Receipt> = db.all(EntityKind::Receipt).await.unwrap_or_default();
    receipts.retain(|r| r.confirmed);
    let allocations: Vec<Allocation> = db.all(EntityKind::Allocation).await.unwrap_or_default();
    let credits: Vec<Credit> = db.all(EntityKind::Credit).await.unwrap_or_default();
    let facts = Facts {
        installments: &installments,
        receipts: &receipts,
        allocations: &allocations,
        credits: &credits,
    };
    let boundaries = app.work_rules.get_untracked().money.aging;
    let lines = age(&facts, as_of, &boundaries)
        .into_iter()
        .map(|row| AgingLine {
            whose: Whose {
                customer_id: row.customer_id,
                name: customer_name(app, row.customer_id),
                ..Whose::default()
            },
            row,
        })
        .collect();
    AgingReport::of(as_of, boundaries, lines)
}

#[component]
pub fn AgingPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let as_of = RwSignal::new(crate::device::today());
    let token = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    };
    // The server's report, or this device's when the server cannot be
    // reached.
    let report = LocalResource::new(move || {
        let date = as_of.get();
        let token = token();
        async move {
            match crate::api::aging(&token, date).await {
                Ok(report) => (report, false),
                Err(_) => (local_report(app, date).await, true),
            }
        }
    });
    let bucket = RwSignal::new(None::<usize>);
    let opened = RwSignal::new(None::<Uuid>);
    let message = RwSignal::new(None::<String>);
    let export = move |_| {
        let (token, date) = (token(), as_of.get_untracked());
        spawn_local(async move {
            match crate::api::aging_xlsx(&token, date).await {
                Ok(bytes) => crate::device::download(
                    &bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("aging-{date}.xlsx"),
                ),
                Err(_) => message.set(Some(i18n.t(Msg::NeedsConnection).to_owned())),
            }
        });
    };
    view! {
        <section class="page aging">
            <h2>{i18n.label(Msg::Aging)}</h2>
            <div class="aging-controls">
                <label>{i18n.label(Msg::AsOf)}
                    <input type="date" id="aging-as-of" prop:value=move || as_of.get().to_string()
                        on:change=move |ev| if let Ok(d) = event_target_value(&ev).parse() { as_of.set(d) } />
                </label>
                <button type="button" id="aging-xlsx" on:click=export>"XLSX"</button>
            </div>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
            {move || report.get().map(|(report, local)| view! {
                <AgingView report=report local=local bucket=bucket opened=opened />
            })}
        </section>
    }
}

#[component]
fn AgingView(
    report: AgingReport,
    local: bool,
    bucket: RwSignal<Option<usize>>,
    opened: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let boundaries = report.boundaries.clone();
    let name_of = move |i: usize| match i {
        0 => i18n.t(Msg::NotYetDue).to_owned(),
        i => format!("{} {}", boundaries.range(i), i18n.t(Msg::Days)),
    };
    let chips: Vec<_> = report
        .company
        .buckets
        .iter()
        .enumerate()
        .map(|(i, fen)| {
            let label = name_of(i);
            let fen = *fen;
            view! {
                <button type="button" class="chip bucket" id=format!("bucket-{i}")
                    class:selected=move || bucket.get() == Some(i)
                    on:click=move |_| bucket.update(|b| *b = if *b == Some(i) { None } else { Some(i) })>
                    <span>{label}</span>" "<b>{yuan(fen)}</b>
                </button>
            }
        })
        .collect();
    let customers = report.customers.clone();
    let as_of = report.as_of;
    view! {
        {local.then(|| view! { <p class="hint" id="aging-local">{i18n.label(Msg::FromThisDevice)}</p> })}
        <p class="aging-total">{i18n.label(Msg::Total)}" "<b id="aging-total">{yuan(report.company.total)}</b></p>
        <div class="buckets">{chips}</div>
        <ul class="list aging-customers" id="aging-customers">
            {move || {
                let chosen = bucket.get();
                let mut rows: Vec<(AgingLine, i64)> = customers
                    .iter()
                    .map(|l| (l.clone(), chosen.map_or(l.row.total, |b| l.row.buckets.get(b).copied().unwrap_or(0))))
                    .filter(|(_, fen)| *fen != 0)
                    .collect();
                rows.sort_by_key(|(l, fen)| (std::cmp::Reverse(*fen), l.whose.customer_id));
                rows.into_iter().map(|(line, fen)| {
                    let id = line.whose.customer_id;
                    view! {
                        <li class="aging-row">
                            <button type="button" class="row-button" on:click=move |_| opened.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                                <span class="name">{line.whose.name.clone()}</span>
                                <span class="amount">{yuan(fen)}</span>
                                {(line.row.oldest_days > 0).then(|| view! { <span class="status">{line.row.oldest_days}" "{i18n.label(Msg::Days)}</span> })}
                            </button>
                            {move || (opened.get() == Some(id)).then(|| view! { <Behind customer=id as_of=as_of bucket=chosen /> })}
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
    }
}

/// What is behind a customer's cell: its installments still owed and its
/// advances, in `bucket` (all when none is chosen).
#[component]
fn Behind(customer: Uuid, as_of: chrono::NaiveDate, bucket: Option<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let items = LocalResource::new(move || async move {
        let book = book_of(app, &customer.to_string()).await;
        let receipts: Vec<Receipt> = book.confirmed().cloned().collect();
        let facts = Facts {
            installments: &book.installments,
            receipts: &receipts,
            allocations: &book.allocations,
            credits: &book.credits,
        };
        let boundaries = app.work_rules.get_untracked().money.aging;
        let numbers: std::collections::HashMap<Uuid, u16> =
            book.installments.iter().map(|i| (i.id, i.number)).collect();
        behind(&facts, as_of, &boundaries)
            .into_iter()
            .filter(|b| bucket.is_none_or(|k| b.bucket == k))
            .map(|b| (numbers.get(&b.id).copied(), b))
            .collect::<Vec<(Option<u16>, Behind)>>()
    });
    view! {
        <ul class="list behind">
            {move || items.get().map(|items| items.into_iter().map(|(number, b)| view! {
                <li class="behind-row">
                    <a href=format!("/customers/{customer}")>
                        <span class="name">{if b.advance { i18n.t(Msg::Advance).to_owned() } else { format!("#{}", number.unwrap_or(0)) }}" "{b.date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</span>
                        <span class="amount">{yuan(b.fen)}</span>
                    </a>
                </li>
            }).collect_view())}
        </ul>
    }
}
