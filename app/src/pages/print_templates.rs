//! The print part of the admin settings: the company's letterhead and the
//! quote, contract, delivery-note and receipt templates (HTML with
//! minijinja placeholders), each with a live preview of a sample document.
//! The server checks a template prints before keeping it.

use super::money::print::PrintFrame;
use crate::api;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::money::print::{render, Letterhead, PrintDoc, PrintTemplates};
use yingpan_shared::money::records::PrintKind;

const KINDS: [(PrintKind, Msg); 6] = [
    (PrintKind::Quote, Msg::Quote),
    (PrintKind::Contract, Msg::Contracts),
    (PrintKind::Delivery, Msg::Deliveries),
    (PrintKind::Receipt, Msg::Receipts),
    (PrintKind::Statement, Msg::Statement),
    (PrintKind::Dunning, Msg::Dunning),
];

#[component]
pub fn PrintTemplatesForm(templates: PrintTemplates) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let text = |s: &str| RwSignal::new(s.to_owned());
    let head = &templates.letterhead;
    let (name, address, phone, tax_id, bank) = (
        text(&head.name),
        text(&head.address),
        text(&head.phone),
        text(&head.tax_id),
        text(&head.bank),
    );
    let kind = RwSignal::new(PrintKind::Quote);
    let sources = KINDS.map(|(k, _)| RwSignal::new(templates.template(k).to_owned()));
    let source = move || sources[KINDS.iter().position(|(k, _)| *k == kind.get()).unwrap_or(0)];
    let gathered = move || {
        let letterhead = Letterhead {
            name: name.get(),
            address: address.get(),
            phone: phone.get(),
            tax_id: tax_id.get(),
            bank: bank.get(),
        };
        // The built-in template stays built in, so later improvements reach it.
        let own = |i: usize| {
            let text = sources[i].get();
            if text == PrintTemplates::built_in() {
                String::new()
            } else {
                text
            }
        };
        PrintTemplates {
            letterhead,
            quote: own(0),
            contract: own(1),
            delivery: own(2),
            receipt: own(3),
            statement: own(4),
            dunning: own(5),
        }
    };
    let preview = move || {
        let templates = gathered();
        let k = kind.get();
        render(templates.template(k), &PrintDoc::sample(k, &templates.letterhead)).unwrap_or_else(|e| {
            let mut shown = String::from("<p class=\"error\">");
            shown.push_str(&e.replace('&', "&amp;").replace('<', "&lt;"));
            shown.push_str("</p>");
            shown
        })
    };
    let message = RwSignal::new(None::<(bool, String)>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let templates = gathered();
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            match api::set_print_templates(&token, &templates).await {
                Ok(_) => {
                    message.set(Some((true, i18n.t(Msg::SavedOk).to_owned())));
                    app.request_sync();
                }
                Err(e) => message.set(Some((false, e.message().unwrap_or("network").to_owned()))),
            }
        });
    };
    view! {
        <form class="settings" id="print-templates" on:submit=save>
            <h3>{i18n.label(Msg::PrintTemplates)}</h3>
            <label>{i18n.label(Msg::CompanyName)}<input id="letterhead-name" bind:value=name /></label>
            <label>{i18n.label(Msg::Address)}<input id="letterhead-address" bind:value=address /></label>
            <label>{i18n.label(Msg::Phone)}<input id="letterhead-phone" bind:value=phone /></label>
            <label>{i18n.label(Msg::TaxId)}<input id="letterhead-tax-id" bind:value=tax_id /></label>
            <label>{i18n.label(Msg::BankAccount)}<input id="letterhead-bank" bind:value=bank /></label>
            <select id="template-kind" on:change=move |ev| {
                let chosen = event_target_value(&ev);
                if let Some(k) = PrintKind::parse(&chosen) {
                    kind.set(k);
                }
            }>
                {KINDS.iter().map(|(k, label)| view! { <option value=k.as_str()>{i18n.label(*label)}</option> }).collect_view()}
            </select>
            <textarea id="template-source" class="template-source" rows="12"
                prop:value=move || source().get() on:input=move |ev| source().set(event_target_value(&ev))></textarea>
            <PrintFrame html=Signal::derive(preview) id="template-preview" />
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } id="templates-message">{text}</p> })}
            <div class="actions">
                <button type="submit" class="primary" id="save-templates">{i18n.label(Msg::Save)}</button>
            </div>
        </form>
    }
}
