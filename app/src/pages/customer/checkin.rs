//! Checking in at a customer (外勤签到): a GPS fix compared with the
//! customer's location, an optional stamped photo, then check-out with a
//! note and the next follow-up. Everything is kept on the phone until the
//! visit is saved at check-out, so closing the app mid-visit loses nothing.

use crate::db::{OpenVisit, PendingPhoto};
use crate::device::{jpeg_url, locate, now, stamped_jpeg, utc_offset_minutes, NoFix};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::ids::new_id;
use crate::sync::use_app;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::photo::stamp_lines;
use yingpan_shared::visit::{clamp_check_out, format_distance, Visit, VisitFlag};

/// Which visit is open: its id, customer id and customer name.
type VisitKey = (String, String, String);

/// The check-in panel for one customer. Built once per customer page: a
/// sync re-reads the open visit but shows it again only if it changed, so a
/// note being typed is never wiped.
#[component]
pub fn CheckIn(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let customer_id = StoredValue::new(customer_id);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let loaded = LocalResource::new(move || {
        app.version.track();
        async move { app.db.get_value().open_visit().await.ok().flatten() }
    });
    // `None` until first loaded; then which visit is open (id, customer,
    // name). Only a different visit re-renders the panel: a sync, or a photo
    // added, must not wipe the note being typed.
    let open = Memo::new(move |previous: Option<&Option<Option<VisitKey>>>| match loaded.get() {
        Some(v) => Some(v.map(|v| (v.id, v.customer_id, v.customer_name))),
        None => previous.cloned().flatten(),
    });
    let check_in = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let db = app.db.get_value();
            let (name, location) = match customer_id.get_value().parse::<uuid::Uuid>() {
                Ok(id) => app.memory.with_value(|m| {
                    m.customers
                        .get(&id)
                        .map(|c| (c.name.as_str().to_owned(), c.location))
                        .unwrap_or_default()
                }),
                Err(_) => Default::default(),
            };
            match locate().await {
                Ok((point, accuracy)) => {
                    let visit = OpenVisit {
                        id: new_id(),
                        customer_id: customer_id.get_value(),
                        customer_name: name,
                        at: now().to_rfc3339(),
                        visit: Visit::check_in(point, accuracy, location),
                    };
                    match db.set_open_visit(Some(&visit)).await {
                        Ok(()) => app.version.update(|v| *v += 1),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                }
                Err(why) => error.set(Some(i18n.t(no_fix_message(why)).to_owned())),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="card checkin" id="checkin">
            {move || open.get().map(|open| match open {
                Some((_, customer, _)) if customer == customer_id.get_value() => {
                    loaded.get_untracked().flatten().map(|v| view! { <Visiting open=v /> }).into_any()
                }
                Some((_, customer, name)) => view! {
                    <p class="hint" id="visiting-elsewhere">
                        {i18n.label(Msg::CheckedInElsewhere)}" "
                        <a href=format!("/customers/{customer}")>{name.clone()}</a>
                    </p>
                }.into_any(),
                None => view! {
                    <button id="check-in" class="primary wide" disabled=move || busy.get() on:click=check_in>
                        {move || i18n.t(if busy.get() { Msg::Locating } else { Msg::CheckInHere })}
                    </button>
                }.into_any(),
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert" id="checkin-error">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// What to tell someone whose phone gave no position.
pub fn no_fix_message(why: NoFix) -> Msg {
    match why {
        NoFix::Denied => Msg::LocationDenied,
        NoFix::TimedOut => Msg::LocationTimedOut,
        NoFix::Unavailable => Msg::LocationUnavailable,
    }
}

/// A check-in's flags as chips, e.g. "12.3 km from the customer".
#[component]
pub fn Flags(flags: Signal<Vec<VisitFlag>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="flags">
            {move || flags.get().into_iter().map(|flag| {
                let (class, text) = match flag {
                    VisitFlag::Far { distance_m } => {
                        ("flag far", format!("{} {}", format_distance(distance_m), i18n.t(Msg::FromCustomer)))
                    }
                    VisitFlag::PoorAccuracy { accuracy_m } => {
                        ("flag blurry", format!("{} ±{}", i18n.t(Msg::PoorAccuracy), format_distance(accuracy_m)))
                    }
                    VisitFlag::NoLocation => ("flag unplaced", i18n.t(Msg::NoCustomerLocation).to_owned()),
                };
                view! { <li class=class>{text}</li> }
            }).collect_view()}
        </ul>
    }
}

/// A visit in progress: where, flags, photo, check-out.
#[component]
fn Visiting(open: OpenVisit) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let follow_up = RwSignal::new(String::new());
    let photo_url = RwSignal::new(None::<String>);
    // Each preview replaces the last, which is freed; the last goes with the view.
    let show_photo = move |bytes: &[u8]| {
        if let Some(old) = photo_url.try_get_untracked().flatten() {
            crate::device::revoke_url(&old);
        }
        photo_url.try_set(jpeg_url(bytes));
    };
    on_cleanup(move || {
        if let Some(old) = photo_url.try_get_untracked().flatten() {
            crate::device::revoke_url(&old);
        }
    });
    let rules = LocalResource::new(move || async move { app.db.get_value().work_rules().await.unwrap_or_default() });
    let customer_id: Option<uuid::Uuid> = open.customer_id.parse().ok();
    let located = Memo::new(move |_| {
        let Some(id) = customer_id else { return true };
        app.read(&[EntityKind::Customer], |m| {
            m.customers.get(&id).is_none_or(|c| c.location.is_some())
        })
    });
    let open = StoredValue::new(open);
    if let Some(photo) = open.get_value().visit.photo_id {
        spawn_local(async move {
            if let Ok(Some(p)) = app.db.get_value().photo(&photo.to_string()).await {
                show_photo(&p.bytes);
            }
        });
    }
    let flags = move || {
        let rules = rules.get().unwrap_or_default();
        open.with_value(|o| o.visit.flags(&rules.visits))
    };
    let may_set_location = move || {
        let rules = rules.get().unwrap_or_default();
        open.with_value(|o| o.visit.may_set_location(&rules.visits)) && !located.get()
    };
    let set_location = move |_| {
        spawn_local(async move {
            let point = open.with_value(|o| o.visit.point);
            let mut after = FieldMap::new();
            after.insert("location".into(), json!(point));
            let Some(before) = (match customer_id {
                Some(id) => super::held(app, id).await,
                None => None,
            }) else {
                return;
            };
            if let Err(e) = edits::update(app, EntityKind::Customer, &before, after).await {
                error.set(Some(e));
            }
        });
    };
    let take_photo = move |ev: leptos::ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        spawn_local(async move {
            let mut visit = open.get_value();
            let lines = stamp_lines(&visit.customer_name, now(), utc_offset_minutes(), visit.visit.point);
            let bytes = match stamped_jpeg(&file, &lines).await {
                Ok(b) => b,
                Err(e) => return error.set(Some(e)),
            };
            let db = app.db.get_value();
            let previous = visit.visit.photo_id.map(|p| p.to_string());
            let id = new_id();
            let photo = PendingPhoto {
                id: id.clone(),
                activity_id: visit.id.clone(),
                bytes,
            };
            visit.visit.photo_id = id.parse().ok();
            let saved = async {
                db.put_photo(&photo).await?;
                db.set_open_visit(Some(&visit)).await?;
                if let Some(p) = previous {
                    db.remove_photo(&p).await?;
                }
                Ok::<_, crate::db::DbError>(())
            };
            match saved.await {
                Ok(()) => {
                    show_photo(&photo.bytes);
                    open.set_value(visit);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let finish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            let mut visit = open.get_value();
            let started: DateTime<Utc> = visit.at.parse().unwrap_or_else(|_| now());
            visit.visit.ended_at = Some(clamp_check_out(started, now()));
            let text = note.get_untracked().trim().to_owned();
            let content = if text.is_empty() {
                i18n.t(Msg::Visited).to_owned()
            } else {
                text
            };
            let next = follow_up.get_untracked();
            let fields = json!({
                "customer_id": visit.customer_id,
                "kind": "visit",
                "content": content,
                "at": visit.at,
                "next_follow_up": if next.is_empty() { Value::Null } else { Value::String(next) },
                "visit": visit.visit,
            });
            let Value::Object(fields) = fields else { return };
            match edits::create_as(app, EntityKind::Activity, visit.id.clone(), fields).await {
                Ok(_) => {
                    let _ = app.db.get_value().set_open_visit(None).await;
                    app.changed();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let cancel = move |_| {
        spawn_local(async move {
            let db = app.db.get_value();
            if let Some(p) = open.with_value(|o| o.visit.photo_id) {
                let _ = db.remove_photo(&p.to_string()).await;
            }
            let _ = db.set_open_visit(None).await;
            app.changed();
        });
    };
    let distance = open.with_value(|o| o.visit.distance_m);
    view! {
        <div class="visiting" id="visiting">
            <p>
                <strong>{i18n.label(Msg::CheckedInAt)}</strong>" "{super::super::local_time(&open.with_value(|o| o.at.clone()))}
                {distance.map(|d| view! { " · "<span id="visit-distance">{format_distance(d)}</span>" "{i18n.label(Msg::FromCustomer)} })}
            </p>
            <Flags flags=Signal::derive(flags) />
            <Show when=may_set_location>
                <button id="set-location" class="secondary" on:click=set_location>{i18n.label(Msg::SetLocation)}</button>
            </Show>
            <label class="button secondary photo-button" for="visit-photo">{i18n.label(Msg::TakePhoto)}</label>
            <input id="visit-photo" class="visually-hidden" type="file" accept="image/*" capture="environment" on:change=take_photo />
            {move || photo_url.get().map(|url| view! { <img id="visit-photo-preview" class="visit-photo" src=url alt="" /> })}
            <form class="record-form" on:submit=finish>
                <label for="visit-note">{i18n.label(Msg::VisitNote)}</label>
                <textarea id="visit-note" rows="2" bind:value=note></textarea>
                <label for="visit-follow-up">{i18n.label(Msg::NextFollowUp)}</label>
                <input id="visit-follow-up" type="date" bind:value=follow_up />
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions">
                    <button type="button" class="secondary" id="cancel-visit" on:click=cancel>{i18n.label(Msg::Cancel)}</button>
                    <button type="submit" class="primary" id="check-out">{i18n.label(Msg::CheckOut)}</button>
                </div>
            </form>
        </div>
    }
}
