//! Sync and storage: what is waiting, what the server refused, how much the
//! device holds, and the conflict list where a replaced value can be
//! re-applied with one tap.

use crate::components::CUSTOMER_FORM;
use crate::dedup::DuplicateList;
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::storage;
use crate::sync::{use_app, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use yingpan_shared::conflict::Conflict;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::sync::Op;

#[component]
pub fn SyncPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let storage_info = LocalResource::new(move || {
        app.version.track();
        async move { (storage::estimate().await, storage::is_persisted().await) }
    });
    let conflicts = Memo::new(move |_| {
        app.read(&[EntityKind::Conflict, EntityKind::Customer], |m| {
            m.conflicts
                .values()
                .rev()
                .map(|c| {
                    let name = m.customers.get(&c.customer_id).map(|c| c.name.as_str().to_owned());
                    (c.clone(), name.unwrap_or_default())
                })
                .collect::<Vec<(Conflict, String)>>()
        })
    });
    let error = move || match app.status.get() {
        Status::Failed(message) => Some(message),
        _ => None,
    };
    view! {
        <section class="page">
            <h2>{i18n.label(Msg::SyncTitle)}</h2>
            <div class="card sync-card">
                <p>
                    {i18n.label(Msg::Unsynced)}": "<strong id="pending-count">{move || app.pending.get()}</strong>
                </p>
                {move || error().map(|e| view! { <p class="error">{i18n.label(Msg::LastError)}": "{e.clone()}</p> })}
                <Transition>
                    {move || storage_info.get().map(|(estimate, persisted)| view! {
                        <p>
                            {i18n.label(Msg::StorageUse)}": "
                            {estimate.map(|(used, quota)| format!("{} / {}", storage::human_bytes(used), storage::human_bytes(quota)))}
                        </p>
                        <p class="muted">{i18n.label(if persisted { Msg::Persisted } else { Msg::NotPersisted })}</p>
                    })}
                </Transition>
                <button class="primary" id="sync-now" on:click=move |_| app.request_sync()>{i18n.label(Msg::SyncNow)}</button>
            </div>
            <h3>{i18n.label(Msg::Conflicts)}</h3>
            <p class="muted">{i18n.label(Msg::ConflictHelp)}</p>
            {move || {
                let rows = conflicts.get();
                if rows.is_empty() {
                    return view! { <p class="empty">{i18n.label(Msg::NoConflicts)}</p> }.into_any();
                }
                view! {
                    <ul class="list" id="conflict-list">
                        {rows.into_iter().map(|(c, name)| view! { <ConflictRow conflict=c customer_name=name /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <DuplicateList />
        </section>
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One replaced value, with "use this value" and "dismiss".
#[component]
fn ConflictRow(conflict: Conflict, customer_name: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let me = app.session.with_untracked(|s| s.as_ref().map(|s| s.user.id));
    let mine = conflict.lost_by.is_some() && conflict.lost_by == me;
    let deleted = conflict.record_deleted;
    let field_name = conflict.field.clone();
    let label = CUSTOMER_FORM.iter().find(|f| f.name == field_name).map(|f| f.label);
    let lost = conflict.lost.clone();
    let kept = conflict.kept.clone();
    let id = conflict.id.to_string();
    let record_id = conflict.record_id.to_string();
    let entity = Some(conflict.entity);
    let dismiss = {
        let id = id.clone();
        move || {
            let id = id.clone();
            spawn_local(async move {
                let _ = app.record(EntityKind::Conflict, &id, Op::Delete, None).await;
            });
        }
    };
    let reapply = {
        let dismiss = dismiss.clone();
        let (field_name, lost) = (field_name.clone(), lost.clone());
        move |_| {
            let (field_name, lost, record_id) = (field_name.clone(), lost.clone(), record_id.clone());
            let dismiss = dismiss.clone();
            spawn_local(async move {
                let Some(kind) = entity else { return };
                let db = app.db.get_value();
                if let Ok(Some(before)) = db.get(kind, &record_id).await {
                    let mut after = FieldMap::new();
                    after.insert(field_name, lost);
                    if edits::update(app, kind, &before, after).await.is_ok() {
                        dismiss();
                    }
                }
            });
        }
    };
    let field_label = move || {
        label
            .map(|l| i18n.t(l).to_owned())
            .unwrap_or_else(|| field_name.clone())
    };
    view! {
        <li class="conflict-row">
            <div class="name">{customer_name}" · "{field_label}</div>
            <div class="meta">
                {i18n.label(if mine { Msg::YourValue } else { Msg::TheirValue })}": "
                <strong class="lost">{shown(&lost)}</strong>
            </div>
            <div class="meta">
                {move || if deleted { i18n.t(Msg::RecordDeleted).to_owned() } else { format!("{}: {}", i18n.t(Msg::NowValue), shown(&kept)) }}
            </div>
            <div class="actions">
                {(!deleted).then(|| view! {
                    <button class="primary reapply" on:click=reapply.clone()>{i18n.label(Msg::UseThisValue)}</button>
                })}
                <button class="secondary dismiss" on:click=move |_| dismiss()>{i18n.label(Msg::Dismiss)}</button>
            </div>
        </li>
    }
}
