//! A customer's money on its page, offline from the cache: a one-line
//! balance (owed, overdue, received, advance), its quotes, contracts,
//! receivables and receipts, and recording a receipt (a rep's waits for
//! finance to confirm it).

use super::words;
use super::{
    book_of, contract_status, installment_status, method_label, quote_status, role, track_money, yuan, METHODS,
};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::book::Book;
use yingpan_shared::money::document::{quote_status as quote_status_on, totals};
use yingpan_shared::money::receivable::{Method, Receipt};
use yingpan_shared::money::{parse_yuan, Currency};
use yingpan_shared::user::Role;

#[component]
pub fn CustomerMoney(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let id = customer_id.clone();
    let book = LocalResource::new(move || {
        track_money(app);
        let id = id.clone();
        async move { book_of(app, &id).await }
    });
    let today = crate::device::today();
    let new_quote = format!("/customers/{customer_id}/quote");
    // Kept here, so a sync redrawing the lists keeps what was typed.
    let find = RwSignal::new(String::new());
    view! {
        <section class="money" id="money">
            <h3>{i18n.say(words::Money)}</h3>
            {move || book.get().map(|book| view! { <MoneyView book=book today=today find=find /> })}
            <a class="button" id="new-quote" href=new_quote>{i18n.say(words::NewQuote)}</a>
            <RecordReceipt customer_id=customer_id.clone() />
        </section>
    }
}

/// Whether a quote mentions `words` (its number, a line, its terms or
/// notes), ignoring case.
fn mentions(quote: &yingpan_shared::money::records::Quote, words: &str) -> bool {
    let words = words.trim().to_lowercase();
    words.is_empty()
        || std::iter::once(&quote.number)
            .chain(quote.lines.iter().map(|l| &l.description))
            .chain([&quote.terms, &quote.notes])
            .any(|text| text.to_lowercase().contains(&words))
}

#[component]
fn MoneyView(book: Book, today: chrono::NaiveDate, find: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let finance = matches!(role(app), Some(Role::Finance | Role::Admin));
    let ledger = book.ledger();
    let customer = book
        .installments
        .first()
        .map(|i| i.customer_id)
        .or_else(|| book.receipts.first().map(|r| r.customer_id));
    let balance = customer
        .map(|c| ledger.balance(c, Currency::CNY, today))
        .unwrap_or_default();
    let mut quotes = book.quotes.clone();
    quotes.sort_by_key(|q| std::cmp::Reverse((q.date, q.version)));
    let mut contracts = book.contracts.clone();
    contracts.sort_by_key(|c| std::cmp::Reverse(c.id));
    let mut installments = book.installments.clone();
    installments.sort_by_key(|i| (i.due.is_none(), i.due, i.number));
    let rows: Vec<_> = installments
        .iter()
        .map(|i| (i.clone(), ledger.status(i, today), ledger.outstanding(i)))
        .collect();
    let mut receipts = book.receipts.clone();
    receipts.sort_by_key(|r| std::cmp::Reverse(r.date));
    let credits = book.credits.clone();
    let dunning =
        customer.map(|c| view! { <super::dunning::CustomerDunning book=book.clone() customer=c today=today /> });
    let statement = customer.map(|c| {
        view! {
            <a class="button" id="print-statement" href=format!("/print/statement/{c}")>{i18n.label(Msg::Statement)}</a>
        }
    });
    let corrections = (finance && customer.is_some()).then(|| {
        view! { <super::credit::CreditForm book=book.clone() customer=customer.unwrap_or_default() /> }
    });
    view! {
        <p class="balance" id="balance">
            <span>{i18n.say(words::Owed)}" "<b class="owed">{yuan(balance.owed)}</b></span>
            <span class:alert=move || balance.overdue.gt(&0)>{i18n.label(Msg::PastDue)}" "<b class="overdue">{yuan(balance.overdue)}</b></span>
            <span>{i18n.say(words::Received)}" "<b class="received">{yuan(balance.received)}</b></span>
            <span>{i18n.say(words::Advance)}" "<b class="advance">{yuan(balance.advance)}</b></span>
        </p>
        <h4>{i18n.say(words::Quotes)}</h4>
        {(quotes.len() > 3).then(|| view! {
            <input id="find-quote" type="search" placeholder=move || i18n.tr(words::FindInQuotes) bind:value=find />
        })}
        <ul class="list quotes">
            {move || quotes.iter().filter(|q| find.with(|f| mentions(q, f))).map(|q| {
                let total = totals(&q.lines).map(|t| t.amount).unwrap_or_default();
                let status = quote_status_on(q.status, q.valid_until, today);
                view! {
                    <li class="quote-row">
                        <a href=format!("/quotes/{}", q.id)>
                            <span class="name">{format!("{} V{}", q.date, q.version)}</span>
                            <span class="status">{i18n.label(quote_status(status))}</span>
                            <span class="amount">{yuan(total)}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
        <h4>{i18n.label(Msg::Contracts)}</h4>
        <ul class="list contracts">
            {contracts.into_iter().map(|c| {
                let total = totals(&c.lines).map(|t| t.amount).unwrap_or_default();
                view! {
                    <li class="contract-row">
                        <a href=format!("/contracts/{}", c.id)>
                            <span class="name">{c.title.clone()}</span>
                            <span class="status">{i18n.label(contract_status(c.status))}</span>
                            <span class="amount">{yuan(total)}</span>
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
        <h4>{i18n.say(words::Receivables)}</h4>
        <ul class="list installments">
            {rows.into_iter().map(|(i, status, left)| view! {
                <li class="installment-row" data-status=format!("{status:?}")>
                    <span class="name">{format!("#{} ", i.number)}{i.due.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</span>
                    <span class="status">{i18n.label(installment_status(status))}</span>
                    <span class="amount">{yuan(left)}" / "{yuan(i.fen)}</span>
                </li>
            }).collect_view()}
        </ul>
        <h4>{i18n.label(Msg::Receipts)}</h4>
        <ul class="list receipts">
            {receipts.into_iter().map(|r| view! { <ReceiptRow receipt=r finance=finance /> }).collect_view()}
            {credits.into_iter().map(|c| view! {
                <li class="credit-row">
                    <span class="name">{c.date.to_string()}" "{c.reason.clone()}</span>
                    <span class="amount">"−"{yuan(c.fen)}</span>
                </li>
            }).collect_view()}
        </ul>
        {statement}
        {dunning}
        {corrections}
    }
}

/// One receipt; finance confirms one a rep recorded.
#[component]
fn ReceiptRow(receipt: Receipt, finance: bool) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let message = RwSignal::new(None::<String>);
    let waiting = !receipt.confirmed;
    let held = receipt.clone();
    let confirm = move |_| super::confirm_receipt(app, &held, message);
    view! {
        <li class="receipt-row" class:waiting=waiting>
            <span class="name">{receipt.date.to_string()}" "{move || i18n.t(method_label(receipt.method))}" "{receipt.payer.clone()}</span>
            <span class="amount">{yuan(receipt.fen)}</span>
            {waiting.then(|| view! { <span class="status">{i18n.say(words::ToBeConfirmed)}</span> })}
            {(waiting && finance).then(|| view! { <button class="confirm-receipt" on:click=confirm.clone()>{i18n.say(words::Confirm)}</button> })}
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </li>
    }
}

/// Records money received: by finance, confirmed; by a rep at the
/// customer's office, waiting for finance.
#[component]
fn RecordReceipt(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let amount = RwSignal::new(String::new());
    let payer = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let date = RwSignal::new(crate::device::today().to_string());
    let method = RwSignal::new("bank_transfer".to_owned());
    let message = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fen = match parse_yuan(&amount.get_untracked()) {
            Ok(fen) if fen > 0 => fen,
            Ok(_) => return message.set(Some(i18n.tr(words::AmountAboveZero).to_owned())),
            Err(e) => return message.set(Some(e)),
        };
        let chosen = method.get_untracked();
        let receipt = Receipt {
            id: Uuid::nil(),
            customer_id: customer_id.parse().unwrap_or_default(),
            currency: Currency::CNY,
            fen,
            date: date.get_untracked().parse().unwrap_or_else(|_| crate::device::today()),
            method: METHODS
                .iter()
                .find(|(_, code, _)| *code == chosen)
                .map_or(Method::BankTransfer, |(m, _, _)| *m),
            payer: payer.get_untracked(),
            reference: reference.get_untracked(),
            confirmed: matches!(role(app), Some(Role::Finance | Role::Admin)),
            by: None,
        };
        let fields = super::fields_of(&receipt);
        spawn_local(async move {
            match edits::create(app, EntityKind::Receipt, fields).await {
                Ok(_) => {
                    amount.set(String::new());
                    payer.set(String::new());
                    reference.set(String::new());
                    message.set(Some(i18n.tr(words::ReceiptRecorded).to_owned()));
                }
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <form class="record-receipt" on:submit=save>
            <h4>{i18n.say(words::RecordReceipt)}</h4>
            <label>{i18n.say(words::AmountYuan)}
                <input id="receipt-amount" inputmode="decimal" bind:value=amount />
            </label>
            <label>{i18n.say(words::Payer)}
                <input id="receipt-payer" bind:value=payer />
            </label>
            <label>{i18n.say(words::ReceivedOn)}
                <input id="receipt-date" type="date" bind:value=date />
            </label>
            <label>{i18n.say(words::Reference)}
                <input id="receipt-reference" bind:value=reference />
            </label>
            <label>{i18n.say(words::Method)}
                <select id="receipt-method" on:change=move |ev| method.set(event_target_value(&ev))>
                    {METHODS.iter().map(|(_, code, label)| view! { <option value=*code>{i18n.label(*label)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" id="save-receipt">{i18n.label(Msg::Save)}</button>
            {move || message.get().map(|m| view! { <p class="message" id="receipt-message">{m}</p> })}
        </form>
    }
}
