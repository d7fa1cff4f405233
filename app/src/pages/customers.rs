//! "My customers": the cached customers, searchable, newest first.

use super::field;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::search::{matches, CUSTOMER_FIELDS};

#[component]
pub fn CustomersPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    let customers = LocalResource::new(move || {
        app.version.track();
        async move {
            let mut all = app.db.get_value().all(EntityKind::Customer).await.unwrap_or_default();
            // Ids are UUIDv7: sorting them descending puts the newest first.
            all.sort_by_key(|c| std::cmp::Reverse(field(c, "id")));
            all
        }
    });
    let shown = move || {
        let q = query.get();
        customers.get().map(|all| {
            let total = all.len();
            let hits: Vec<_> = all.into_iter().filter(|c| matches(c, &CUSTOMER_FIELDS, &q)).collect();
            (total, hits)
        })
    };
    view! {
        <section class="page">
            <div class="toolbar">
                <input id="search" type="search" placeholder=move || i18n.t(Msg::SearchHint) bind:value=query />
                <a id="new-customer" class="button primary" href="/new-customer">"+ "{move || i18n.t(Msg::NewCustomer)}</a>
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
                            {hits.into_iter().map(|c| {
                                let href = format!("/customers/{}", field(&c, "id"));
                                let meta = [field(&c, "region"), field(&c, "phone")].into_iter()
                                    .filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                view! {
                                    <li>
                                        <a class="customer-row" href=href>
                                            <span class="name">{field(&c, "name")}</span>
                                            <span class="meta">{meta}</span>
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
