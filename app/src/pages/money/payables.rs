//! Payables (应付) on finance's page: what the company owes each supplier,
//! the payables' aging, and a supplier's book (purchases with their plan,
//! payments and what they settled), with forms to add a supplier, sign a
//! purchase, record goods received and record a payment. The server keeps
//! payables and decides every allocation: this needs a connection.

use super::words;
use super::{installment_status, method_label, yuan, METHODS};
use crate::i18n::{use_i18n, I18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::money::parse_yuan;
use yingpan_shared::money::payable::{
    Payment, PaymentBody, Purchase, ReceivedBody, Supplier, SupplierBody, SupplierBook, SupplierLine,
};
use yingpan_shared::money::receivable::{Method, Status};
use yingpan_shared::money::report::AgingReport;
use yingpan_shared::money::terms::presets;

/// A new record id (time-ordered, like the server's).
fn fresh_id() -> Uuid {
    crate::ids::new_id().parse().unwrap_or_default()
}

fn token(app: AppCtx) -> String {
    app.session
        .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
}

/// A failed call in words: the server's reason, or "needs a connection".
fn failure(i18n: I18n, e: &crate::api::ApiError) -> String {
    e.message()
        .map_or_else(|| i18n.t(Msg::NeedsConnection).to_owned(), str::to_owned)
}

#[component]
pub fn PayablesSection() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    // Bumped after every change, so the list and the aging read again.
    let changed = RwSignal::new(0u32);
    let opened = RwSignal::new(None::<Uuid>);
    let list = LocalResource::new(move || {
        changed.track();
        let token = token(app);
        async move {
            let today = crate::device::today();
            let suppliers = crate::api::payables::suppliers(&token).await;
            let aging = crate::api::payables::aging(&token, today).await;
            (suppliers, aging)
        }
    });
    view! {
        <section class="payables" id="payables">
            <h3>{i18n.say(words::Payables)}</h3>
            {move || list.get().map(|(suppliers, aging)| match (suppliers, aging) {
                (Ok(suppliers), Ok(aging)) => view! {
                    <PayablesAging report=aging />
                    <h3>{i18n.say(words::Suppliers)}</h3>
                    <ul class="list suppliers" id="suppliers">
                        {suppliers.into_iter().map(|line| view! { <SupplierRow line=line opened=opened /> }).collect_view()}
                    </ul>
                }.into_any(),
                (Err(e), _) | (_, Err(e)) => view! { <p class="empty">{failure(i18n, &e)}</p> }.into_any(),
            })}
            <AddSupplier changed=changed opened=opened />
            {move || opened.get().map(|id| view! { <SupplierPage id=id changed=changed /> })}
        </section>
    }
}

/// The payables' aging: the company's buckets and each supplier's total.
#[component]
fn PayablesAging(report: AgingReport) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let boundaries = report.boundaries.clone();
    let as_of = report.as_of;
    let message = RwSignal::new(None::<String>);
    let export = move |_| {
        let token = token(app);
        spawn_local(async move {
            match crate::api::payables::aging_xlsx(&token, as_of).await {
                Ok(bytes) => crate::device::download(
                    &bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("payables-aging-{as_of}.xlsx"),
                ),
                Err(e) => message.set(Some(failure(i18n, &e))),
            }
        });
    };
    view! {
        <div class="table-wrap"><table class="figures" id="payables-aging">
            <thead><tr>
                <th>{i18n.say(words::Aging)}</th>
                {(0..boundaries.buckets()).map(|i| view! {
                    <th>{match i {
                        0 => i18n.t(Msg::NotYetDue).to_owned(),
                        i => format!("{} {}", boundaries.range(i), i18n.tr(words::Days)),
                    }}</th>
                }).collect_view()}
                <th>{i18n.say(words::Total)}</th>
            </tr></thead>
            <tbody>
                {report.customers.iter().map(|line| view! {
                    <tr>
                        <th>{line.whose.name.clone()}</th>
                        {line.row.buckets.iter().map(|fen| view! { <td>{yuan(*fen)}</td> }).collect_view()}
                        <td>{yuan(line.row.total)}</td>
                    </tr>
                }).collect_view()}
                <tr class="total">
                    <th>{i18n.say(words::Total)}</th>
                    {report.company.buckets.iter().map(|fen| view! { <td>{yuan(*fen)}</td> }).collect_view()}
                    <td id="payables-total">{yuan(report.company.total)}</td>
                </tr>
            </tbody>
        </table></div>
        <button type="button" id="payables-xlsx" on:click=export>{i18n.say(words::ExportXlsx)}</button>
        {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
    }
}

#[component]
fn SupplierRow(line: SupplierLine, opened: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = line.supplier.id;
    let owed: i64 = line.owed.iter().map(|o| o.owed).sum();
    let overdue: i64 = line.owed.iter().map(|o| o.overdue).sum();
    view! {
        <li class="supplier-row">
            <button type="button" class="link name" on:click=move |_| opened.set(Some(id))>{line.supplier.name.clone()}</button>
            <span class="amount">{i18n.say(words::OwedToSupplier)}" "{yuan(owed)}</span>
            {(overdue > 0).then(|| view! { <span class="overdue">{i18n.label(Msg::PastDue)}" "{yuan(overdue)}</span> })}
        </li>
    }
}

#[component]
fn AddSupplier(changed: RwSignal<u32>, opened: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let name = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    // One id per form: a second tap or a retry records one supplier.
    let id = RwSignal::new(fresh_id());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = SupplierBody {
            supplier: Supplier {
                id: id.get_untracked(),
                name: name.get_untracked(),
                contact: contact.get_untracked(),
                phone: phone.get_untracked(),
                active: true,
                ..Supplier::default()
            },
            version: None,
        };
        let token = token(app);
        spawn_local(async move {
            match crate::api::payables::save_supplier(&token, &body).await {
                Ok(book) => {
                    id.set(fresh_id());
                    name.set(String::new());
                    contact.set(String::new());
                    phone.set(String::new());
                    message.set(None);
                    opened.set(Some(book.supplier.id));
                    changed.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(failure(i18n, &e))),
            }
        });
    };
    view! {
        <form class="add-supplier" id="add-supplier" on:submit=save>
            <h3>{i18n.say(words::AddSupplier)}</h3>
            <label>{i18n.say(words::SupplierName)}<input id="supplier-name" bind:value=name /></label>
            <label>{i18n.say(words::Contact)}<input id="supplier-contact" bind:value=contact /></label>
            <label>{i18n.say(words::Phone)}<input id="supplier-phone" type="tel" bind:value=phone /></label>
            <button type="submit">{i18n.say(words::AddSupplier)}</button>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </form>
    }
}

/// One supplier's book with its forms.
#[component]
fn SupplierPage(id: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let book = LocalResource::new(move || {
        changed.track();
        let token = token(app);
        async move { crate::api::payables::book(&token, id).await }
    });
    view! {
        <div class="supplier-book" id="supplier-book">
            {move || book.get().map(|b| match b {
                Ok(b) => view! { <BookView book=b changed=changed /> }.into_any(),
                Err(e) => view! { <p class="empty">{failure(i18n, &e)}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn BookView(book: SupplierBook, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let supplier = book.supplier.id;
    let owed = book.owed.first().cloned();
    let purchases = book.purchases.clone();
    view! {
        <h3 id="supplier-title">{book.supplier.name.clone()}</h3>
        {owed.map(|o| view! {
            <p class="balance" id="supplier-balance">
                {i18n.say(words::OwedToSupplier)}" "<b id="supplier-owed">{yuan(o.owed)}</b>
                " · "{i18n.label(Msg::PastDue)}" "{yuan(o.overdue)}
                " · "{i18n.say(words::Prepaid)}" "<span id="supplier-advance">{yuan(o.advance)}</span>
            </p>
        })}
        <h4>{i18n.say(words::Purchases)}</h4>
        <ul class="list purchases">
            {purchases.into_iter().map(|p| {
                let plan: Vec<_> = book.installments.iter().filter(|l| l.installment.contract_id == Some(p.id)).cloned().collect();
                view! {
                    <li class="purchase-row">
                        <span class="name">{p.number.clone()}" "{p.title.clone()}</span>
                        <span class="amount">{yuan(p.fen)}</span>
                        <span>{i18n.say(words::SignedOn)}" "{p.signed_on.to_string()}</span>
                        {match p.received_on {
                            Some(day) => view! { <span>{i18n.say(words::ReceivedGoodsOn)}" "{day.to_string()}</span> }.into_any(),
                            None => view! { <GoodsReceived supplier=supplier purchase=p.id changed=changed /> }.into_any(),
                        }}
                        <ul class="plan">
                            {plan.into_iter().map(|l| view! {
                                <li class="installment-row">
                                    <span>{l.installment.number}". "{l.installment.due.map(|d| d.to_string()).unwrap_or_else(|| i18n.tr(words::NoDueDateYet).to_owned())}</span>
                                    <span class="amount">{yuan(l.installment.fen)}</span>
                                    <span class="status">{match l.status {
                                        Status::PartlyReceived => i18n.tr(words::PartlyPaid),
                                        other => i18n.t(installment_status(other)),
                                    }}" · "{yuan(l.outstanding)}" "{i18n.say(words::StillOwed)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    </li>
                }
            }).collect_view()}
        </ul>
        <NewPurchase supplier=supplier changed=changed />
        <h4>{i18n.say(words::Payments)}</h4>
        <ul class="list payments" id="supplier-payments">
            {book.payments.iter().map(|p| view! {
                <li class="payment-row">
                    <span>{p.payment.date.to_string()}" "{i18n.label(method_label(p.payment.method))}" "{p.payment.reference.clone()}</span>
                    <span class="amount">{yuan(p.payment.fen)}</span>
                    {(p.unallocated > 0).then(|| view! { <span>{i18n.say(words::Unallocated)}" "{yuan(p.unallocated)}</span> })}
                </li>
            }).collect_view()}
        </ul>
        <RecordPayment supplier=supplier changed=changed />
    }
}

#[component]
fn GoodsReceived(supplier: Uuid, purchase: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let date = RwSignal::new(crate::device::today().to_string());
    let message = RwSignal::new(None::<String>);
    let save = move |_| {
        let Ok(date) = date.get_untracked().parse() else {
            return;
        };
        let token = token(app);
        spawn_local(async move {
            match crate::api::payables::received(&token, supplier, purchase, &ReceivedBody { date }).await {
                Ok(_) => changed.update(|n| *n += 1),
                Err(e) => message.set(Some(failure(i18n, &e))),
            }
        });
    };
    view! {
        <span class="goods-received">
            <input type="date" class="received-on" bind:value=date />
            <button type="button" class="goods-received-button" on:click=save>{i18n.say(words::GoodsReceived)}</button>
            {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
        </span>
    }
}

#[component]
fn NewPurchase(supplier: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let title = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let signed_on = RwSignal::new(crate::device::today().to_string());
    let chosen = RwSignal::new(0usize);
    let message = RwSignal::new(None::<String>);
    let names: Vec<(usize, &'static str)> = presets().iter().enumerate().map(|(i, (name, _))| (i, *name)).collect();
    // One id per form: a second tap or a retry signs one purchase.
    let id = RwSignal::new(fresh_id());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fen = match parse_yuan(&amount.get_untracked()) {
            Ok(fen) => fen,
            Err(e) => return message.set(Some(e)),
        };
        let Ok(signed_on) = signed_on.get_untracked().parse() else {
            return;
        };
        let body = Purchase {
            id: id.get_untracked(),
            supplier_id: supplier,
            number: number.get_untracked(),
            title: title.get_untracked(),
            currency: Default::default(),
            fen,
            signed_on,
            terms: presets()
                .get(chosen.get_untracked())
                .map(|(_, t)| t.clone())
                .unwrap_or_default(),
            received_on: None,
            notes: String::new(),
            by: None,
        };
        let token = token(app);
        spawn_local(async move {
            match crate::api::payables::sign(&token, supplier, &body).await {
                Ok(_) => {
                    id.set(fresh_id());
                    message.set(None);
                    title.set(String::new());
                    amount.set(String::new());
                    changed.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(failure(i18n, &e))),
            }
        });
    };
    view! {
        <form class="new-purchase" id="new-purchase" on:submit=save>
            <h4>{i18n.say(words::NewPurchase)}</h4>
            <label>{i18n.say(words::ContractTitle)}<input id="purchase-title" bind:value=title /></label>
            <label>"No."<input id="purchase-number" bind:value=number /></label>
            <label>{i18n.say(words::AmountYuan)}<input id="purchase-amount" inputmode="decimal" bind:value=amount /></label>
            <label>{i18n.say(words::SignedOn)}<input id="purchase-signed" type="date" bind:value=signed_on /></label>
            <label>{i18n.say(words::PaymentTerms)}
                <select id="purchase-terms" on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {names.into_iter().map(|(i, name)| view! { <option value=i.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" id="sign-purchase">{i18n.say(words::NewPurchase)}</button>
            {move || message.get().map(|m| view! { <p class="error" id="purchase-error">{m}</p> })}
        </form>
    }
}

#[component]
fn RecordPayment(supplier: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let amount = RwSignal::new(String::new());
    let date = RwSignal::new(crate::device::today().to_string());
    let method = RwSignal::new(Method::BankTransfer);
    let reference = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    // Made once per form: a second tap, or a retry after a lost answer,
    // sends the same payment, which the server records once.
    let id = RwSignal::new(fresh_id());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fen = match parse_yuan(&amount.get_untracked()) {
            Ok(fen) => fen,
            Err(e) => return message.set(Some(e)),
        };
        let Ok(date) = date.get_untracked().parse() else {
            return;
        };
        let body = PaymentBody {
            payment: Payment {
                id: id.get_untracked(),
                supplier_id: supplier,
                currency: Default::default(),
                fen,
                date,
                method: method.get_untracked(),
                reference: reference.get_untracked(),
                notes: String::new(),
                by: None,
            },
            allocations: None,
        };
        let token = token(app);
        spawn_local(async move {
            match crate::api::payables::pay(&token, supplier, &body).await {
                Ok(_) => {
                    message.set(None);
                    amount.set(String::new());
                    reference.set(String::new());
                    id.set(fresh_id());
                    changed.update(|n| *n += 1);
                }
                Err(e) => message.set(Some(failure(i18n, &e))),
            }
        });
    };
    view! {
        <form class="record-payment" id="record-payment" on:submit=save>
            <h4>{i18n.say(words::RecordPayment)}</h4>
            <label>{i18n.say(words::AmountYuan)}<input id="payment-amount" inputmode="decimal" bind:value=amount /></label>
            <label>{i18n.say(words::PaymentDate)}<input id="payment-date" type="date" bind:value=date /></label>
            <label>{i18n.say(words::Method)}
                <select id="payment-method" on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some((m, _, _)) = METHODS.iter().find(|(_, key, _)| *key == chosen) {
                        method.set(*m);
                    }
                }>
                    {METHODS.iter().map(|(_, key, label)| view! { <option value=*key>{i18n.label(*label)}</option> }).collect_view()}
                </select>
            </label>
            <label>{i18n.say(words::Reference)}<input id="payment-reference" bind:value=reference /></label>
            <button type="submit" id="save-payment">{i18n.say(words::RecordPayment)}</button>
            {move || message.get().map(|m| view! { <p class="error" id="payment-error">{m}</p> })}
        </form>
    }
}
