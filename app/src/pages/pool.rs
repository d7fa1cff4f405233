//! The customer pool (公海): every rep sees what is in it and claims from it,
//! offline too. A claim is queued like any change; the server decides who
//! was first, and a refused claim shows up with the reason.

use super::{field, local_time};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::search::matches;
use yingpan_shared::sync::Op;

const POOL_FIELDS: [&str; 3] = ["name", "industry", "region"];

#[component]
pub fn PoolPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    let pool = LocalResource::new(move || {
        app.version.track();
        async move {
            let db = app.db.get_value();
            let mut entries = db.all(EntityKind::PoolEntry).await.unwrap_or_default();
            entries.sort_by_key(|e| std::cmp::Reverse(field(e, "pooled_at")));
            let claimed: HashSet<String> = db
                .outbox()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| matches!(m.op, Op::Claim))
                .map(|m| m.id.to_string())
                .collect();
            (entries, claimed)
        }
    });
    let claim = move |id: String| {
        spawn_local(async move {
            let _ = app.record(EntityKind::Customer, &id, Op::Claim, None).await;
        });
    };
    view! {
        <section class="page">
            <div class="toolbar">
                <input id="pool-search" type="search" placeholder=move || i18n.t(Msg::PoolHint) bind:value=query />
            </div>
            <h2>{move || i18n.t(Msg::Pool)}</h2>
            <Transition fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || pool.get().map(|(entries, claimed)| {
                    let q = query.get();
                    let hits: Vec<_> = entries.into_iter().filter(|e| matches(e, &POOL_FIELDS, &q)).collect();
                    if hits.is_empty() {
                        return view! { <p class="empty">{move || i18n.t(Msg::PoolEmpty)}</p> }.into_any();
                    }
                    view! {
                        <ul class="list" id="pool-list">
                            {hits.into_iter().map(|e| {
                                let id = field(&e, "id");
                                let meta = [field(&e, "industry"), field(&e, "region")].into_iter()
                                    .filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                let last = field(&e, "last_activity_at");
                                let pending = claimed.contains(&id);
                                let reason = field(&e, "reason");
                                let button_id = format!("claim-{id}");
                                view! {
                                    <li class="pool-row">
                                        <div class="pool-info">
                                            <span class="name">{field(&e, "name")}</span>
                                            <span class="meta">{meta}</span>
                                            <span class="meta">
                                                {move || i18n.t(Msg::InPoolSince)}" "{local_time(&field(&e, "pooled_at"))}
                                                {(!last.is_empty()).then(|| view! {
                                                    " · "{move || i18n.t(Msg::LastActivity)}" "{local_time(&last)}
                                                })}
                                            </span>
                                            {(!reason.is_empty()).then(|| view! { <span class="meta reason">{reason.clone()}</span> })}
                                        </div>
                                        {if pending {
                                            view! { <span class="chip">{move || i18n.t(Msg::ClaimPending)}</span> }.into_any()
                                        } else {
                                            let id = id.clone();
                                            view! {
                                                <button id=button_id class="primary claim" on:click=move |_| claim(id.clone())>
                                                    {move || i18n.t(Msg::Claim)}
                                                </button>
                                            }.into_any()
                                        }}
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
