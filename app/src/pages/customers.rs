//! "My customers": the cached customers, newest first, searchable by name,
//! pinyin, phone or a contact (see `crate::search`).

use super::{field, local_time};
use crate::i18n::{use_i18n, Msg};
use crate::search::CachedCustomers;
use crate::sync::use_app;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::collections::HashMap;
use std::rc::Rc;
use yingpan_shared::customer::Customer;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::pool::{returns_soon, ReturnFacts};
use yingpan_shared::search::Query;

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    // Indexed when the cache changes; a keystroke only runs the query.
    let customers = LocalResource::new(move || {
        app.version.track();
        async move { Rc::new(CachedCustomers::load(&app.db.get_value()).await) }
    });
    let shown = move || {
        let q = Query::parse(&query.get());
        customers.get().map(|cached| {
            let hits: Vec<_> = cached
                .search
                .find(&q)
                .into_iter()
                .map(|hit| (cached.customers[hit.customer].clone(), hit.via.map(str::to_owned)))
                .collect();
            (cached.customers.len(), hits)
        })
    };
    // Finance reads customers; adding them is for the sales side.
    let is_finance = move || {
        app.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.user.role == yingpan_shared::user::Role::Finance)
        })
    };
    view! {
        <section class="page">
            <div class="toolbar">
                <input id="search" type="search" placeholder=move || i18n.t(Msg::SearchHint) bind:value=query />
                <Show when=move || !is_finance()>
                    <a id="new-customer" class="button primary" href="/new-customer">"+ "{move || i18n.t(Msg::NewCustomer)}</a>
                    <a id="import" class="button secondary" href="/import">{move || i18n.t(Msg::Import)}</a>
                </Show>
            </div>
            <h2>{move || i18n.t(Msg::MyCustomers)}</h2>
            <Transition fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || shown().map(|(total, hits)| {
                    if hits.is_empty() {
                        let msg = if total == 0 { Msg::NoCustomers } else { Msg::NoMatches };
                        return view! { <p class="empty">{move || i18n.t(msg)}</p> }.into_any();
                    }
                    view! {
                        <ul class="list" id="customer-list">
                            {hits.into_iter().map(|(c, via)| {
                                let href = format!("/customers/{}", field(&c, "id"));
                                let meta = [field(&c, "region"), field(&c, "phone")].into_iter()
                                    .filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                view! {
                                    <li>
                                        <a class="customer-row" href=href>
                                            <span class="name">{field(&c, "name")}</span>
                                            <span class="meta">{meta}</span>
                                            {via.map(|name| view! {
                                                <span class="meta via">{move || i18n.t(Msg::Contacts)}": "{name}</span>
                                            })}
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// The owner's customers that the pool rules will take back within the
/// warning period, computed from the cache (works offline).
#[component]
pub fn ReturningSoon() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let soon = LocalResource::new(move || {
        app.version.track();
        async move {
            let db = app.db.get_value();
            let rules = db.pool_rules().await.unwrap_or_default();
            let mut newest: HashMap<String, DateTime<Utc>> = HashMap::new();
            for a in db.all(EntityKind::Activity).await.unwrap_or_default() {
                if let Ok(at) = field(&a, "at").parse::<DateTime<Utc>>() {
                    let slot = newest.entry(field(&a, "customer_id")).or_insert(at);
                    *slot = (*slot).max(at);
                }
            }
            let now = crate::device::now();
            let me = app.session.with_untracked(|s| s.as_ref().map(|s| s.user.id));
            let mut due: Vec<(String, String, DateTime<Utc>)> = db
                .all(EntityKind::Customer)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| {
                    let customer: Customer = serde_json::from_value(serde_json::Value::Object(c)).ok()?;
                    if customer.owner_id != me {
                        return None;
                    }
                    let facts = ReturnFacts::of(&customer, newest.get(&customer.id.to_string()).copied())?;
                    let at = returns_soon(&rules, &facts, now)?;
                    Some((customer.id.to_string(), customer.name.as_str().to_owned(), at))
                })
                .collect();
            due.sort_by_key(|d| d.2);
            due
        }
    });
    view! {
        <Transition>
            {move || soon.get().filter(|d| !d.is_empty()).map(|due| view! {
                <div class="card warning" id="returning-soon">
                    <h3>{move || i18n.t(Msg::ReturningSoon)}</h3>
                    <ul class="list">
                        {due.into_iter().map(|(id, name, at)| view! {
                            <li>
                                <a class="customer-row" href=format!("/customers/{id}")>
                                    <span class="name">{name}</span>
                                    <span class="meta">{move || i18n.t(Msg::ReturnsOn)}" "{local_time(&at.to_rfc3339())}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </Transition>
    }
}
