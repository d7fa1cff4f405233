//! "My customers": the customers in memory, newest first, searchable by
//! name, pinyin, phone or a contact (the rules are `yingpan_shared::search`).
//! A keystroke runs the query over keys kept per record and shows at most a
//! screenful of rows; more are a tap away.

use super::local_time;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::pool::{returns_soon, ReturnFacts};
use yingpan_shared::search::Query;
use yingpan_shared::user::Role;

/// Rows shown at once: a little more than two phone screens.
const PAGE_ROWS: usize = 30;

/// A customer row as listed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Row {
    id: Uuid,
    name: String,
    meta: String,
    /// The contact it was found by.
    via: Option<String>,
}

/// What the list shows: how many customers there are, the rows, and
/// whether the search found more than are shown.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    total: usize,
    rows: Vec<Row>,
    more: bool,
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    let limit = RwSignal::new(PAGE_ROWS);
    // A new search starts from one page again.
    Effect::new(move |_| {
        query.track();
        limit.set(PAGE_ROWS);
    });
    let shown = Memo::new(move |_| {
        let q = Query::parse(&query.get());
        let limit = limit.get();
        // Rows appear as the search keys of a start are made.
        app.unindexed.track();
        app.read(&[EntityKind::Customer, EntityKind::Contact], |m| {
            let found = m.search.find(&q, limit);
            let rows = found
                .hits
                .iter()
                .filter_map(|hit| {
                    let c = m.customers.get(&hit.customer)?;
                    let meta = super::dotted([
                        c.region.as_ref().map(|r| r.as_str()),
                        c.phone.as_ref().map(|p| p.as_str()),
                    ]);
                    Some(Row {
                        id: c.id,
                        name: c.name.as_str().to_owned(),
                        meta,
                        via: hit.via.map(str::to_owned),
                    })
                })
                .collect();
            Shown {
                total: m.search.len(),
                rows,
                more: found.more,
            }
        })
    });
    let role = move || app.session.with(|s| s.as_ref().map(|s| s.user.role));
    // Finance reads customers; adding them is for the sales side.
    let is_finance = move || role() == Some(Role::Finance);
    // A manager's device holds the whole team's customers.
    let title = move || match role() {
        Some(Role::Manager | Role::Admin) => Msg::TeamCustomers,
        _ => Msg::MyCustomers,
    };
    view! {
        <section class="page">
            <div class="toolbar">
                <input id="search" type="search" placeholder=i18n.label(Msg::SearchHint) bind:value=query />
                <Show when=move || !is_finance()>
                    <a id="new-customer" class="button primary" href="/new-customer">"+ "{i18n.label(Msg::NewCustomer)}</a>
                    <a id="import" class="button secondary" href="/import">{i18n.label(Msg::Import)}</a>
                </Show>
            </div>
            <h2 id="customers-title">{move || i18n.t(title())}</h2>
            <Show when=move || { app.unindexed.get() > 0 }>
                <p class="muted" id="preparing-search">
                    {i18n.label(Msg::PreparingSearch)}" "{move || app.unindexed.get()}
                </p>
            </Show>
            <Show
                when=move || shown.with(|s| !s.rows.is_empty())
                fallback=move || {
                    let msg = if shown.with(|s| s.total == 0) { Msg::NoCustomers } else { Msg::NoMatches };
                    view! { <p class="empty">{i18n.label(msg)}</p> }
                }
            >
                <ul class="list" id="customer-list">
                    <For each=move || shown.get().rows key=|row| row.clone() let:row>
                        <li>
                            <a class="customer-row" href=format!("/customers/{}", row.id)>
                                <span class="name">{row.name}</span>
                                <span class="meta">{row.meta}</span>
                                {row.via.map(|name| view! {
                                    <span class="meta via">{i18n.label(Msg::Contacts)}": "{name}</span>
                                })}
                            </a>
                        </li>
                    </For>
                </ul>
                <Show when=move || shown.with(|s| s.more)>
                    <button id="more-customers" class="button secondary" on:click=move |_| limit.update(|n| *n += PAGE_ROWS)>
                        {i18n.label(Msg::ShowMore)}
                    </button>
                </Show>
            </Show>
        </section>
    }
}

/// The owner's customers that the pool rules will take back within the
/// warning period, computed from the cache (works offline).
#[component]
pub fn ReturningSoon() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let soon = Memo::new(move |_| {
        let me = app.session.with(|s| s.as_ref().map(|s| s.user.id));
        let rules = app.pool_rules.get();
        let now = crate::device::now();
        app.read(&[EntityKind::Customer, EntityKind::Activity], |m| {
            let mut newest: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
            for a in m.activities.values() {
                let slot = newest.entry(a.customer_id).or_insert(a.at);
                *slot = (*slot).max(a.at);
            }
            let mut due: Vec<(Uuid, String, DateTime<Utc>)> = m
                .customers
                .values()
                .filter(|c| c.owner_id.is_some() && c.owner_id == me)
                .filter_map(|c| {
                    let facts = ReturnFacts::of(c, newest.get(&c.id).copied())?;
                    let at = returns_soon(&rules, &facts, now)?;
                    Some((c.id, c.name.as_str().to_owned(), at))
                })
                .collect();
            due.sort_by_key(|d| d.2);
            due
        })
    });
    view! {
        {move || Some(soon.get()).filter(|d| !d.is_empty()).map(|due| view! {
                <div class="card warning" id="returning-soon">
                    <h3>{i18n.label(Msg::ReturningSoon)}</h3>
                    <ul class="list">
                        {due.into_iter().map(|(id, name, at)| view! {
                            <li>
                                <a class="customer-row" href=format!("/customers/{id}")>
                                    <span class="name">{name}</span>
                                    <span class="meta">{i18n.label(Msg::ReturnsOn)}" "{local_time(&at.to_rfc3339())}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
    }
}
