//! Creating a customer; works offline like everything else.

use crate::components::{RecordForm, CUSTOMER_FORM};
use crate::dedup::DuplicateHints;
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use serde_json::Value;
use yingpan_shared::entity::{EntityKind, FieldMap};

#[component]
pub fn NewCustomerPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let typed = RwSignal::new(FieldMap::new());
    let on_save = Callback::new(move |mut fields: FieldMap| {
        let owner = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.to_string()));
        fields.insert("owner_id".into(), owner.map(Value::String).unwrap_or(Value::Null));
        let navigate = navigate.clone();
        spawn_local(async move {
            match edits::create(app, EntityKind::Customer, fields).await {
                Ok(id) => navigate(&format!("/customers/{id}"), Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section class="page">
            <a class="back" href="/">"‹ "{move || i18n.t(Msg::Back)}</a>
            <h2>{move || i18n.t(Msg::NewCustomer)}</h2>
            <RecordForm
                fields=CUSTOMER_FORM
                initial=FieldMap::new()
                id_prefix="customer"
                on_save=on_save
                error=error
                on_change=Callback::new(move |fields| typed.set(fields))
            />
            <DuplicateHints typed=typed.into() />
        </section>
    }
}
