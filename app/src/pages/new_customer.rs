//! Creating a customer; works offline like everything else. Converting a
//! lead lands here too (`?lead=<id>`): the form starts from the lead, the
//! duplicate hints run as for any new customer, and saving also adds the
//! lead's person as a contact and marks the lead converted.

use crate::components::{RecordForm, CUSTOMER_FORM};
use crate::dedup::DuplicateHints;
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::{json, Value};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::pipeline::Lead;

/// The new customer's fields proposed by a lead.
fn from_lead(lead: &Lead) -> FieldMap {
    let kind = if lead.company.is_some() {
        "company"
    } else {
        "individual"
    };
    let Value::Object(fields) = json!({
        "kind": kind,
        "name": lead.customer_name(),
        "phone": lead.phone,
        "email": lead.email,
        "notes": lead.notes,
    }) else {
        return FieldMap::new();
    };
    fields
}

#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let lead_id = use_query_map().with_untracked(|q| q.get("lead"));
    let lead = LocalResource::new(move || {
        let id = lead_id.clone();
        async move {
            let id = id?;
            let record = app.db.get_value().get(EntityKind::Lead, &id).await.ok()??;
            Some((
                record.clone(),
                serde_json::from_value::<Lead>(Value::Object(record)).ok()?,
            ))
        }
    });
    view! {
        <section class="page">
            <a class="back" href="/customers">"‹ "{i18n.label(Msg::Back)}</a>
            <h2>{i18n.label(Msg::NewCustomer)}</h2>
            <Suspense>
                {move || lead.get().map(|lead| view! { <NewCustomerForm lead=lead /> })}
            </Suspense>
        </section>
    }
}

#[component]
fn NewCustomerForm(lead: Option<(FieldMap, Lead)>) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let typed = RwSignal::new(FieldMap::new());
    let initial = lead.as_ref().map(|(_, l)| from_lead(l)).unwrap_or_default();
    let lead = StoredValue::new(lead);
    let on_save = Callback::new(move |mut fields: FieldMap| {
        let owner = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.to_string()));
        fields.insert("owner_id".into(), owner.map(Value::String).unwrap_or(Value::Null));
        let navigate = navigate.clone();
        spawn_local(async move {
            let id = match edits::create(app, EntityKind::Customer, fields).await {
                Ok(id) => id,
                Err(e) => return error.set(Some(e)),
            };
            if let Some((record, lead)) = lead.get_value() {
                if let Err(e) = convert(app, &record, &lead, &id).await {
                    error.set(Some(e));
                }
            }
            navigate(&format!("/customers/{id}"), Default::default());
        });
    });
    view! {
        <RecordForm
            fields=CUSTOMER_FORM
            initial=initial
            id_prefix="customer"
            on_save=on_save
            error=error
            on_change=Callback::new(move |fields| typed.set(fields))
        />
        <DuplicateHints typed=typed.into() />
    }
}

/// After the customer exists: the lead's person becomes a contact (when the
/// lead named a company) and the lead is marked converted.
async fn convert(app: crate::sync::AppCtx, record: &FieldMap, lead: &Lead, customer_id: &str) -> Result<(), String> {
    if lead.company.is_some() {
        let Value::Object(contact) = json!({
            "customer_id": customer_id,
            "name": lead.name,
            "phone": lead.phone,
            "email": lead.email,
        }) else {
            return Ok(());
        };
        edits::create(app, EntityKind::Contact, contact).await?;
    }
    let mut after = FieldMap::new();
    after.insert("status".into(), json!("converted"));
    after.insert("customer_id".into(), json!(customer_id));
    edits::update(app, EntityKind::Lead, record, after).await
}
