//! Aging (账龄): what customers owe by days past due, as of any date. The
//! server's report covers everyone the user sees; offline, the same rule
//! runs over this device's copy (a rep's own customers). Choosing a bucket
//! lists the customers with money in it; opening a customer lists the
//! installments and advances behind that bucket, from the device's copy.

use super::words;
use super::{book_of, yuan};
use crate::i18n::{use_i18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::money::aging::{age, behind, Behind};
use yingpan_shared::money::report::{AgingLine, AgingReport};

/// The report from this device's copy, as the server would make it.
async fn local_report(app: AppCtx, as_of: chrono::NaiveDate) -> AgingReport {
    let held = super::DeviceMoney::read(app).await;
    let boundaries = app.work_rules.get_untracked().money.aging;
    let lines = age(&held.facts(), as_of, &boundaries)
        .into_iter()
        .map(|row| AgingLine {
            whose: super::whose(app, row.customer_id),
            row,
        })
        .collect();
    AgingReport::of(as_of, boundaries, lines)
}

#[component]
pub fn AgingPage() -> impl IntoView {
    let i18n = use_i18n();
    // One page, three views: the aging, the forecast and the statistics.
    let tab = RwSignal::new(0u8);
    let chip = move |n: u8, id: &'static str, words: crate::i18n::Words| {
        view! {
            <button type="button" class="chip bucket" id=id class:selected=move || tab.get() == n
                on:click=move |_| tab.set(n)>{i18n.say(words)}</button>
        }
    };
    view! {
        <div class="buckets tabs">
            {chip(0, "open-aging", words::Aging)}
            {chip(1, "open-forecast", words::Forecast)}
            {chip(2, "open-stats", words::MoneyStats)}
        </div>
        {move || match tab.get() {
            0 => view! { <AgingTab /> }.into_any(),
            1 => view! { <super::forecast::ForecastPage /> }.into_any(),
            _ => view! { <super::stats::StatsPage /> }.into_any(),
        }}
    }
}

#[component]
fn AgingTab() -> impl IntoView {
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
            <h2>{i18n.say(words::Aging)}</h2>
            <div class="aging-controls">
                <label>{i18n.say(words::AsOf)}
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
        i => format!("{} {}", boundaries.range(i), i18n.tr(words::Days)),
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
    let shown = RwSignal::new(ROWS);
    let more = report.customers.len() > ROWS;
    view! {
        {local.then(|| view! { <p class="hint" id="aging-local">{i18n.say(words::FromThisDevice)}</p> })}
        <p class="aging-total">{i18n.say(words::Total)}" "<b id="aging-total">{yuan(report.company.total)}</b></p>
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
                // The largest first; a company's thousands are in the workbook.
                rows.truncate(shown.get());
                rows.into_iter().map(|(line, fen)| {
                    let id = line.whose.customer_id;
                    view! {
                        <li class="aging-row">
                            <button type="button" class="row-button" on:click=move |_| opened.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                                <span class="name">{line.whose.name.clone()}</span>
                                <span class="amount">{yuan(fen)}</span>
                                {(line.row.oldest_days > 0).then(|| view! { <span class="status">{line.row.oldest_days}" "{i18n.say(words::Days)}</span> })}
                            </button>
                            {move || (opened.get() == Some(id)).then(|| view! { <Behind customer=id as_of=as_of bucket=chosen /> })}
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
        {more.then(|| view! {
            <button type="button" class="secondary more" on:click=move |_| shown.update(|n| *n += ROWS)>{i18n.label(Msg::ShowMore)}</button>
        })}
    }
}

/// Customers the list shows at first; "show more" adds as many again.
const ROWS: usize = 100;

/// What is behind a customer's cell: its installments still owed and its
/// advances, in `bucket` (all when none is chosen).
#[component]
fn Behind(customer: Uuid, as_of: chrono::NaiveDate, bucket: Option<usize>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let items = LocalResource::new(move || async move {
        let book = book_of(app, &customer.to_string()).await;
        let boundaries = app.work_rules.get_untracked().money.aging;
        let numbers: std::collections::HashMap<Uuid, u16> =
            book.installments.iter().map(|i| (i.id, i.number)).collect();
        book.with_facts(|facts| behind(facts, as_of, &boundaries))
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
                        <span class="name">{if b.advance { i18n.tr(words::Advance).to_owned() } else { format!("#{}", number.unwrap_or(0)) }}" "{b.date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</span>
                        <span class="amount">{yuan(b.fen)}</span>
                    </a>
                </li>
            }).collect_view())}
        </ul>
    }
}

#[cfg(all(test, feature = "bench"))]
mod bench {
    //! A rep's receivables aged on the phone, in the browser: 200
    //! customers with 2,000 installments, 6,000 receipts and 6,000
    //! allocations in IndexedDB. `scripts/bench money` runs it and prints
    //! the figures beside the browser's own `JSON.parse` of the same
    //! records.
    use super::*;
    use crate::db::{Incoming, LocalDb};
    use crate::device::steady_ms as now;
    use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
    use yingpan_shared::entity::EntityKind;
    use yingpan_shared::money::aging::{Boundaries, Facts};
    use yingpan_shared::money::forecast::forecast;
    use yingpan_shared::money::receivable::{Allocation, Installment, Receipt};
    use yingpan_shared::sync::Change;

    wasm_bindgen_test_configure!(run_in_browser);

    fn change(kind: EntityKind, seq: i64, value: serde_json::Value) -> Change {
        Change {
            entity: kind,
            id: value["id"].as_str().unwrap().parse().unwrap(),
            seq,
            data: value.as_object().cloned(),
        }
    }

    #[wasm_bindgen_test]
    async fn a_reps_2000_installments_aged_on_the_phone() {
        let db = LocalDb::open(&format!("bench-{}", crate::ids::new_id())).await.unwrap();
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut changes = Vec::new();
        let mut seq = 0;
        let mut next = |kind, value| {
            seq += 1;
            changes.push(change(kind, seq, value));
        };
        for c in 0..200u64 {
            let customer = crate::ids::new_id().parse::<uuid::Uuid>().unwrap();
            for n in 0..10u64 {
                let installment = crate::ids::new_id().parse::<uuid::Uuid>().unwrap();
                let fen = 100_000 + ((c * 7919 + n * 104_729) % 5_000_000) as i64;
                let due = start + chrono::Duration::days(((c * 31 + n * 67) % 700) as i64);
                next(
                    EntityKind::Installment,
                    serde_json::json!({"id": installment, "customer_id": customer, "fen": fen, "due": due, "number": n + 1}),
                );
                for k in 0..3i64 {
                    let receipt = crate::ids::new_id().parse::<uuid::Uuid>().unwrap();
                    let date = due + chrono::Duration::days(k * 20 - 30);
                    next(
                        EntityKind::Receipt,
                        serde_json::json!({"id": receipt, "customer_id": customer, "fen": fen / 4, "date": date, "confirmed": true}),
                    );
                    next(
                        EntityKind::Allocation,
                        serde_json::json!({"id": crate::ids::new_id().parse::<uuid::Uuid>().unwrap(), "customer_id": customer, "receipt_id": receipt, "installment_id": installment, "fen": fen / 4, "date": date}),
                    );
                }
            }
        }
        let text = serde_json::to_string(&changes.iter().map(|c| &c.data).collect::<Vec<_>>()).unwrap();
        for page in changes.chunks(1000) {
            db.apply_pull(&Incoming::all(page), page.last().unwrap().seq)
                .await
                .unwrap();
        }
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let (mut read, mut compute, mut parse) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..10 {
            let started = now();
            let parsed = js_sys::JSON::parse(&text).unwrap();
            parse.push(now() - started);
            assert_eq!(js_sys::Array::from(&parsed).length(), 14_000);
            let started = now();
            let installments: Vec<Installment> = db.all(EntityKind::Installment).await.unwrap();
            let receipts: Vec<Receipt> = db.all(EntityKind::Receipt).await.unwrap();
            let allocations: Vec<Allocation> = db.all(EntityKind::Allocation).await.unwrap();
            read.push(now() - started);
            let started = now();
            let facts = Facts {
                installments: &installments,
                receipts: &receipts,
                allocations: &allocations,
                credits: &[],
            };
            let rows = age(&facts, as_of, &Boundaries::default());
            let table = forecast(&facts, &[], as_of, 12);
            compute.push(now() - started);
            assert_eq!(rows.len(), 200);
            assert!(!table.rows.is_empty());
        }
        for times in [&mut read, &mut compute, &mut parse] {
            times.sort_by(f64::total_cmp);
        }
        let pct = |t: &[f64], p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
        console_log!(
            "a rep's 2000 installments, 6000 receipts and 6000 allocations on the phone: aging and a 12-month forecast p50 {:.1} ms, p95 {:.1} ms; read from IndexedDB p50 {:.0} ms; the browser's JSON.parse of the same records p50 {:.1} ms (computing is {:.2} of it)",
            pct(&compute, 0.5),
            pct(&compute, 0.95),
            pct(&read, 0.5),
            pct(&parse, 0.5),
            pct(&compute, 0.95) / pct(&parse, 0.5)
        );
        db.delete().await.unwrap();
    }
}
