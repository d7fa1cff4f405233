//! One customer: its fields (editable) and its contacts (addable).
//!
//! The forms live outside the parts that re-render when a sync brings new
//! data, so a background sync never wipes what someone is typing. Each part
//! (card, contacts, activity) re-renders on its own.

pub mod activity;
pub mod checkin;
mod deals;

use super::{field, local_time, ownership_kind, user_name};
use crate::components::{AddRecord, RecordForm, CONTACT_FORM, CUSTOMER_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use activity::{LogActivity, VisitDetails};
use checkin::CheckIn;
use deals::Deals;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::pool::release_reason;
use yingpan_shared::sync::Op;
use yingpan_shared::user::{Role, User};

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let loaded = LocalResource::new(move || {
        app.version.track();
        let id = id();
        async move {
            let db = app.db.get_value();
            let customer = db.get(EntityKind::Customer, &id).await.ok().flatten();
            let mut contacts = db.children_of(EntityKind::Contact, &id).await.unwrap_or_default();
            contacts.sort_by_key(|c| field(c, "id"));
            let mut timeline = db.children_of(EntityKind::Activity, &id).await.unwrap_or_default();
            timeline.extend(db.children_of(EntityKind::Ownership, &id).await.unwrap_or_default());
            timeline.extend(db.children_of(EntityKind::Merge, &id).await.unwrap_or_default());
            timeline.sort_by_key(|a| std::cmp::Reverse(field(a, "at")));
            let users = db.users().await.unwrap_or_default();
            (customer, contacts, (timeline, users))
        }
    });
    let editing = RwSignal::new(false);
    // While the records reload after a sync there is no value for a moment;
    // keep the last answer so the forms below are not torn down and rebuilt.
    let exists = Memo::new(move |previous: Option<&bool>| match loaded.get() {
        Some((customer, _, _)) => customer.is_some(),
        None => previous.copied().unwrap_or(false),
    });
    view! {
        <section class="page">
            <a class="back" href="/customers">"‹ "{move || i18n.t(Msg::Back)}</a>
            <Transition fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || loaded.get().map(|(customer, _, _)| match customer {
                    None => view! { <p class="empty" id="not-found">{move || i18n.t(Msg::NotFound)}</p> }.into_any(),
                    Some(c) => view! {
                        <Show when=move || !editing.get()>
                            <CustomerCard customer=c.clone() editing=editing />
                        </Show>
                    }.into_any(),
                })}
            </Transition>
            <Show when=move || editing.get()>
                <EditCustomer before=loaded.get_untracked().and_then(|l| l.0).unwrap_or_default() editing=editing />
            </Show>
            <Show when=move || exists.get()>
                <CheckIn customer_id=params.with_untracked(|p| p.get("id").unwrap_or_default()) />
                <LogActivity customer_id=params.with_untracked(|p| p.get("id").unwrap_or_default()) />
                <Transition>
                    {move || loaded.get().map(|(_, contacts, _)| view! { <ContactList contacts=contacts /> })}
                </Transition>
                <AddRecord
                    kind=EntityKind::Contact
                    fields=CONTACT_FORM
                    id_prefix="contact"
                    label=Msg::AddContact
                    with=Callback::new(move |()| {
                        let mut fields = FieldMap::new();
                        let id = params.with_untracked(|p| p.get("id").unwrap_or_default());
                        fields.insert("customer_id".into(), Value::String(id));
                        fields
                    })
                />
                <Deals customer_id=params.with_untracked(|p| p.get("id").unwrap_or_default()) />
                <Transition>
                    {move || loaded.get().map(|(_, _, (timeline, users))| view! { <Timeline entries=timeline users=users /> })}
                </Transition>
                <ReleaseToPool customer_id=id() />
                <Transition>
                    {move || loaded.get().and_then(|(c, _, _)| c).map(|c| view! { <LockToggle customer=c /> })}
                </Transition>
                <Reassign customer_id=id() />
                <ArchiveCustomer customer_id=id() />
            </Show>
        </section>
    }
}

/// The customer's name and fields, read-only.
#[component]
fn CustomerCard(customer: FieldMap, editing: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = CUSTOMER_FORM
        .iter()
        .filter(|spec| spec.name != "name")
        .filter_map(|spec| {
            let value = match (spec.name, customer.get(spec.name)) {
                ("kind", Some(Value::String(k))) if k == "individual" => i18n.t(Msg::Individual).to_owned(),
                ("kind", _) => i18n.t(Msg::Company).to_owned(),
                (name, _) => field(&customer, name),
            };
            (!value.is_empty()).then(|| {
                let label = spec.label;
                view! { <dt>{move || i18n.t(label)}</dt> <dd class=format!("field-{}", spec.name)>{value}</dd> }
            })
        })
        .collect_view();
    view! {
        <div class="card">
            <div class="card-head">
                <h2 id="customer-title">{field(&customer, "name")}</h2>
                <button id="edit-customer" class="secondary" on:click=move |_| editing.set(true)>{move || i18n.t(Msg::Edit)}</button>
            </div>
        </div>
        <dl class="fields">{rows}</dl>
    }
}

/// The edit form, started from the record as it was when editing began (the
/// base the server merges from).
#[component]
fn EditCustomer(before: FieldMap, editing: RwSignal<bool>) -> impl IntoView {
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let base = StoredValue::new(before.clone());
    let on_save = Callback::new(move |after: FieldMap| {
        spawn_local(async move {
            match edits::update(app, EntityKind::Customer, &base.get_value(), after).await {
                Ok(()) => editing.set(false),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <RecordForm
            fields=CUSTOMER_FORM
            initial=before
            id_prefix="customer"
            on_save=on_save
            on_cancel=Callback::new(move |_| editing.set(false))
            error=error
        />
    }
}

#[component]
fn ContactList(contacts: Vec<FieldMap>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = contacts.is_empty();
    view! {
        <h3>{move || i18n.t(Msg::Contacts)}</h3>
        {empty.then(|| view! { <p class="empty">{move || i18n.t(Msg::NoContacts)}</p> })}
        <ul class="list contacts">
            {contacts.into_iter().map(|c| {
                let (title, phone, email) = (field(&c, "title"), field(&c, "phone"), field(&c, "email"));
                let detail = crate::pages::dotted([title.as_str(), phone.as_str(), email.as_str()].map(Some));
                view! {
                    <li class="contact-row">
                        <span class="name">{field(&c, "name")}</span>
                        <span class="meta">{detail}</span>
                        {(!phone.is_empty()).then(|| view! { <a class="call" href=format!("tel:{phone}")>"☎"</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The customer's activities and ownership changes, newest first.
#[component]
fn Timeline(entries: Vec<FieldMap>, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let empty = entries.is_empty();
    view! {
        <h3>{move || i18n.t(Msg::Activities)}</h3>
        {empty.then(|| view! { <p class="empty">{move || i18n.t(Msg::NoActivities)}</p> })}
        <ul class="timeline">
            {entries.into_iter().map(|a| {
                if a.contains_key("from") || a.contains_key("to") {
                    return view! { <OwnershipRow change=a users=users.clone() /> }.into_any();
                }
                if a.contains_key("merged_id") {
                    return view! { <MergeRow merge=a users=users.clone() /> }.into_any();
                }
                let kind = match field(&a, "kind").as_str() {
                    "call" => Msg::KindCall,
                    "email" => Msg::KindEmail,
                    "im" => Msg::KindIm,
                    "visit" => Msg::KindVisit,
                    _ => Msg::KindNote,
                };
                let follow_up = field(&a, "next_follow_up");
                let author = user_name(&users, &field(&a, "by"));
                view! {
                    <li class="activity-row">
                        <div class="activity-head">
                            <span class="kind">{move || i18n.t(kind)}</span>
                            <span class="author">{author}</span>
                            <time>{local_time(&field(&a, "at"))}</time>
                        </div>
                        <p>{field(&a, "content")}</p>
                        {a.get("visit").is_some_and(|v| !v.is_null()).then(|| view! { <VisitDetails activity=a.clone() /> })}
                        {(!follow_up.is_empty()).then(|| view! {
                            <p class="follow-up">{move || i18n.t(Msg::NextFollowUp)}": "{follow_up.clone()}</p>
                        })}
                    </li>
                }.into_any()
            }).collect_view()}
        </ul>
    }
}

/// One change of owner: what, from whom to whom, by whom, why.
#[component]
fn OwnershipRow(change: FieldMap, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = ownership_kind(&field(&change, "kind"));
    let party = |key: &str| match field(&change, key) {
        id if id.is_empty() => i18n.t(Msg::ThePool).to_owned(),
        id => user_name(&users, &id),
    };
    let route = format!("{} → {}", party("from"), party("to"));
    let by = field(&change, "by");
    let by = (!by.is_empty()).then(|| user_name(&users, &by));
    let reason = field(&change, "reason");
    view! {
        <li class="ownership-row">
            <div class="activity-head">
                <span class="kind">{move || i18n.t(kind)}</span>
                <time>{local_time(&field(&change, "at"))}</time>
            </div>
            <p>{route}{by.map(|b| view! { " · "{move || i18n.t(Msg::By)}" "{b.clone()} })}</p>
            {(!reason.is_empty()).then(|| view! { <p class="reason">{reason.clone()}</p> })}
        </li>
    }
}

/// A merge into this customer, with undo while it is allowed (30 days).
#[component]
fn MergeRow(merge: FieldMap, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let undone = !field(&merge, "undone_at").is_empty();
    let recent = merge
        .get("at")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .is_some_and(|at| {
            let now = crate::device::now();
            now - at <= chrono::Duration::days(yingpan_shared::dedup::UNDO_DAYS)
        });
    let id = field(&merge, "id");
    let undo = move |_| {
        let id = id.clone();
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            match crate::api::undo_merge(&token, &id).await {
                Ok(_) => app.request_sync(),
                Err(e) => error.set(Some(e.message().unwrap_or("network").to_owned())),
            }
        });
    };
    view! {
        <li class="ownership-row merge-row">
            <div class="activity-head">
                <span class="kind">{move || i18n.t(Msg::MergedIn)}</span>
                <time>{local_time(&field(&merge, "at"))}</time>
            </div>
            <p>
                <strong>{field(&merge, "merged_name")}</strong>" · "{move || i18n.t(Msg::By)}" "{user_name(&users, &field(&merge, "by"))}
                {undone.then(|| view! { " · "{move || i18n.t(Msg::Undone)} })}
            </p>
            {(!undone && recent).then(|| view! {
                <button class="secondary undo-merge" on:click=undo.clone()>{move || i18n.t(Msg::Undo)}</button>
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </li>
    }
}

/// Managers lock a customer so the pool rules never take it back.
#[component]
fn LockToggle(customer: FieldMap) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let manager = app
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.user.role != Role::Rep));
    let locked = customer.get("locked").and_then(Value::as_bool).unwrap_or(false);
    let customer = StoredValue::new(customer);
    let toggle = move |_| {
        spawn_local(async move {
            let before = customer.get_value();
            let mut after = FieldMap::new();
            after.insert("locked".into(), Value::Bool(!locked));
            let _ = edits::update(app, EntityKind::Customer, &before, after).await;
        });
    };
    view! {
        {(locked && !manager).then(|| view! { <p class="chip">{move || i18n.t(Msg::Locked)}</p> })}
        {manager.then(|| view! {
            <button id="lock" class="secondary" on:click=toggle>
                {move || i18n.t(if locked { Msg::Unlock } else { Msg::Lock })}
            </button>
        })}
    }
}

/// Managers hand a customer to someone in their team or to the pool. The
/// server decides and records it; this needs a connection.
#[component]
fn Reassign(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let me = app.session.get_untracked().map(|s| s.user);
    let Some(me) = me.filter(|u| !matches!(u.role, Role::Rep | Role::Finance)) else {
        return ().into_any();
    };
    let choice = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let people = LocalResource::new(move || async move {
        let users = app.db.get_value().users().await.unwrap_or_default();
        users
            .into_iter()
            .filter(|u| u.active && u.role != Role::Admin && (me.role == Role::Admin || u.team_id == me.team_id))
            .collect::<Vec<_>>()
    });
    let customer_id = StoredValue::new(customer_id);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let owner = match choice.get_untracked() {
            to if to.is_empty() => return,
            to if to == "pool" => None,
            to => match to.parse() {
                Ok(id) => Some(UserId(id)),
                Err(_) => return,
            },
        };
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        let customer = customer_id.get_value();
        error.set(None);
        spawn_local(async move {
            match crate::api::reassign(&token, &customer, owner).await {
                Ok(_) => app.request_sync(),
                Err(e) => error.set(Some(e.message().unwrap_or("network").to_owned())),
            }
        });
    };
    view! {
        <form class="reassign" on:submit=send>
            <label for="reassign-to">{move || i18n.t(Msg::Reassign)}</label>
            <div class="actions">
                <select id="reassign-to" on:change=move |ev| choice.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t(Msg::ChooseRep)}</option>
                    <option value="pool">{move || i18n.t(Msg::ThePool)}</option>
                    {move || people.get().unwrap_or_default().into_iter().map(|u| view! {
                        <option value=u.id.to_string()>{u.display_name}</option>
                    }).collect_view()}
                </select>
                <button type="submit" id="reassign" class="secondary">{move || i18n.t(Msg::ReassignButton)}</button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </form>
    }
    .into_any()
}

/// Queues `op` on customer `id` (a release or an archive: either way it
/// leaves this person's list) and goes back to the list; a failure to queue
/// it is shown in `error`.
fn queue_and_leave(
    app: crate::sync::AppCtx,
    navigate: StoredValue<impl Fn(&str, leptos_router::NavigateOptions) + 'static, LocalStorage>,
    id: String,
    op: Op,
    error: RwSignal<Option<String>>,
) {
    spawn_local(async move {
        match app.record(EntityKind::Customer, &id, op, None).await {
            Ok(_) => {
                navigate.with_value(|go| go("/customers", Default::default()));
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    });
}

/// Archives the customer (managers and admins): it leaves everyone's list
/// and can be brought back from the team console. Works offline: the
/// archive is queued like any change.
#[component]
fn ArchiveCustomer(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let role = app.session.with_untracked(|s| s.as_ref().map(|s| s.user.role));
    if role.is_none_or(|r| yingpan_shared::access::may_archive(r).is_err()) {
        return ().into_any();
    }
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let customer_id = StoredValue::new(customer_id);
    let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
    let archive = move |_| queue_and_leave(app, navigate, customer_id.get_value(), Op::Delete, error);
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button id="archive" class="secondary danger" on:click=move |_| open.set(true)>{move || i18n.t(Msg::ArchiveCustomer)}</button>
            }
        >
            <div class="release">
                <p>{move || i18n.t(Msg::ArchiveConfirm)}</p>
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions">
                    <button id="confirm-archive" class="primary danger" on:click=archive>{move || i18n.t(Msg::ArchiveCustomer)}</button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{move || i18n.t(Msg::Cancel)}</button>
                </div>
            </div>
        </Show>
    }
    .into_any()
}

/// Gives the customer back to the pool, with a reason (shown only to the
/// owner). Works offline: the release is queued like any change.
#[component]
fn ReleaseToPool(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let customer_id = StoredValue::new(customer_id);
    let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
    let owner = LocalResource::new(move || {
        app.version.track();
        async move {
            let c = app
                .db
                .get_value()
                .get(EntityKind::Customer, &customer_id.get_value())
                .await
                .ok()
                .flatten();
            c.map(|c| field(&c, "owner_id")).unwrap_or_default()
        }
    });
    let mine = move || {
        let me = app
            .session
            .with(|s| s.as_ref().map(|s| s.user.id.to_string()).unwrap_or_default());
        owner.get().is_some_and(|o| o == me)
    };
    let release = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = match release_reason(&reason.get_untracked()) {
            Ok(t) => t,
            Err(e) => return error.set(Some(e)),
        };
        queue_and_leave(
            app,
            navigate,
            customer_id.get_value(),
            Op::Release { reason: text },
            error,
        );
    };
    view! {
        <Show when=mine>
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button id="release" class="secondary danger" on:click=move |_| open.set(true)>{move || i18n.t(Msg::Release)}</button>
                }
            >
                <form class="release" on:submit=release>
                    <label for="release-reason">{move || i18n.t(Msg::ReleaseReason)}</label>
                    <input id="release-reason" bind:value=reason required />
                    <Show when=move || error.with(Option::is_some)>
                        <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <div class="actions">
                        <button type="submit" id="confirm-release" class="primary">{move || i18n.t(Msg::Release)}</button>
                        <button type="button" class="secondary" on:click=move |_| open.set(false)>{move || i18n.t(Msg::Cancel)}</button>
                    </div>
                </form>
            </Show>
        </Show>
    }
}
