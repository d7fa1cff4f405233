//! A document's print view: the company's template filled from the cached
//! records, offline, in a sandboxed frame. Printing prints that frame alone
//! through the browser's dialog (A4) and is recorded.

use super::words;
use super::{book_of, customer_name, fields_of, held};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::book::Book;
use yingpan_shared::money::dunning::Letter;
use yingpan_shared::money::print::{render, PrintDoc, PrintTemplates};
use yingpan_shared::money::receivable::Receipt;
use yingpan_shared::money::records::{Contract, Delivery, Print, PrintKind, Quote};
use yingpan_shared::money::statement::{statement, Statement};

/// A customer's statement as of today, from this device's copy of its
/// book.
fn statement_of(book: &Book, customer: Uuid, months: u32) -> Statement {
    book.with_facts(|facts| statement(facts, &book.contracts, customer, crate::device::today(), months))
}

/// The document to print, filled in: (customer, html). A statement looks
/// `months` ahead.
async fn prepared(app: crate::sync::AppCtx, kind: PrintKind, id: Uuid, months: u32) -> Result<(Uuid, String), Msg> {
    let templates: PrintTemplates = app.db.get_value().print_templates().await.unwrap_or_default();
    let company = &templates.letterhead;
    let (customer, doc) = match kind {
        PrintKind::Quote => {
            let quote: Quote = held(app, EntityKind::Quote, id).await.ok_or(Msg::NotFound)?;
            let name = customer_name(app, quote.customer_id);
            (quote.customer_id, PrintDoc::quote(&quote, &name, company))
        }
        PrintKind::Contract => {
            let contract: Contract = held(app, EntityKind::Contract, id).await.ok_or(Msg::NotFound)?;
            let book = book_of(app, &contract.customer_id.to_string()).await;
            let name = customer_name(app, contract.customer_id);
            (
                contract.customer_id,
                PrintDoc::contract(&contract, &book.installments, &name, company),
            )
        }
        PrintKind::Delivery => {
            let delivery: Delivery = held(app, EntityKind::Delivery, id).await.ok_or(Msg::NotFound)?;
            let contract: Contract = held(app, EntityKind::Contract, delivery.contract_id)
                .await
                .ok_or(Msg::NotFound)?;
            let name = customer_name(app, delivery.customer_id);
            (
                delivery.customer_id,
                PrintDoc::delivery(&delivery, &contract, &name, company),
            )
        }
        PrintKind::Receipt => {
            let receipt: Receipt = held(app, EntityKind::Receipt, id).await.ok_or(Msg::NotFound)?;
            let name = customer_name(app, receipt.customer_id);
            (receipt.customer_id, PrintDoc::receipt(&receipt, &name, company))
        }
        PrintKind::Statement => {
            let book = book_of(app, &id.to_string()).await;
            let name = customer_name(app, id);
            (
                id,
                PrintDoc::statement(&statement_of(&book, id, months), &name, company),
            )
        }
        PrintKind::Dunning => {
            let letter: Letter = held(app, EntityKind::Dunning, id).await.ok_or(Msg::NotFound)?;
            let book = book_of(app, &letter.customer_id.to_string()).await;
            let name = customer_name(app, letter.customer_id);
            let level = app
                .work_rules
                .get_untracked()
                .money
                .dunning
                .get(letter.level)
                .cloned()
                .ok_or(Msg::NotFound)?;
            // What it lists, as still owed on its date.
            let mut items = statement_of(&book, letter.customer_id, 1).items;
            items.retain(|i| letter.installments.contains(&i.installment_id));
            (
                letter.customer_id,
                PrintDoc::dunning(&level, letter.date, &items, &name, company),
            )
        }
    };
    let html = render(templates.template(kind), &doc).map_err(|_| Msg::TemplateBroken)?;
    Ok((customer, html))
}

/// The document style sheet, inside each frame.
const DOCUMENT_CSS: &str = include_str!("../../../../style/document.css");

/// A whole page around a filled-in template.
fn page_of(html: &str) -> String {
    format!("<!doctype html><html><head><meta charset=\"utf-8\"><style>{DOCUMENT_CSS}</style></head><body>{html}</body></html>")
}

/// A filled-in template, drawn in a sandboxed frame: the template is an
/// admin's HTML, and nothing in it (a script, an `onerror`) may run in the
/// app. The frame may only open the print dialog, for its own document.
#[component]
pub fn PrintFrame(
    /// The filled-in template.
    #[prop(into)]
    html: Signal<String>,
    /// The frame's id, for printing it and for tests.
    id: &'static str,
) -> impl IntoView {
    let frame = NodeRef::<leptos::html::Iframe>::new();
    // As tall as the document, so the page scrolls rather than the frame.
    let fit = move |_| {
        if let Some(f) = frame.get() {
            let height = f
                .content_document()
                .and_then(|d| d.document_element())
                .map_or(0, |e| e.scroll_height());
            let _ = f.style(("height", format!("{}px", height.max(200) + 4)));
        }
    };
    view! {
        <iframe class="print-frame" id=id node_ref=frame sandbox="allow-same-origin allow-modals"
            title="document" srcdoc=move || page_of(&html.get()) on:load=fit></iframe>
    }
}

/// Opens the print dialog for the document in frame `id` alone.
fn print_frame(id: &str) {
    use wasm_bindgen::JsCast;
    let frame = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlIFrameElement>().ok());
    if let Some(w) = frame.and_then(|f| f.content_window()) {
        let _ = w.print();
    }
}

#[component]
pub fn PrintPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let params = use_params_map();
    let target = move || {
        params.with(|p| {
            let kind = p.get("kind").and_then(|k| PrintKind::parse(&k))?;
            let id = p.get("id").and_then(|id| id.parse::<Uuid>().ok())?;
            Some((kind, id))
        })
    };
    // A statement looks ahead three months unless asked for more.
    let months = RwSignal::new(3u32);
    let doc = LocalResource::new(move || {
        let target = target();
        months.track();
        async move {
            let (kind, id) = target.ok_or(Msg::NotFound)?;
            prepared(app, kind, id, months.get())
                .await
                .map(|(customer, html)| (kind, id, customer, html))
        }
    });
    let message = RwSignal::new(None::<String>);
    view! {
        <section class="print-page">
            <Suspense fallback=move || view! { <p class="splash">{i18n.label(Msg::Loading)}</p> }>
                {move || doc.get().map(|d| match d {
                    Err(why) => view! { <p class="empty" id="not-found">{i18n.label(why)}</p> }.into_any(),
                    Ok((kind, id, customer, html)) => {
                        let print = move |_| {
                            let record = Print {
                                id: Uuid::nil(),
                                customer_id: customer,
                                kind,
                                document_id: id,
                                at: crate::device::now(),
                                by: None,
                            };
                            spawn_local(async move {
                                if let Err(e) = edits::create(app, EntityKind::Print, fields_of(&record)).await {
                                    message.set(Some(e));
                                }
                                print_frame("print-sheet");
                            });
                        };
                        view! {
                            <div class="print-toolbar">
                                <button type="button" class="back" on:click=move |_| {
                                    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                                        let _ = h.back();
                                    }
                                }>"‹ "{i18n.label(Msg::Back)}</button>
                                {(kind == PrintKind::Statement).then(|| view! {
                                    <select id="statement-months" on:change=move |ev| {
                                        if let Ok(m) = event_target_value(&ev).parse() {
                                            months.set(m);
                                        }
                                    }>
                                        {[3u32, 6, 12].into_iter().map(|m| view! {
                                            <option value=m.to_string() selected=move || months.get() == m>{m}" 月"</option>
                                        }).collect_view()}
                                    </select>
                                    <button type="button" id="statement-xlsx" on:click=move |_| {
                                        let token = app.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
                                        let months = months.get_untracked();
                                        spawn_local(async move {
                                            match crate::api::statement_xlsx(&token, id, months).await {
                                                Ok(bytes) => crate::device::download(
                                                    &bytes,
                                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                                    &format!("statement-{}.xlsx", crate::device::today()),
                                                ),
                                                Err(e) => message.set(Some(
                                                    e.message().map_or_else(|| i18n.t(Msg::NeedsConnection).to_owned(), str::to_owned),
                                                )),
                                            }
                                        });
                                    }>"XLSX"</button>
                                })}
                                <button type="button" id="print-now" on:click=print>{i18n.say(words::Print)}</button>
                            </div>
                            <PrintFrame html=html id="print-sheet" />
                        }.into_any()
                    }
                })}
            </Suspense>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </section>
    }
}
