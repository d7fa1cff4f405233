//! A contract: its lines with what is left to deliver, its receivable plan
//! with each installment's status, its deliveries (each printable as a
//! delivery note), and recording a delivery from the undelivered lines.

use super::words;
use super::{book_of, contract_status, customer_name, fields_of, held, installment_status, track_money, yuan};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::book::Book;
use yingpan_shared::money::document::{totals, undelivered, Quantity};
use yingpan_shared::money::print::quantity_text;
use yingpan_shared::money::receivable::{Installment, Status};
use yingpan_shared::money::records::{Contract, ContractStatus, Delivery, DeliveryLine};
use yingpan_shared::user::Role;

#[component]
pub fn ContractPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let params = use_params_map();
    let data = LocalResource::new(move || {
        track_money(app);
        let id = params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
        async move {
            let contract = held::<Contract>(app, EntityKind::Contract, id?).await?;
            let book = book_of(app, &contract.customer_id.to_string()).await;
            Some((contract, book))
        }
    });
    view! {
        <Suspense fallback=move || view! { <p class="splash">{i18n.label(Msg::Loading)}</p> }>
            {move || data.get().map(|d| match d {
                None => view! { <p class="empty" id="not-found">{i18n.label(Msg::NotFound)}</p> }.into_any(),
                Some((contract, book)) => view! { <ContractView contract=contract book=book /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ContractView(contract: Contract, book: Book) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let today = crate::device::today();
    let figures = totals(&contract.lines).unwrap_or_default();
    let deliveries: Vec<Delivery> = book
        .deliveries
        .iter()
        .filter(|d| d.contract_id == contract.id)
        .cloned()
        .collect();
    let delivered: Vec<(Uuid, Quantity)> = deliveries.iter().flat_map(Delivery::quantities).collect();
    let left = undelivered(&contract.ordered(), &delivered);
    let ledger = book.ledger();
    let mut plan: Vec<_> = book
        .installments
        .iter()
        .filter(|i| i.contract_id == Some(contract.id))
        .map(|i| (i.clone(), ledger.status(i, today), ledger.outstanding(i)))
        .collect();
    plan.sort_by_key(|(i, _, _)| i.number);
    let open = contract.status == ContractStatus::Active && left.iter().any(|(_, q)| *q > 0);
    let finished = left.iter().all(|(_, q)| *q == 0)
        && plan
            .iter()
            .all(|(_, status, _)| matches!(status, Status::Settled | Status::WrittenOff));
    let customer = contract.customer_id;
    let finance = matches!(super::role(app), Some(Role::Finance | Role::Admin));
    view! {
        <section class="page contract-view">
            <a class="back" href=format!("/customers/{customer}")>"‹ "{move || customer_name(app, customer)}</a>
            <h2 id="contract-title">{contract.title.clone()}</h2>
            <p class="status" id="contract-status">{i18n.label(contract_status(contract.status))}
                {contract.signed_on.map(|d| format!(" · {d}"))}</p>
            <ol class="lines">
                {contract.lines.iter().zip(figures.lines.iter()).enumerate().map(|(n, (l, amount))| {
                    let rest = left.iter().find(|(id, _)| Some(*id) == l.id).map_or(0, |(_, q)| *q);
                    let planning = (!finance && rest > 0 && !matches!(contract.status, ContractStatus::Completed | ContractStatus::Cancelled)).then(|| view! {
                        <PlannedDelivery contract=contract.clone() line=n />
                    });
                    view! {
                        <li><span class="name">{l.description.clone()}</span>
                            <span>{quantity_text(l.quantity)}" × "{yuan(l.unit_fen)}</span>
                            <span class="amount">{yuan(*amount)}</span>
                            <span class="left">{i18n.say(words::LeftToDeliver)}" "{quantity_text(Quantity(rest))}</span>
                            {planning}</li>
                    }
                }).collect_view()}
            </ol>
            <p class="total">{i18n.say(words::Total)}" "<b id="contract-total">{yuan(figures.amount)}</b></p>
            <a class="button" id="print-contract" href=format!("/print/contract/{}", contract.id)>{i18n.say(words::Print)}</a>
            <ContractActions contract=contract.clone() finished=finished />
            <h3>{i18n.say(words::PaymentPlan)}</h3>
            <ul class="list installments">
                {plan.into_iter().map(|(i, status, owed)| view! { <InstallmentRow installment=i status=status owed=owed finance=finance /> }).collect_view()}
            </ul>
            <h3>{i18n.label(Msg::Deliveries)}</h3>
            <ul class="list deliveries">
                {deliveries.into_iter().map(|d| view! {
                    <li class="delivery-row">
                        <span class="name">{d.date.to_string()}" "{d.warehouse.clone()}</span>
                        <a href=format!("/print/delivery/{}", d.id)>{i18n.say(words::PrintDeliveryNote)}</a>
                    </li>
                }).collect_view()}
            </ul>
            {open.then(|| view! { <RecordDelivery contract=contract.clone() left=left.clone() /> })}
        </section>
    }
}

/// What can happen to a contract next, for whoever may do it: a rep signs
/// (or, where the company approves contracts, submits); a manager or
/// finance signs a submitted one and cancels; anyone completes one
/// delivered and paid. The server decides again.
#[component]
fn ContractActions(contract: Contract, finished: bool) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let message = RwSignal::new(None::<String>);
    let senior = matches!(super::role(app), Some(Role::Manager | Role::Finance | Role::Admin));
    let approval = app.work_rules.with_untracked(|r| r.contracts_need_approval);
    let before = contract.clone();
    let to = move |status: ContractStatus| {
        let before = before.clone();
        move |_| {
            let mut after = before.clone();
            after.status = status;
            if status == ContractStatus::Active && after.signed_on.is_none() {
                after.signed_on = Some(crate::device::today());
            }
            super::save_edit(app, EntityKind::Contract, &before, &after, message);
        }
    };
    use ContractStatus::*;
    let status = contract.status;
    let may_sign = matches!(status, Draft | Submitted) && (senior || !approval);
    view! {
        <div class="actions">
            {(status == Draft && approval && !senior).then(|| view! {
                <button type="button" id="contract-submit" on:click=to(Submitted)>{i18n.say(words::SubmitForApproval)}</button>
            })}
            {may_sign.then(|| view! {
                <button type="button" class="primary" id="contract-sign" on:click=to(Active)>{i18n.say(words::SignContract)}</button>
            })}
            {(status == Active && finished).then(|| view! {
                <button type="button" id="contract-complete" on:click=to(Completed)>{i18n.say(words::MarkCompleted)}</button>
            })}
            {(matches!(status, Draft | Submitted) || (status == Active && senior)).then(|| view! {
                <button type="button" id="contract-cancel" on:click=to(Cancelled)>{i18n.say(words::CancelContract)}</button>
            })}
        </div>
        {move || message.get().map(|m| view! { <p class="error" id="contract-error">{m}</p> })}
    }
}

/// One installment of the plan. Finance dates one whose basis is not
/// something the app records (acceptance, the invoice), and writes off one
/// that will not be paid.
#[component]
fn InstallmentRow(installment: Installment, status: Status, owed: i64, finance: bool) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let due = RwSignal::new(installment.due.map(|d| d.to_string()).unwrap_or_default());
    let message = RwSignal::new(None::<String>);
    let before = installment.clone();
    let change = move |f: fn(&mut Installment, Option<NaiveDate>)| {
        let before = before.clone();
        move |_| {
            let mut after = before.clone();
            f(&mut after, due.get_untracked().parse().ok());
            super::save_edit(app, EntityKind::Installment, &before, &after, message);
        }
    };
    let open = !matches!(status, Status::Settled | Status::WrittenOff);
    view! {
        <li class="installment-row" data-status=format!("{status:?}")>
            <span class="name">{format!("#{} ", installment.number)}{installment.due.map(|d| d.to_string()).unwrap_or_else(|| i18n.tr(words::NoDueDateYet).to_owned())}</span>
            <span class="status">{i18n.label(installment_status(status))}</span>
            <span class="amount">{yuan(owed)}" / "{yuan(installment.fen)}</span>
            {installment.expected.map(|d| view! { <span class="meta expected">{i18n.say(words::ExpectedOn)}" "{d.to_string()}</span> })}
            {(finance && open).then(|| view! {
                <span class="finance-actions">
                    <input type="date" class="installment-due" bind:value=due />
                    <button type="button" class="set-due" on:click=change(|i, d| i.due = d)>{i18n.say(words::SetDueDate)}</button>
                    <button type="button" class="set-expected" on:click=change(|i, d| i.expected = d)>{i18n.say(words::SetExpected)}</button>
                    <button type="button" class="write-off" on:click=change(|i, _| i.written_off = true)>{i18n.say(words::WriteOff)}</button>
                </span>
            })}
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </li>
    }
}

/// When a line is planned to be delivered: the forecast projects what
/// waits for delivery from it. It may move after signing.
#[component]
fn PlannedDelivery(contract: Contract, line: usize) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let planned = contract.lines[line].planned_delivery;
    let date = RwSignal::new(planned.map(|d| d.to_string()).unwrap_or_default());
    let message = RwSignal::new(None::<String>);
    let save = move |_| {
        let mut after = contract.clone();
        after.lines[line].planned_delivery = date.get_untracked().parse().ok();
        super::save_edit(app, EntityKind::Contract, &contract, &after, message);
    };
    view! {
        <span class="planned-delivery">
            <label>{i18n.say(words::PlannedDelivery)}<input type="date" class="line-planned" bind:value=date /></label>
            <button type="button" class="set-planned" on:click=save>{i18n.label(Msg::Save)}</button>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </span>
    }
}

/// A delivery made from the contract's undelivered lines: each starts at
/// what is left, never retyped.
#[component]
fn RecordDelivery(contract: Contract, left: Vec<(Uuid, i64)>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let quantities: Vec<(Uuid, String, RwSignal<String>)> = left
        .iter()
        .filter(|(_, q)| *q > 0)
        .map(|(id, q)| {
            let name = contract
                .lines
                .iter()
                .find(|l| l.id == Some(*id))
                .map(|l| l.description.clone())
                .unwrap_or_default();
            (*id, name, RwSignal::new(quantity_text(Quantity(*q))))
        })
        .collect();
    let warehouse = RwSignal::new(String::new());
    let date = RwSignal::new(crate::device::today().to_string());
    let message = RwSignal::new(None::<String>);
    let inputs = quantities.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut lines = Vec::new();
        for (id, _, typed) in &inputs {
            let text = typed.get_untracked();
            if text.trim().is_empty() || text.trim() == "0" {
                continue;
            }
            match Quantity::parse(&text) {
                Ok(quantity) => lines.push(DeliveryLine { line_id: *id, quantity }),
                Err(e) => return message.set(Some(e)),
            }
        }
        let delivery = Delivery {
            id: Uuid::nil(),
            customer_id: contract.customer_id,
            contract_id: contract.id,
            date: date.get_untracked().parse().unwrap_or_else(|_| crate::device::today()),
            warehouse: warehouse.get_untracked(),
            lines,
            notes: String::new(),
            by: None,
        };
        spawn_local(async move {
            match edits::create(app, EntityKind::Delivery, fields_of(&delivery)).await {
                Ok(_) => message.set(Some(i18n.tr(words::DeliveryRecorded).to_owned())),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    view! {
        <form class="record-delivery" on:submit=save>
            <h3>{i18n.say(words::RecordDelivery)}</h3>
            {quantities.into_iter().map(|(_, name, typed)| view! {
                <label>{name}<input class="delivery-quantity" inputmode="decimal" bind:value=typed /></label>
            }).collect_view()}
            <label>{i18n.say(words::DeliveredOn)}<input id="delivery-date" type="date" bind:value=date /></label>
            <label>{i18n.say(words::Warehouse)}<input id="delivery-warehouse" bind:value=warehouse /></label>
            <button type="submit" id="save-delivery">{i18n.label(Msg::Save)}</button>
            {move || message.get().map(|m| view! { <p class="message">{m}</p> })}
        </form>
    }
}
