//! Finance's corrections at a customer: a refund (退款) out of a receipt's
//! unallocated money, or a credit note (折让) off an installment, each
//! with its reason. The server checks both against the whole book again.

use super::words;
use super::{fields_of, yuan};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::book::Book;
use yingpan_shared::money::parse_yuan;
use yingpan_shared::money::receivable::{Credit, Credited};

/// What can be credited, as (value of the option, label, target, at most).
fn targets(book: &Book, i18n: crate::i18n::I18n) -> Vec<(String, String, Credited, i64)> {
    let ledger = book.ledger();
    let mut out = Vec::new();
    for r in book.confirmed() {
        let left = ledger.unallocated(r);
        if left > 0 {
            let label = format!(
                "{} · {} {} · ≤ {}",
                i18n.tr(words::Refund),
                r.date,
                yuan(r.fen),
                yuan(left)
            );
            out.push((format!("r{}", r.id), label, Credited::Receipt(r.id), left));
        }
    }
    for i in book.installments.iter().filter(|i| !i.written_off) {
        let owed = ledger.outstanding(i);
        if owed > 0 {
            let label = format!("{} · #{} · ≤ {}", i18n.tr(words::CreditNote), i.number, yuan(owed));
            out.push((format!("i{}", i.id), label, Credited::Installment(i.id), owed));
        }
    }
    out
}

#[component]
pub fn CreditForm(book: Book, customer: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let choices = targets(&book, i18n);
    let chosen = RwSignal::new(choices.first().map(|c| c.0.clone()).unwrap_or_default());
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let options = choices.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((_, _, against, _)) = options.iter().find(|c| c.0 == chosen.get_untracked()).cloned() else {
            return;
        };
        let fen = match parse_yuan(&amount.get_untracked()) {
            Ok(fen) if fen > 0 => fen,
            Ok(_) => return message.set(Some(i18n.tr(words::AmountAboveZero).to_owned())),
            Err(e) => return message.set(Some(e)),
        };
        let credit = Credit {
            id: Uuid::nil(),
            customer_id: customer,
            against,
            fen,
            date: crate::device::today(),
            reason: reason.get_untracked(),
            by: None,
        };
        spawn_local(async move {
            match edits::create(app, EntityKind::Credit, fields_of(&credit)).await {
                Ok(_) => {
                    amount.set(String::new());
                    reason.set(String::new());
                    message.set(None);
                }
                Err(e) => message.set(Some(e)),
            }
        });
    };
    (!choices.is_empty()).then(|| {
        view! {
            <form class="record-receipt credit-form" on:submit=save>
                <h4>{i18n.say(words::RefundOrCreditNote)}</h4>
                <select id="credit-target" on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {choices.into_iter().map(|(value, label, _, _)| view! { <option value=value>{label}</option> }).collect_view()}
                </select>
                <label>{i18n.say(words::AmountYuan)}<input id="credit-amount" inputmode="decimal" bind:value=amount /></label>
                <label>{i18n.say(words::CreditReason)}<input id="credit-reason" bind:value=reason /></label>
                <button type="submit" id="save-credit">{i18n.label(Msg::Save)}</button>
                {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
            </form>
        }
    })
}
