//! One customer: its fields (editable) and its contacts (addable).
//!
//! The forms live outside the parts that re-render when a sync brings new
//! data, so a background sync never wipes what someone is typing. Each part
//! (card, contacts, activity) re-renders on its own.

pub mod activity;
pub mod checkin;
mod deals;

use super::{local_time, ownership_kind, user_name};
use crate::components::{AddRecord, RecordForm, CONTACT_FORM, CUSTOMER_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::pages::money::customer::CustomerMoney;
use crate::sync::{use_app, AppCtx};
use activity::{LogActivity, VisitDetails};
use checkin::CheckIn;
use chrono::{DateTime, Utc};
use deals::Deals;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use uuid::Uuid;
use yingpan_shared::activity::{Activity, ActivityKind};
use yingpan_shared::contact::Contact;
use yingpan_shared::customer::{Customer, CustomerKind};
use yingpan_shared::dedup::MergeRecord;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::UserId;
use yingpan_shared::ownership::OwnershipChange;
use yingpan_shared::pool::release_reason;
use yingpan_shared::sync::Op;
use yingpan_shared::user::{Role, User};

#[component]
pub fn CustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    let customer = Memo::new(move |_| {
        let id = id.get()?;
        app.read(&[EntityKind::Customer], |m| m.customers.get(&id).cloned())
    });
    let exists = Memo::new(move |_| customer.with(Option::is_some));
    let contacts = Memo::new(move |_| match id.get() {
        Some(id) => app.read(&[EntityKind::Contact], |m| m.contacts_of(id)),
        None => Vec::new(),
    });
    // The record as this device held it when editing began: the base the
    // server merges the edit from.
    let editing = RwSignal::new(None::<FieldMap>);
    let text_id = move || params.with_untracked(|p| p.get("id").unwrap_or_default());
    view! {
        <section class="page">
            <a class="back" href="/customers">"‹ "{i18n.label(Msg::Back)}</a>
            {move || match customer.get() {
                None => view! { <p class="empty" id="not-found">{i18n.label(Msg::NotFound)}</p> }.into_any(),
                Some(c) => view! {
                    <Show when=move || editing.with(Option::is_none)>
                        <CustomerCard customer=c.clone() editing=editing />
                    </Show>
                }.into_any(),
            }}
            <Show when=move || editing.with(Option::is_some)>
                <EditCustomer before=editing.get_untracked().unwrap_or_default() editing=editing />
            </Show>
            <Show when=move || exists.get()>
                <CheckIn customer_id=text_id() />
                <LogActivity customer_id=text_id() />
                <ContactList contacts=contacts />
                <AddRecord
                    kind=EntityKind::Contact
                    fields=CONTACT_FORM
                    id_prefix="contact"
                    label=Msg::AddContact
                    with=Callback::new(move |()| {
                        let mut fields = FieldMap::new();
                        fields.insert("customer_id".into(), Value::String(text_id()));
                        fields
                    })
                />
                <Deals customer_id=text_id() />
                <CustomerMoney customer_id=text_id() />
                <Timeline customer=id />
                <ReleaseToPool customer=customer />
                {move || customer.get().map(|c| view! { <LockToggle locked=c.locked customer_id=c.id /> })}
                <Reassign customer_id=text_id() />
                <ArchiveCustomer customer_id=text_id() />
            </Show>
        </section>
    }
}

/// The record of one customer as this device holds it, for an edit's base.
async fn held(app: AppCtx, id: Uuid) -> Option<FieldMap> {
    app.db
        .get_value()
        .get(EntityKind::Customer, &id.to_string())
        .await
        .ok()
        .flatten()
}

/// A customer's field shown on its card: the form's fields, in its order.
fn shown(customer: &Customer, name: &str) -> Option<String> {
    fn text<T: AsRef<str>>(t: &Option<T>) -> Option<String> {
        t.as_ref().map(|t| t.as_ref().to_owned())
    }
    match name {
        "grade" => customer.grade.map(|g| g.as_str().to_owned()),
        "phone" => text(&customer.phone),
        "email" => text(&customer.email),
        "industry" => text(&customer.industry),
        "region" => text(&customer.region),
        "address" => text(&customer.address),
        "notes" => text(&customer.notes),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// The customer's name and fields, read-only.
#[component]
fn CustomerCard(customer: Customer, editing: RwSignal<Option<FieldMap>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let kind = match customer.kind {
        CustomerKind::Individual => Msg::Individual,
        CustomerKind::Company => Msg::Company,
    };
    let rows = CUSTOMER_FORM
        .iter()
        .filter_map(|spec| {
            let label = spec.label;
            let value = match spec.name {
                "kind" => view! { {i18n.label(kind)} }.into_any(),
                name => shown(&customer, name)?.into_any(),
            };
            Some(view! { <dt>{i18n.label(label)}</dt> <dd class=format!("field-{}", spec.name)>{value}</dd> })
        })
        .collect_view();
    let id = customer.id;
    let edit = move |_| {
        spawn_local(async move {
            if let Some(before) = held(app, id).await {
                editing.set(Some(before));
            }
        });
    };
    view! {
        <div class="card">
            <div class="card-head">
                <h2 id="customer-title">{customer.name.as_str().to_owned()}</h2>
                <button id="edit-customer" class="secondary" on:click=edit>{i18n.label(Msg::Edit)}</button>
            </div>
        </div>
        <dl class="fields">{rows}</dl>
    }
}

/// The edit form, started from the record as it was when editing began (the
/// base the server merges from).
#[component]
fn EditCustomer(before: FieldMap, editing: RwSignal<Option<FieldMap>>) -> impl IntoView {
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let base = StoredValue::new(before.clone());
    let on_save = Callback::new(move |after: FieldMap| {
        spawn_local(async move {
            match edits::update(app, EntityKind::Customer, &base.get_value(), after).await {
                Ok(()) => editing.set(None),
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
            on_cancel=Callback::new(move |_| editing.set(None))
            error=error
        />
    }
}

#[component]
fn ContactList(contacts: Memo<Vec<Contact>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h3>{i18n.label(Msg::Contacts)}</h3>
        <Show when=move || contacts.with(Vec::is_empty)>
            <p class="empty">{i18n.label(Msg::NoContacts)}</p>
        </Show>
        <ul class="list contacts">
            {move || contacts.get().into_iter().map(|c| {
                    let phone = c.phone.as_ref().map(|p| p.as_ref().to_owned());
                    let detail = crate::pages::dotted([
                        c.title.as_ref().map(AsRef::as_ref),
                        phone.as_deref(),
                        c.email.as_ref().map(AsRef::as_ref),
                    ]);
                    view! {
                        <li class="contact-row">
                            <span class="name">{c.name.as_str().to_owned()}</span>
                            <span class="meta">{detail}</span>
                            {phone.filter(|p| !p.is_empty()).map(|p| view! { <a class="call" href=format!("tel:{p}")>"☎"</a> })}
                        </li>
                    }
            }).collect_view()}
        </ul>
    }
}

/// One entry of a customer's timeline.
#[derive(Clone, PartialEq)]
enum Entry {
    Activity(Activity),
    Ownership(OwnershipChange),
    Merge(MergeRecord),
}

impl Entry {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Entry::Activity(a) => a.at,
            Entry::Ownership(o) => o.at,
            Entry::Merge(m) => m.at,
        }
    }
}

/// A person's name, or nothing when there is nobody.
fn person(users: &[User], id: Option<UserId>) -> Option<String> {
    id.map(|id| user_name(users, &id.to_string()))
}

/// The customer's activities, ownership changes and merges, newest first.
/// Activities are in memory; the history is read from IndexedDB, again
/// whenever customers or history change.
#[component]
fn Timeline(customer: Memo<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let activities = Memo::new(move |_| match customer.get() {
        Some(id) => app.read(&[EntityKind::Activity], |m| m.activities_of(id)),
        None => Vec::new(),
    });
    let history = LocalResource::new(move || {
        // History arrives with a change to its customer (a claim, a merge,
        // an undo all change it), and on its own.
        app.touched.track(EntityKind::Customer);
        app.touched.track(EntityKind::Ownership);
        app.touched.track(EntityKind::Merge);
        let id = customer.get().map(|id| id.to_string()).unwrap_or_default();
        async move {
            let db = app.db.get_value();
            // One record that does not read (from a newer server, say) is
            // left out, not the whole history.
            let owners = readable(db.children_of(EntityKind::Ownership, &id).await.unwrap_or_default());
            let merges = readable(db.children_of(EntityKind::Merge, &id).await.unwrap_or_default());
            let mut entries: Vec<Entry> = owners.into_iter().map(Entry::Ownership).collect();
            entries.extend(merges.into_iter().map(Entry::Merge));
            entries
        }
    });
    let entries = Memo::new(move |_| {
        let mut entries: Vec<Entry> = activities.get().into_iter().map(Entry::Activity).collect();
        entries.extend(history.get().unwrap_or_default());
        entries.sort_by_key(|e| std::cmp::Reverse(e.at()));
        entries
    });
    view! {
        <h3>{i18n.label(Msg::Activities)}</h3>
        <Show when=move || entries.with(Vec::is_empty)>
            <p class="empty">{i18n.label(Msg::NoActivities)}</p>
        </Show>
        <ul class="timeline">
            {move || {
                let users = app.users.get();
                entries.get().into_iter().map(|e| {
                    let users = users.clone();
                    match e {
                        Entry::Ownership(change) => view! { <OwnershipRow change=change users=users /> }.into_any(),
                        Entry::Merge(merge) => view! { <MergeRow merge=merge users=users /> }.into_any(),
                        Entry::Activity(a) => view! { <ActivityRow activity=a users=users /> }.into_any(),
                    }
                }).collect_view()
            }}
        </ul>
    }
}

/// The rows that read as `T`; one that does not is left out.
fn readable<T: serde::de::DeserializeOwned>(rows: Vec<serde_json::Value>) -> Vec<T> {
    rows.into_iter()
        .filter_map(|row| serde_json::from_value(row).ok())
        .collect()
}

/// One activity: its kind, author, time, content and follow-up, and a
/// visit's check-in details.
#[component]
fn ActivityRow(activity: Activity, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = match activity.kind {
        ActivityKind::Call => Msg::KindCall,
        ActivityKind::Email => Msg::KindEmail,
        ActivityKind::Im => Msg::KindIm,
        ActivityKind::Visit => Msg::KindVisit,
        ActivityKind::Note => Msg::KindNote,
    };
    let follow_up = activity.next_follow_up;
    let author = person(&users, activity.by);
    view! {
        <li class="activity-row">
            <div class="activity-head">
                <span class="kind">{i18n.label(kind)}</span>
                <span class="author">{author}</span>
                <time>{local_time(&activity.at.to_rfc3339())}</time>
            </div>
            <p>{activity.content.as_str().to_owned()}</p>
            {activity.visit.is_some().then(|| view! { <VisitDetails activity=activity.clone() /> })}
            {follow_up.map(|day| view! {
                <p class="follow-up">{i18n.label(Msg::NextFollowUp)}": "{day.to_string()}</p>
            })}
        </li>
    }
}

/// One change of owner: what, from whom to whom, by whom, why.
#[component]
fn OwnershipRow(change: OwnershipChange, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = ownership_kind(change.kind);
    let party = |id| person(&users, id).unwrap_or_else(|| i18n.t(Msg::ThePool).to_owned());
    let route = format!("{} → {}", party(change.from), party(change.to));
    let by = person(&users, change.by);
    let reason = change.reason.filter(|r| !r.is_empty());
    view! {
        <li class="ownership-row">
            <div class="activity-head">
                <span class="kind">{i18n.label(kind)}</span>
                <time>{local_time(&change.at.to_rfc3339())}</time>
            </div>
            <p>{route}{by.map(|b| view! { " · "{i18n.label(Msg::By)}" "{b.clone()} })}</p>
            {reason.map(|r| view! { <p class="reason">{r}</p> })}
        </li>
    }
}

/// A merge into this customer, with undo while it is allowed (30 days).
#[component]
fn MergeRow(merge: MergeRecord, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let undone = merge.undone_at.is_some();
    let undoable = yingpan_shared::dedup::may_undo(&merge, crate::device::now()).is_ok();
    let id = merge.id.to_string();
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
                <span class="kind">{i18n.label(Msg::MergedIn)}</span>
                <time>{local_time(&merge.at.to_rfc3339())}</time>
            </div>
            <p>
                <strong>{merge.merged_name.clone()}</strong>" · "{i18n.label(Msg::By)}" "{user_name(&users, &merge.by.to_string())}
                {undone.then(|| view! { " · "{i18n.label(Msg::Undone)} })}
            </p>
            {undoable.then(|| view! {
                <button class="secondary undo-merge" on:click=undo.clone()>{i18n.label(Msg::Undo)}</button>
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </li>
    }
}

/// Managers lock a customer so the pool rules never take it back.
#[component]
fn LockToggle(locked: bool, customer_id: Uuid) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let manager = app
        .session
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.user.role != Role::Rep));
    let toggle = move |_| {
        spawn_local(async move {
            let Some(before) = held(app, customer_id).await else {
                return;
            };
            let mut after = FieldMap::new();
            after.insert("locked".into(), Value::Bool(!locked));
            let _ = edits::update(app, EntityKind::Customer, &before, after).await;
        });
    };
    view! {
        {(locked && !manager).then(|| view! { <p class="chip">{i18n.label(Msg::Locked)}</p> })}
        {manager.then(|| view! {
            <button id="lock" class="secondary" on:click=toggle>
                {i18n.label(if locked { Msg::Unlock } else { Msg::Lock })}
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
            <label for="reassign-to">{i18n.label(Msg::Reassign)}</label>
            <div class="actions">
                <select id="reassign-to" on:change=move |ev| choice.set(event_target_value(&ev))>
                    <option value="">{i18n.label(Msg::ChooseRep)}</option>
                    <option value="pool">{i18n.label(Msg::ThePool)}</option>
                    {move || people.get().unwrap_or_default().into_iter().map(|u| view! {
                        <option value=u.id.to_string()>{u.display_name}</option>
                    }).collect_view()}
                </select>
                <button type="submit" id="reassign" class="secondary">{i18n.label(Msg::ReassignButton)}</button>
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
                <button id="archive" class="secondary danger" on:click=move |_| open.set(true)>{i18n.label(Msg::ArchiveCustomer)}</button>
            }
        >
            <div class="release">
                <p>{i18n.label(Msg::ArchiveConfirm)}</p>
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <div class="actions">
                    <button id="confirm-archive" class="primary danger" on:click=archive>{i18n.label(Msg::ArchiveCustomer)}</button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{i18n.label(Msg::Cancel)}</button>
                </div>
            </div>
        </Show>
    }
    .into_any()
}

/// Gives the customer back to the pool, with a reason (shown only to the
/// owner). Works offline: the release is queued like any change.
#[component]
fn ReleaseToPool(customer: Memo<Option<Customer>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
    let mine = move || {
        let me = app.session.with(|s| s.as_ref().map(|s| s.user.id));
        customer.with(|c| c.as_ref().is_some_and(|c| c.owner_id.is_some() && c.owner_id == me))
    };
    let release = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = match release_reason(&reason.get_untracked()) {
            Ok(t) => t,
            Err(e) => return error.set(Some(e)),
        };
        let Some(id) = customer.with_untracked(|c| c.as_ref().map(|c| c.id.to_string())) else {
            return;
        };
        queue_and_leave(app, navigate, id, Op::Release { reason: text }, error);
    };
    view! {
        <Show when=mine>
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button id="release" class="secondary danger" on:click=move |_| open.set(true)>{i18n.label(Msg::Release)}</button>
                }
            >
                <form class="release" on:submit=release>
                    <label for="release-reason">{i18n.label(Msg::ReleaseReason)}</label>
                    <input id="release-reason" bind:value=reason required />
                    <Show when=move || error.with(Option::is_some)>
                        <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <div class="actions">
                        <button type="submit" id="confirm-release" class="primary">{i18n.label(Msg::Release)}</button>
                        <button type="button" class="secondary" on:click=move |_| open.set(false)>{i18n.label(Msg::Cancel)}</button>
                    </div>
                </form>
            </Show>
        </Show>
    }
}
