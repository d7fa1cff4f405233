//! Finance's page: receipts recorded by reps waiting to be confirmed
//! (confirming one settles the customer's installments, oldest due first),
//! the products quotes are made from, and the payables (what the company
//! owes its suppliers).

use super::words;
use super::{customer_name, fields_of, track_money, yuan};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::receivable::Receipt;
use yingpan_shared::money::records::Product;
use yingpan_shared::money::{parse_percent, parse_yuan};

#[component]
pub fn FinancePage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let data = LocalResource::new(move || {
        track_money(app);
        async move {
            let db = app.db.get_value();
            let mut waiting: Vec<Receipt> = db.all(EntityKind::Receipt).await.unwrap_or_default();
            waiting.retain(|r| !r.confirmed);
            waiting.sort_by_key(|r| r.date);
            let mut products: Vec<Product> = db.all(EntityKind::Product).await.unwrap_or_default();
            products.sort_by(|a, b| a.code.cmp(&b.code));
            (waiting, products)
        }
    });
    view! {
        <section class="page finance">
            <h2>{i18n.label(Msg::Finance)}</h2>
            <a class="button" id="open-aging" href="/aging">{i18n.label(Msg::Aging)}</a>
            <h3>{i18n.say(words::ReceiptsToConfirm)}</h3>
            <ul class="list receipts" id="receipts-to-confirm">
                {move || data.get().map(|(waiting, _)| waiting.into_iter().map(|r| view! { <Waiting receipt=r /> }).collect_view())}
            </ul>
            <super::payables::PayablesSection />
            <h3>{i18n.say(words::Products)}</h3>
            <ul class="list products">
                {move || data.get().map(|(_, products)| products.into_iter().map(|p| view! {
                    <li class="product-row">
                        <span class="name">{p.code.clone()}" "{p.name.clone()}" "{p.spec.clone()}</span>
                        <span class="amount">{yuan(p.list_fen)}"/"{p.unit.clone()}</span>
                    </li>
                }).collect_view())}
            </ul>
            <AddProduct />
            <ImportProducts />
        </section>
    }
}

#[component]
fn Waiting(receipt: Receipt) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let message = RwSignal::new(None::<String>);
    let held = receipt.clone();
    let confirm = move |_| super::confirm_receipt(app, &held, message);
    let customer = receipt.customer_id;
    view! {
        <li class="receipt-row waiting">
            <a class="name" href=format!("/customers/{customer}")>{move || customer_name(app, customer)}</a>
            <span>{receipt.date.to_string()}" "{receipt.payer.clone()}</span>
            <span class="amount">{yuan(receipt.fen)}</span>
            <button class="confirm-receipt" on:click=confirm>{i18n.say(words::Confirm)}</button>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </li>
    }
}

#[component]
fn AddProduct() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let spec = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let tax = RwSignal::new("13".to_owned());
    let message = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let list_fen = match parse_yuan(&price.get_untracked()) {
            Ok(fen) => fen,
            Err(e) => return message.set(Some(e)),
        };
        let tax_bp = match parse_percent(&tax.get_untracked()) {
            Ok(bp) => bp,
            Err(e) => return message.set(Some(e)),
        };
        let product = Product {
            id: Uuid::nil(),
            code: code.get_untracked(),
            name: name.get_untracked(),
            spec: spec.get_untracked(),
            unit: unit.get_untracked(),
            list_fen,
            currency: Default::default(),
            tax_bp,
            category: String::new(),
            active: true,
        };
        spawn_local(async move {
            match edits::create(app, EntityKind::Product, fields_of(&product)).await {
                Ok(_) => {
                    for field in [code, name, spec, unit, price] {
                        field.set(String::new());
                    }
                    message.set(None);
                }
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <form class="add-product" on:submit=save>
            <h4>{i18n.say(words::AddProduct)}</h4>
            <label>{i18n.say(words::ProductCode)}<input id="product-code" bind:value=code /></label>
            <label>{i18n.say(words::ProductName)}<input id="product-name" bind:value=name /></label>
            <label>{i18n.say(words::Spec)}<input id="product-spec" bind:value=spec /></label>
            <label>{i18n.say(words::Unit)}<input id="product-unit" bind:value=unit /></label>
            <label>{i18n.say(words::ListPrice)}<input id="product-price" inputmode="decimal" bind:value=price /></label>
            <label>{i18n.say(words::TaxRatePercent)}<input id="product-tax" inputmode="decimal" bind:value=tax /></label>
            <button type="submit" id="save-product">{i18n.label(Msg::Save)}</button>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </form>
    }
}

/// Products from a CSV or XLSX file: a preview of what each row does, then
/// the import.
#[component]
fn ImportProducts() -> impl IntoView {
    use crate::api::{self, ApiError};
    use wasm_bindgen::JsCast;
    use yingpan_shared::money::catalogue::{ProductReport, ProductRowStatus};
    let i18n = use_i18n();
    let app = use_app();
    let bytes = StoredValue::new(Vec::<u8>::new());
    let report = RwSignal::new(None::<(ProductReport, bool)>);
    let error = RwSignal::new(None::<String>);
    let send = move |confirm: bool| {
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        error.set(None);
        spawn_local(async move {
            match api::import_products(&token, &bytes.get_value(), confirm).await {
                Ok(r) => {
                    if confirm {
                        app.request_sync();
                    }
                    report.set(Some((r, confirm)));
                }
                Err(ApiError::Unreachable) => error.set(Some(i18n.t(Msg::NeedsConnection).to_owned())),
                Err(e) => error.set(Some(e.message().unwrap_or("error").to_owned())),
            }
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        report.set(None);
        spawn_local(async move {
            if let Some(file) = crate::pages::import::file_bytes(&input).await {
                bytes.set_value(file);
                send(false);
            }
        });
    };
    let label = |status: ProductRowStatus| match status {
        ProductRowStatus::New => Msg::Created,
        ProductRowStatus::Update => Msg::Updated,
        ProductRowStatus::Invalid => Msg::Skipped,
    };
    view! {
        <h4>{i18n.say(words::ImportProducts)}</h4>
        <input id="import-products" type="file" accept=".csv,.xlsx,text/csv" on:change=chosen />
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || report.get().map(|(r, done)| view! {
            {done.then(|| view! { <p class="ok" id="products-imported">{r.created}" "{i18n.label(Msg::Created)}" · "{r.updated}" "{i18n.label(Msg::Updated)}</p> })}
            <ul class="list products" id="product-rows">
                {r.rows.into_iter().map(|row| view! {
                    <li class="product-row">
                        <span class="name">{row.line}". "{row.code}" "{row.name}</span>
                        <span class="status">{i18n.label(label(row.status))}</span>
                        <span class="meta">{row.message.unwrap_or_default()}</span>
                    </li>
                }).collect_view()}
            </ul>
            {(!done).then(|| view! {
                <button class="primary" id="import-products-confirm" on:click=move |_| send(true)>{i18n.label(Msg::ImportConfirm)}</button>
            })}
        })}
    }
}
