//! The pipeline (销售漏斗): opportunities as a board of stage columns that
//! scrolls sideways on a phone, and the leads not yet customers. Moving a
//! card is an ordinary edit, queued offline like any other.

use super::field;
use crate::components::{AddRecord, LEAD_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pipeline::{Funnel, Lead, LeadStatus, Money, Opportunity};

#[component]
pub fn PipelinePage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let board = Memo::new(move |_| {
        let funnel = app.work_rules.with(|r| r.funnel.clone());
        app.read(&[EntityKind::Opportunity, EntityKind::Customer], |m| {
            let deals: Vec<(Opportunity, String)> = m
                .opportunities
                .values()
                .rev()
                .map(|d| {
                    let customer = m.customers.get(&d.customer_id).map(|c| c.name.as_str().to_owned());
                    (d.clone(), customer.unwrap_or_default())
                })
                .collect();
            (funnel, deals)
        })
    });
    view! {
        <section class="page wide">
            <h2>{i18n.label(Msg::Pipeline)}</h2>
            {move || {
                let (funnel, deals) = board.get();
                if deals.is_empty() {
                    return view! { <p class="empty">{i18n.label(Msg::NoOpportunities)}</p> }.into_any();
                }
                // Deals in a stage the funnel no longer has get a column
                // of their own rather than vanishing.
                let mut stages = funnel.columns();
                for (d, _) in &deals {
                    let stage = d.stage.as_str();
                    if !stages.iter().any(|(key, _)| key == stage) {
                        stages.push((stage.to_owned(), stage.to_owned()));
                    }
                }
                let columns = stages.into_iter().map(|(key, name)| {
                    let cards: Vec<(Opportunity, String)> = deals.iter().filter(|(d, _)| d.stage.as_str() == key).cloned().collect();
                    let total: i64 = cards.iter().filter_map(|(d, _)| d.amount).map(Money::fen).sum();
                    let funnel = funnel.clone();
                    view! {
                        <div class="column" data-stage=key.clone()>
                            <h3>{name}<span class="count">{cards.len()}</span></h3>
                            <p class="meta">{move || super::money_short(i18n, Money::from_fen(total))}</p>
                            <ul class="cards">
                                {cards.into_iter().map(|(d, customer)| view! { <DealCard deal=d customer=customer funnel=funnel.clone() /> }).collect_view()}
                            </ul>
                        </div>
                    }
                }).collect_view();
                view! { <div class="board" id="board">{columns}</div> }.into_any()
            }}
            <Leads />
        </section>
    }
}

#[component]
fn DealCard(deal: Opportunity, customer: String, funnel: Funnel) -> impl IntoView {
    let i18n = use_i18n();
    let probability = deal.probability(&funnel);
    let amount = deal.amount;
    let close = deal.close_date;
    let fields = match serde_json::to_value(&deal) {
        Ok(Value::Object(fields)) => fields,
        _ => FieldMap::new(),
    };
    view! {
        <li class="card deal" id=format!("deal-{}", deal.id)>
            <a class="name" href=format!("/customers/{}", deal.customer_id)>{deal.name.as_str().to_owned()}</a>
            <span class="meta">{customer}</span>
            <span class="meta">
                {move || amount.map(|a| format!("{} · ", super::money_short(i18n, a)))}{format!("{probability}%")}
                {close.map(|c| format!(" · {c}"))}
            </span>
            <StageSelect deal=fields funnel=funnel />
        </li>
    }
}

/// Moves an opportunity to another stage: a select, because a finger on a
/// phone is better at that than at dragging.
#[component]
pub fn StageSelect(deal: FieldMap, funnel: Funnel) -> impl IntoView {
    let app = use_app();
    let stage = field(&deal, "stage");
    let id = field(&deal, "id");
    let deal = StoredValue::new(deal);
    let mut columns = funnel.columns();
    if !columns.iter().any(|(key, _)| *key == stage) {
        columns.push((stage.clone(), stage.clone()));
    }
    let move_to = move |ev: leptos::ev::Event| {
        let to = event_target_value(&ev);
        spawn_local(async move {
            let mut after = FieldMap::new();
            after.insert("stage".into(), Value::String(to));
            let _ = edits::update(app, EntityKind::Opportunity, &deal.get_value(), after).await;
        });
    };
    view! {
        <select class="stage" id=format!("stage-{id}") on:change=move_to prop:value=stage.clone()>
            {columns.into_iter().map(|(key, name)| view! { <option value=key.clone() selected=key == stage>{name}</option> }).collect_view()}
        </select>
    }
}

/// Open leads, a form for a new one, and conversion into a customer.
#[component]
fn Leads() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let leads = Memo::new(move |_| {
        app.read(&[EntityKind::Lead], |m| {
            m.leads
                .values()
                .rev()
                .filter(|l| l.status == LeadStatus::Open)
                .cloned()
                .collect::<Vec<Lead>>()
        })
    });
    // A new lead is worked by whoever adds it.
    let with = Callback::new(move |()| {
        let me = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.to_string()));
        let mut fields = FieldMap::new();
        fields.insert("owner_id".into(), me.map(Value::String).unwrap_or(Value::Null));
        fields
    });
    view! {
        <h2>{i18n.label(Msg::Leads)}</h2>
        <ul class="list leads">
            {move || leads.get().into_iter().map(|l| {
                let detail = super::dotted([
                    l.company.as_ref().map(|c| c.as_str()),
                    l.phone.as_ref().map(|p| p.as_str()),
                    l.source.as_ref().map(|s| s.as_str()),
                ]);
                view! {
                    <li class="lead-row">
                        <span class="name">{l.name.as_str().to_owned()}</span>
                        <span class="meta">{detail}</span>
                        <a class="button secondary convert" href=format!("/new-customer?lead={}", l.id)>{i18n.label(Msg::Convert)}</a>
                    </li>
                }
            }).collect_view()}
        </ul>
        <AddRecord kind=EntityKind::Lead fields=LEAD_FORM id_prefix="lead" label=Msg::NewLead with=with />
    }
}
