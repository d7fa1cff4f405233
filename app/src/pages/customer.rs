//! One customer: its fields (editable) and its contacts (addable).

use super::field;
use crate::components::{RecordForm, CONTACT_FORM, CUSTOMER_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use serde_json::Value;
use yingpan_shared::entity::{EntityKind, FieldMap};

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
            let mut contacts = db.contacts_of(&id).await.unwrap_or_default();
            contacts.sort_by_key(|c| field(c, "id"));
            (customer, contacts)
        }
    });
    view! {
        <section class="page">
            <a class="back" href="/">"‹ "{move || i18n.t(Msg::Back)}</a>
            <Suspense fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || loaded.get().map(|(customer, contacts)| match customer {
                    None => view! { <p class="empty" id="not-found">{move || i18n.t(Msg::NotFound)}</p> }.into_any(),
                    Some(c) => view! {
                        <CustomerDetails customer=c.clone() />
                        <Contacts customer_id=field(&c, "id") contacts=contacts />
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The customer's fields, with an edit mode.
#[component]
fn CustomerDetails(customer: FieldMap) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let before = StoredValue::new(customer.clone());
    let on_save = Callback::new(move |after: FieldMap| {
        spawn_local(async move {
            match edits::update(app, EntityKind::Customer, &before.get_value(), after).await {
                Ok(()) => {
                    error.set(None);
                    editing.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
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
    let name = field(&customer, "name");
    view! {
        <Show
            when=move || editing.get()
            fallback=move || view! {
                <div class="card">
                    <div class="card-head">
                        <h2 id="customer-name">{name.clone()}</h2>
                        <button id="edit-customer" class="secondary" on:click=move |_| editing.set(true)>{move || i18n.t(Msg::Edit)}</button>
                    </div>
                </div>
            }
        >
            <RecordForm
                fields=CUSTOMER_FORM
                initial=before.get_value()
                id_prefix="customer"
                on_save=on_save
                on_cancel=Callback::new(move |_| editing.set(false))
                error=error
            />
        </Show>
        <Show when=move || !editing.get()>
            <dl class="fields">{rows.clone()}</dl>
        </Show>
    }
}

/// The customer's contacts and a form to add one.
#[component]
fn Contacts(customer_id: String, contacts: Vec<FieldMap>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let adding = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let empty = contacts.is_empty();
    let on_save = Callback::new(move |mut fields: FieldMap| {
        fields.insert("customer_id".into(), Value::String(customer_id.clone()));
        spawn_local(async move {
            match edits::create(app, EntityKind::Contact, fields).await {
                Ok(_) => {
                    error.set(None);
                    adding.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <h3>{move || i18n.t(Msg::Contacts)}</h3>
        {empty.then(|| view! { <p class="empty">{move || i18n.t(Msg::NoContacts)}</p> })}
        <ul class="list contacts">
            {contacts.into_iter().map(|c| {
                let detail = [field(&c, "title"), field(&c, "phone"), field(&c, "email")]
                    .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                let phone = field(&c, "phone");
                view! {
                    <li class="contact-row">
                        <span class="name">{field(&c, "name")}</span>
                        <span class="meta">{detail}</span>
                        {(!phone.is_empty()).then(|| view! { <a class="call" href=format!("tel:{phone}")>"☎"</a> })}
                    </li>
                }
            }).collect_view()}
        </ul>
        <Show
            when=move || adding.get()
            fallback=move || view! {
                <button id="add-contact" class="secondary" on:click=move |_| adding.set(true)>"+ "{move || i18n.t(Msg::AddContact)}</button>
            }
        >
            <RecordForm
                fields=CONTACT_FORM
                initial=FieldMap::new()
                id_prefix="contact"
                on_save=on_save
                on_cancel=Callback::new(move |_| adding.set(false))
                error=error
            />
        </Show>
    }
}
