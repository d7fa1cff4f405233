//! The pipeline (销售漏斗): opportunities as a board of stage columns that
//! scrolls sideways on a phone, and the leads not yet customers. Moving a
//! card is an ordinary edit, queued offline like any other.

use super::field;
use crate::components::{RecordForm, LEAD_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::collections::HashMap;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pipeline::{Funnel, Money, Opportunity};

#[component]
pub fn PipelinePage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let board = LocalResource::new(move || {
        app.version.track();
        async move {
            let db = app.db.get_value();
            let funnel = db.work_rules().await.unwrap_or_default().funnel;
            let names = super::customer_names(&db).await;
            let deals = db.all(EntityKind::Opportunity).await.unwrap_or_default();
            (funnel, names, deals)
        }
    });
    view! {
        <section class="page wide">
            <h2>{move || i18n.t(Msg::Pipeline)}</h2>
            <Transition fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || board.get().map(|(funnel, names, deals)| {
                    if deals.is_empty() {
                        return view! { <p class="empty">{move || i18n.t(Msg::NoOpportunities)}</p> }.into_any();
                    }
                    // Deals in a stage the funnel no longer has get a column
                    // of their own rather than vanishing.
                    let mut stages = funnel.columns();
                    for d in &deals {
                        let stage = field(d, "stage");
                        if !stages.iter().any(|(key, _)| *key == stage) {
                            stages.push((stage.clone(), stage));
                        }
                    }
                    let columns = stages.into_iter().map(|(key, name)| {
                        let cards: Vec<FieldMap> = deals.iter().filter(|d| field(d, "stage") == key).cloned().collect();
                        let total: i64 = cards.iter().filter_map(|d| Money::parse(&field(d, "amount")).ok()).map(Money::fen).sum();
                        let funnel = funnel.clone();
                        let names = names.clone();
                        view! {
                            <div class="column" data-stage=key.clone()>
                                <h3>{name}<span class="count">{cards.len()}</span></h3>
                                <p class="meta">"¥"{Money::from_fen(total).to_string()}</p>
                                <ul class="cards">
                                    {cards.into_iter().map(|d| view! { <DealCard deal=d funnel=funnel.clone() names=names.clone() /> }).collect_view()}
                                </ul>
                            </div>
                        }
                    }).collect_view();
                    view! { <div class="board" id="board">{columns}</div> }.into_any()
                })}
            </Transition>
            <Leads />
        </section>
    }
}

#[component]
fn DealCard(deal: FieldMap, funnel: Funnel, names: HashMap<String, String>) -> impl IntoView {
    let customer_id = field(&deal, "customer_id");
    let customer = names.get(&customer_id).cloned().unwrap_or_default();
    let typed: Option<Opportunity> = serde_json::from_value(Value::Object(deal.clone())).ok();
    let probability = typed.as_ref().map(|o| o.probability(&funnel)).unwrap_or_default();
    let amount = field(&deal, "amount");
    let close = field(&deal, "close_date");
    let id = format!("deal-{}", field(&deal, "id"));
    view! {
        <li class="card deal" id=id>
            <a class="name" href=format!("/customers/{customer_id}")>{field(&deal, "name")}</a>
            <span class="meta">{customer}</span>
            <span class="meta">
                {(!amount.is_empty()).then(|| format!("¥{amount} · "))}{format!("{probability}%")}
                {(!close.is_empty()).then(|| format!(" · {close}"))}
            </span>
            <StageSelect deal=deal funnel=funnel />
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
    let adding = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let leads = LocalResource::new(move || {
        app.version.track();
        async move {
            let mut all = app.db.get_value().all(EntityKind::Lead).await.unwrap_or_default();
            all.retain(|l| matches!(field(l, "status").as_str(), "" | "open"));
            all.sort_by_key(|l| std::cmp::Reverse(field(l, "id")));
            all
        }
    });
    let on_save = Callback::new(move |mut fields: FieldMap| {
        let me = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.to_string()));
        fields.insert("owner_id".into(), me.map(Value::String).unwrap_or(Value::Null));
        spawn_local(async move {
            match edits::create(app, EntityKind::Lead, fields).await {
                Ok(_) => adding.set(false),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <h2>{move || i18n.t(Msg::Leads)}</h2>
        <Transition>
            {move || leads.get().map(|leads| view! {
                <ul class="list leads">
                    {leads.into_iter().map(|l| {
                        let detail = [field(&l, "company"), field(&l, "phone"), field(&l, "source")]
                            .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                        view! {
                            <li class="lead-row">
                                <span class="name">{field(&l, "name")}</span>
                                <span class="meta">{detail}</span>
                                <a class="button secondary convert" href=format!("/new-customer?lead={}", field(&l, "id"))>{move || i18n.t(Msg::Convert)}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </Transition>
        <Show
            when=move || adding.get()
            fallback=move || view! {
                <button id="add-lead" class="secondary" on:click=move |_| adding.set(true)>"+ "{move || i18n.t(Msg::NewLead)}</button>
            }
        >
            <RecordForm
                fields=LEAD_FORM
                initial=FieldMap::new()
                id_prefix="lead"
                on_save=on_save
                on_cancel=Callback::new(move |_| adding.set(false))
                error=error
            />
        </Show>
    }
}
