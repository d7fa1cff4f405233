//! Logging a call, email, message or note against a customer, and showing a
//! visit's check-in details and photo in the timeline.

use super::checkin::Flags;
use crate::api;
use crate::device::jpeg_url;
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use yingpan_shared::activity::Activity;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::visit::{format_distance, format_duration};

/// The kinds a person logs by hand (visits come from check-in).
const KINDS: [(&str, Msg); 4] = [
    ("call", Msg::KindCall),
    ("im", Msg::KindIm),
    ("email", Msg::KindEmail),
    ("note", Msg::KindNote),
];

/// The "log an activity" form. Built once per page (its inputs survive
/// syncs); the contact list inside it follows the cache.
#[component]
pub fn LogActivity(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let open = RwSignal::new(false);
    let kind = RwSignal::new("call".to_owned());
    let content = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let follow_up = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let customer_id = StoredValue::new(customer_id);
    let contacts = Memo::new(move |_| match customer_id.get_value().parse() {
        Ok(id) => app.read(&[EntityKind::Contact], |m| m.contacts_of(id)),
        Err(_) => Vec::new(),
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |s: String| if s.is_empty() { Value::Null } else { Value::String(s) };
        let now = crate::device::now();
        let Value::Object(fields) = json!({
            "customer_id": customer_id.get_value(),
            "kind": kind.get_untracked(),
            "content": content.get_untracked(),
            "at": now,
            "contact_id": optional(contact.get_untracked()),
            "next_follow_up": optional(follow_up.get_untracked()),
        }) else {
            return;
        };
        spawn_local(async move {
            match edits::create(app, EntityKind::Activity, fields).await {
                Ok(_) => {
                    content.set(String::new());
                    follow_up.set(String::new());
                    error.set(None);
                    open.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button id="log-activity" class="secondary" on:click=move |_| open.set(true)>"+ "{i18n.label(Msg::LogActivity)}</button>
            }
        >
            <form class="record-form card" id="activity-form" on:submit=save>
                <label for="activity-kind">{i18n.label(Msg::Kind)}</label>
                <select id="activity-kind" on:change=move |ev| kind.set(event_target_value(&ev)) prop:value=move || kind.get()>
                    {KINDS.map(|(key, label)| view! { <option value=key>{i18n.label(label)}</option> }).collect_view()}
                </select>
                <label for="activity-content">{i18n.label(Msg::ActivityContent)}</label>
                <textarea id="activity-content" rows="3" bind:value=content></textarea>
                <label for="activity-contact">{i18n.label(Msg::Contact)}</label>
                <select id="activity-contact" on:change=move |ev| contact.set(event_target_value(&ev)) prop:value=move || contact.get()>
                    <option value="">"—"</option>
                    {move || contacts.get().into_iter().map(|c| view! {
                        <option value=c.id.to_string()>{c.name.as_str().to_owned()}</option>
                    }).collect_view()}
                </select>
                <label for="activity-follow-up">{i18n.label(Msg::NextFollowUp)}</label>
                <input id="activity-follow-up" type="date" bind:value=follow_up />
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions">
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{i18n.label(Msg::Cancel)}</button>
                    <button type="submit" class="primary" id="activity-save">{i18n.label(Msg::Save)}</button>
                </div>
            </form>
        </Show>
    }
}

/// A visit's check-in facts: duration, distance and flags, photo.
#[component]
pub fn VisitDetails(activity: Activity) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let Some(visit) = activity.visit else {
        return ().into_any();
    };
    let duration = visit.duration(activity.at).map(format_duration);
    let distance = visit.distance_m.map(format_distance);
    let flags = {
        let visit = visit.clone();
        move || app.work_rules.with(|r| visit.flags(&r.visits))
    };
    view! {
        <div class="visit-details">
            <p class="meta">
                {duration.map(|d| view! { <span class="duration">{i18n.label(Msg::Duration)}" "{d.clone()}</span>" " })}
                {distance.map(|d| view! { <span class="distance">{d}" "{i18n.label(Msg::FromCustomer)}</span> })}
            </p>
            <Flags flags=Signal::derive(flags) />
            {visit.photo_id.map(|p| view! { <VisitPhoto photo_id=p.to_string() activity_id=activity.id.to_string() /> })}
        </div>
    }
    .into_any()
}

thread_local! {
    /// The photos last fetched from the server (id, object URL), so a
    /// timeline re-rendered by a sync does not download them again; the
    /// oldest is freed past [`FETCHED_KEPT`].
    static FETCHED: std::cell::RefCell<std::collections::VecDeque<(String, String)>> = Default::default();
}

/// Server photos kept as object URLs at once.
const FETCHED_KEPT: usize = 40;

/// A visit photo: from the phone while it waits for upload, else from the
/// server (online only).
#[component]
pub fn VisitPhoto(photo_id: String, activity_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    // A photo read from the phone's own store is freed with the view.
    let local = StoredValue::new_local(None::<String>);
    on_cleanup(move || {
        if let Some(url) = local.try_get_value().flatten() {
            crate::device::revoke_url(&url);
        }
    });
    let url = LocalResource::new(move || {
        let id = photo_id.clone();
        let activity_id = activity_id.clone();
        async move {
            if let Some(url) = FETCHED.with_borrow(|f| f.iter().find(|(i, _)| *i == id).map(|(_, u)| u.clone())) {
                return Some(url);
            }
            if let Ok(Some(p)) = app.db.get_value().photo(&id).await {
                let url = jpeg_url(&p.bytes)?;
                if let Some(old) = local.try_get_value().flatten() {
                    crate::device::revoke_url(&old);
                }
                local.set_value(Some(url.clone()));
                return Some(url);
            }
            let token = app.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()))?;
            let bytes = api::photo(&token, &id, &activity_id).await.ok()?;
            let url = jpeg_url(&bytes)?;
            FETCHED.with_borrow_mut(|f| {
                f.push_back((id, url.clone()));
                while f.len() > FETCHED_KEPT {
                    if let Some((_, old)) = f.pop_front() {
                        crate::device::revoke_url(&old);
                    }
                }
            });
            Some(url)
        }
    });
    view! {
        <Transition>
            {move || url.get().map(|u| match u {
                Some(src) => view! { <img class="visit-photo" src=src alt=i18n.label(Msg::VisitPhoto) /> }.into_any(),
                None => view! { <p class="hint photo-missing">{i18n.label(Msg::PhotoOnline)}</p> }.into_any(),
            })}
        </Transition>
    }
}
