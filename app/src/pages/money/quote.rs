//! A quote: made and edited as a draft (lines from products or typed
//! freely), sent, accepted or rejected, revised into a new version, printed,
//! and made into a contract once accepted, all offline.

use super::words;
use super::{customer_name, fields_of, held, quote_status, track_money, yuan};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::ids::new_id;
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::document::{quote_status as status_on, totals, Line, Quantity, QuoteStatus};
use yingpan_shared::money::print::quantity_text;
use yingpan_shared::money::records::{Contract, ContractStatus, Product, Quote};
use yingpan_shared::money::terms::presets;
use yingpan_shared::money::{parse_percent, parse_yuan};

/// A line as typed: each field its own signal, so typing into one never
/// redraws another under the finger.
#[derive(Clone, Copy)]
struct Draft {
    product_id: RwSignal<Option<Uuid>>,
    description: RwSignal<String>,
    quantity: RwSignal<String>,
    price: RwSignal<String>,
    discount: RwSignal<String>,
    tax_bp: RwSignal<u32>,
}

/// Fen (or basis points) as typed: 12800.50.
fn hundredths(n: i64) -> String {
    format!("{}.{:02}", n / 100, n % 100)
}

impl Draft {
    fn blank() -> Draft {
        Draft {
            product_id: RwSignal::new(None),
            description: RwSignal::new(String::new()),
            quantity: RwSignal::new("1".into()),
            price: RwSignal::new(String::new()),
            discount: RwSignal::new(String::new()),
            tax_bp: RwSignal::new(0),
        }
    }

    fn of(line: &Line) -> Draft {
        Draft {
            product_id: RwSignal::new(line.product_id),
            description: RwSignal::new(line.description.clone()),
            quantity: RwSignal::new(quantity_text(line.quantity)),
            price: RwSignal::new(hundredths(line.unit_fen)),
            discount: RwSignal::new(match line.discount_bp {
                0 => String::new(),
                bp => hundredths(i64::from(bp)),
            }),
            tax_bp: RwSignal::new(line.tax_bp),
        }
    }

    /// The line it makes, or what is wrong with it (`n` names it).
    fn line(&self, n: usize) -> Result<Line, String> {
        let quantity = Quantity::parse(&self.quantity.get()).map_err(|e| format!("{n}: {e}"))?;
        let unit_fen = parse_yuan(&self.price.get()).map_err(|e| format!("{n}: {e}"))?;
        let discount_bp = match self.discount.get().trim() {
            "" => 0,
            text => parse_percent(text).map_err(|e| format!("{n}: {e}"))?,
        };
        Ok(Line {
            id: None,
            product_id: self.product_id.get(),
            description: self.description.get(),
            quantity,
            unit_fen,
            discount_bp,
            tax_bp: self.tax_bp.get(),
            planned_delivery: None,
        })
    }
}

fn lines_of(drafts: &[Draft]) -> Result<Vec<Line>, String> {
    drafts.iter().enumerate().map(|(i, d)| d.line(i + 1)).collect()
}

/// `/customers/:id/quote`: a new quote at a customer.
#[component]
pub fn NewQuotePage() -> impl IntoView {
    let params = use_params_map();
    let customer = params.with_untracked(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    match customer {
        Some(customer) => view! { <QuoteEditor customer=customer before=None /> }.into_any(),
        None => view! { <p class="empty">"?"</p> }.into_any(),
    }
}

/// `/quotes/:id`: a quote, edited while a draft, else shown with what can
/// happen to it next.
#[component]
pub fn QuotePage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let params = use_params_map();
    let quote = LocalResource::new(move || {
        track_money(app);
        let id = params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
        async move {
            match id {
                Some(id) => held::<Quote>(app, EntityKind::Quote, id).await,
                None => None,
            }
        }
    });
    view! {
        <Suspense fallback=move || view! { <p class="splash">{i18n.label(Msg::Loading)}</p> }>
            {move || quote.get().map(|q| match q {
                None => view! { <p class="empty" id="not-found">{i18n.label(Msg::NotFound)}</p> }.into_any(),
                Some(q) if q.status == QuoteStatus::Draft => view! { <QuoteEditor customer=q.customer_id before=Some(q) /> }.into_any(),
                Some(q) => view! { <QuoteView quote=q /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn QuoteEditor(customer: Uuid, before: Option<Quote>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let navigate = use_navigate();
    let products = LocalResource::new(move || async move {
        let all: Vec<Product> = app.db.get_value().all(EntityKind::Product).await.unwrap_or_default();
        all.into_iter().filter(|p| p.active).collect::<Vec<_>>()
    });
    let start = before.clone();
    let drafts = RwSignal::new(match &start {
        Some(q) => q.lines.iter().map(Draft::of).collect(),
        None => vec![Draft::blank()],
    });
    let valid_until = RwSignal::new(
        start
            .as_ref()
            .and_then(|q| q.valid_until)
            .unwrap_or_else(|| crate::device::today() + chrono::Days::new(30))
            .to_string(),
    );
    let terms = RwSignal::new(start.as_ref().map(|q| q.terms.clone()).unwrap_or_default());
    let notes = RwSignal::new(start.as_ref().map(|q| q.notes.clone()).unwrap_or_default());
    let message = RwSignal::new(None::<String>);
    let total = move || drafts.with(|d| lines_of(d).ok().and_then(|l| totals(&l).ok()).map(|t| yuan(t.amount)));
    let count = Memo::new(move |_| drafts.with(Vec::len));
    let save = move |status: QuoteStatus| {
        let lines = match lines_of(&drafts.get_untracked()) {
            Ok(lines) => lines,
            Err(e) => return message.set(Some(e)),
        };
        let quote = Quote {
            id: before.as_ref().map_or(Uuid::nil(), |q| q.id),
            customer_id: customer,
            number: before.as_ref().map(|q| q.number.clone()).unwrap_or_default(),
            version: before.as_ref().map_or(1, |q| q.version),
            supersedes: before.as_ref().and_then(|q| q.supersedes),
            status,
            currency: Default::default(),
            lines,
            date: before.as_ref().map_or_else(crate::device::today, |q| q.date),
            valid_until: valid_until.get_untracked().parse().ok(),
            terms: terms.get_untracked(),
            notes: notes.get_untracked(),
        };
        let before = before.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let saved = match &before {
                Some(b) => edits::update(app, EntityKind::Quote, &fields_of(b), fields_of(&quote))
                    .await
                    .map(|()| b.id.to_string()),
                None => edits::create(app, EntityKind::Quote, fields_of(&quote)).await,
            };
            match saved {
                Ok(id) => navigate(&format!("/quotes/{id}"), Default::default()),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    let save_draft = save.clone();
    view! {
        <section class="page quote-editor">
            <a class="back" href=format!("/customers/{customer}")>"‹ "{move || customer_name(app, customer)}</a>
            <h2>{i18n.label(Msg::Quote)}</h2>
            <datalist id="products">
                {move || products.get().unwrap_or_default().into_iter().map(|p| view! {
                    <option value=format!("{} {}", p.code, p.name)></option>
                }).collect_view()}
            </datalist>
            <ol class="lines">
                {move || {
                    let lines = count.get();
                    drafts.get_untracked().into_iter().take(lines).map(|d| view! { <LineEditor draft=d products=products /> }).collect_view()
                }}
            </ol>
            <button type="button" id="add-line" on:click=move |_| drafts.update(|d| d.push(Draft::blank()))>
                {i18n.say(words::AddLine)}
            </button>
            <p class="total">{i18n.say(words::Total)}" "<b id="quote-total">{total}</b></p>
            <label>{i18n.say(words::ValidUntil)}<input type="date" id="valid-until" bind:value=valid_until /></label>
            <label>{i18n.say(words::Terms)}<textarea id="quote-terms" bind:value=terms></textarea></label>
            <label>{i18n.label(Msg::Notes)}<textarea id="quote-notes" bind:value=notes></textarea></label>
            <div class="actions">
                <button type="button" id="save-draft" on:click=move |_| save_draft(QuoteStatus::Draft)>{i18n.say(words::SaveDraft)}</button>
                <button type="button" id="save-sent" on:click=move |_| save(QuoteStatus::Sent)>{i18n.say(words::SaveAndSend)}</button>
            </div>
            {move || message.get().map(|m| view! { <p class="error" id="quote-error">{m}</p> })}
        </section>
    }
}

/// One line's inputs; choosing a product fills its description, price and
/// tax rate.
#[component]
fn LineEditor(draft: Draft, products: LocalResource<Vec<Product>>) -> impl IntoView {
    let i18n = use_i18n();
    let choose = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let chosen = products
            .get_untracked()
            .unwrap_or_default()
            .into_iter()
            .find(|p| format!("{} {}", p.code, p.name) == value);
        match chosen {
            Some(p) => {
                draft.product_id.set(Some(p.id));
                draft
                    .description
                    .set([p.name.as_str(), p.spec.as_str()].join(" ").trim().to_owned());
                draft.price.set(hundredths(p.list_fen));
                draft.tax_bp.set(p.tax_bp);
            }
            None => {
                draft.product_id.set(None);
                draft.description.set(value);
            }
        }
    };
    view! {
        <li class="line-editor">
            <input class="line-description" list="products" placeholder=move || i18n.tr(words::ProductOrText)
                prop:value=draft.description on:change=choose />
            <input class="line-quantity" inputmode="decimal" placeholder=move || i18n.tr(words::Quantity)
                bind:value=draft.quantity />
            <input class="line-price" inputmode="decimal" placeholder=move || i18n.tr(words::UnitPrice)
                bind:value=draft.price />
            <input class="line-discount" inputmode="decimal" placeholder=move || i18n.tr(words::DiscountPercent)
                bind:value=draft.discount />
        </li>
    }
}

/// A quote past its draft: its lines, and what can happen to it next.
#[component]
fn QuoteView(quote: Quote) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let navigate = use_navigate();
    let status = status_on(quote.status, quote.valid_until, crate::device::today());
    let figures = totals(&quote.lines).unwrap_or_default();
    let message = RwSignal::new(None::<String>);
    let before = quote.clone();
    let moving = move |to: QuoteStatus| {
        let before = before.clone();
        move |_| {
            let after = Quote {
                status: to,
                ..before.clone()
            };
            super::save_edit(app, EntityKind::Quote, &before, &after, message);
        }
    };
    let export = move |id: Uuid| {
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            match crate::api::quote_xlsx(&token, id).await {
                Ok(bytes) => crate::device::download(
                    &bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("quote-{id}.xlsx"),
                ),
                Err(e) => message.set(
                    Some(e.message().unwrap_or_default().to_owned())
                        .filter(|m| !m.is_empty())
                        .or_else(|| Some(i18n.t(Msg::NeedsConnection).to_owned())),
                ),
            }
        });
    };
    let old = quote.clone();
    let nav = navigate.clone();
    let revise = move |_| {
        let revision = Quote {
            id: Uuid::nil(),
            version: old.version + 1,
            supersedes: Some(old.id),
            status: QuoteStatus::Draft,
            date: crate::device::today(),
            ..old.clone()
        };
        let navigate = nav.clone();
        spawn_local(async move {
            match edits::create(app, EntityKind::Quote, fields_of(&revision)).await {
                Ok(id) => navigate(&format!("/quotes/{id}"), Default::default()),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <section class="page quote-view">
            <a class="back" href=format!("/customers/{}", quote.customer_id)>"‹ "{move || customer_name(app, quote.customer_id)}</a>
            <h2>{i18n.label(Msg::Quote)}" V"{quote.version}</h2>
            <p class="status" id="quote-status">{i18n.label(quote_status(status))}</p>
            <ol class="lines">
                {quote.lines.iter().zip(figures.lines.iter()).map(|(l, amount)| view! {
                    <li><span class="name">{l.description.clone()}</span>
                        <span>{quantity_text(l.quantity)}" × "{yuan(l.unit_fen)}</span>
                        <span class="amount">{yuan(*amount)}</span></li>
                }).collect_view()}
            </ol>
            <p class="total">{i18n.say(words::Total)}" "<b id="quote-total">{yuan(figures.amount)}</b></p>
            <div class="actions">
                <a class="button" id="print-quote" href=format!("/print/quote/{}", quote.id)>{i18n.say(words::Print)}</a>
                <button type="button" id="export-quote" on:click=move |_| export(quote.id)>{i18n.say(words::ExportXlsx)}</button>
                {(status == QuoteStatus::Sent).then(|| view! {
                    <button id="quote-accepted" on:click=moving(QuoteStatus::Accepted)>{i18n.say(words::MarkAccepted)}</button>
                    <button id="quote-rejected" on:click=moving(QuoteStatus::Rejected)>{i18n.say(words::MarkRejected)}</button>
                })}
                {matches!(status, QuoteStatus::Sent | QuoteStatus::Rejected | QuoteStatus::Expired).then(|| view! {
                    <button id="quote-revise" on:click=revise.clone()>{i18n.say(words::Revise)}</button>
                })}
            </div>
            {(status == QuoteStatus::Accepted).then(|| view! { <MakeContract quote=quote.clone() /> })}
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </section>
    }
}

/// Makes a signed contract from an accepted quote, its lines carried over
/// as they are, with the chosen payment terms.
#[component]
fn MakeContract(quote: Quote) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let navigate = use_navigate();
    let choices = presets();
    let chosen = RwSignal::new(0usize);
    let title = RwSignal::new(format!(
        "{} {}",
        customer_name(app, quote.customer_id),
        crate::device::today()
    ));
    let message = RwSignal::new(None::<String>);
    let names: Vec<(usize, &'static str)> = choices.iter().enumerate().map(|(i, (name, _))| (i, *name)).collect();
    let make = move |_| {
        let terms = presets()
            .get(chosen.get_untracked())
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        // Where the company approves contracts, a rep's waits for a manager
        // or finance to sign it.
        let approval = app.work_rules.with_untracked(|r| r.contracts_need_approval);
        let status = match super::role(app) {
            Some(yingpan_shared::user::Role::Rep) if approval => ContractStatus::Submitted,
            _ => ContractStatus::Active,
        };
        let contract = Contract {
            id: Uuid::nil(),
            customer_id: quote.customer_id,
            number: String::new(),
            title: title.get_untracked(),
            quote_id: Some(quote.id),
            status,
            currency: quote.currency,
            lines: quote
                .lines
                .iter()
                .map(|l| Line {
                    id: new_id().parse().ok(),
                    ..l.clone()
                })
                .collect(),
            signed_on: (status == ContractStatus::Active).then(crate::device::today),
            terms,
            allow_over_delivery: false,
            notes: quote.notes.clone(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match edits::create(app, EntityKind::Contract, fields_of(&contract)).await {
                Ok(id) => navigate(&format!("/contracts/{id}"), Default::default()),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <form class="make-contract" on:submit=|ev| ev.prevent_default()>
            <h3>{i18n.say(words::MakeContract)}</h3>
            <label>{i18n.say(words::ContractTitle)}<input id="contract-title" bind:value=title /></label>
            <label>{i18n.say(words::PaymentTerms)}
                <select id="contract-terms" on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {names.into_iter().map(|(i, name)| view! { <option value=i.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" id="make-contract" on:click=make>{i18n.say(words::SignContract)}</button>
            {move || message.get().map(|m| view! { <p class="error" id="contract-error">{m}</p> })}
        </form>
    }
}
