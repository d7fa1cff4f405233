//! The customer pool (公海): every rep sees what is in it and claims from it,
//! offline too. A claim is queued like any change; the server decides who
//! was first, and a refused claim shows up with the reason.

use super::local_time;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashSet;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::pool::PoolEntry;
use yingpan_shared::search::matches_text;
use yingpan_shared::sync::Op;

#[component]
pub fn PoolPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    let entries = Memo::new(move |_| {
        app.read(&[EntityKind::PoolEntry], |m| {
            let mut entries: Vec<PoolEntry> = m.pool.values().cloned().collect();
            entries.sort_by_key(|e| std::cmp::Reverse(e.pooled_at));
            entries
        })
    });
    // Claims queued on this device and not yet answered.
    let claimed = LocalResource::new(move || {
        app.version.track();
        async move {
            app.db
                .get_value()
                .outbox()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|m| matches!(m.op, Op::Claim))
                .map(|m| m.id)
                .collect::<HashSet<Uuid>>()
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
                <input id="pool-search" type="search" placeholder=i18n.label(Msg::PoolHint) bind:value=query />
            </div>
            <h2>{i18n.label(Msg::Pool)}</h2>
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || claimed.get().map(|claimed| {
                    let q = query.get();
                    let hits: Vec<PoolEntry> = entries.with(|all| {
                        all.iter()
                            .filter(|e| {
                                let texts = [Some(e.name.as_str()), e.industry.as_deref(), e.region.as_deref()];
                                matches_text(&texts.into_iter().flatten().collect::<Vec<_>>(), &q)
                            })
                            .cloned()
                            .collect()
                    });
                    if hits.is_empty() {
                        return view! { <p class="empty">{i18n.label(Msg::PoolEmpty)}</p> }.into_any();
                    }
                    view! {
                        <ul class="list" id="pool-list">
                            {hits.into_iter().map(|e| {
                                let id = e.id.to_string();
                                let meta = super::dotted([e.industry.as_deref(), e.region.as_deref()]);
                                let last = e.last_activity_at;
                                let pending = claimed.contains(&e.id);
                                let reason = e.reason.clone().unwrap_or_default();
                                let pooled_at = e.pooled_at.to_rfc3339();
                                let button_id = format!("claim-{id}");
                                view! {
                                    <li class="pool-row">
                                        <div class="pool-info">
                                            <span class="name">{e.name.clone()}</span>
                                            <span class="meta">{meta}</span>
                                            <span class="meta">
                                                {i18n.label(Msg::InPoolSince)}" "{local_time(&pooled_at)}
                                                {last.map(|last| view! {
                                                    " · "{i18n.label(Msg::LastActivity)}" "{local_time(&last.to_rfc3339())}
                                                })}
                                            </span>
                                            {(!reason.is_empty()).then(|| view! { <span class="meta reason">{reason.clone()}</span> })}
                                        </div>
                                        {if pending {
                                            view! { <span class="chip">{i18n.label(Msg::ClaimPending)}</span> }.into_any()
                                        } else {
                                            let id = id.clone();
                                            view! {
                                                <button id=button_id class="primary claim" on:click=move |_| claim(id.clone())>
                                                    {i18n.label(Msg::Claim)}
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
