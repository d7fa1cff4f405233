//! A customer's opportunities: listed with their stage (changeable here as
//! on the board) and a form to add one.

use super::super::field;
use crate::components::{RecordForm, OPPORTUNITY_FORM};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::pages::pipeline::StageSelect;
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use yingpan_shared::entity::{EntityKind, FieldMap};

#[component]
pub fn Deals(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let adding = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let customer_id = StoredValue::new(customer_id);
    let deals = LocalResource::new(move || {
        app.version.track();
        async move {
            let db = app.db.get_value();
            let mut deals = db
                .children_of(EntityKind::Opportunity, &customer_id.get_value())
                .await
                .unwrap_or_default();
            deals.sort_by_key(|d| std::cmp::Reverse(field(d, "id")));
            (deals, db.work_rules().await.unwrap_or_default().funnel)
        }
    });
    let on_save = Callback::new(move |mut fields: FieldMap| {
        fields.insert("customer_id".into(), Value::String(customer_id.get_value()));
        spawn_local(async move {
            let funnel = app.db.get_value().work_rules().await.unwrap_or_default().funnel;
            fields.insert("stage".into(), Value::String(funnel.first().to_owned()));
            match edits::create(app, EntityKind::Opportunity, fields).await {
                Ok(_) => adding.set(false),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <h3>{move || i18n.t(Msg::Opportunities)}</h3>
        <Transition>
            {move || deals.get().map(|(deals, funnel)| view! {
                <ul class="list deals">
                    {deals.into_iter().map(|d| {
                        let amount = field(&d, "amount");
                        view! {
                            <li class="deal-row">
                                <span class="name">{field(&d, "name")}</span>
                                {(!amount.is_empty()).then(|| view! { <span class="amount">"¥"{amount.clone()}</span> })}
                                <StageSelect deal=d.clone() funnel=funnel.clone() />
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </Transition>
        <Show
            when=move || adding.get()
            fallback=move || view! {
                <button id="add-opportunity" class="secondary" on:click=move |_| adding.set(true)>"+ "{move || i18n.t(Msg::NewOpportunity)}</button>
            }
        >
            <RecordForm
                fields=OPPORTUNITY_FORM
                initial=FieldMap::new()
                id_prefix="opportunity"
                on_save=on_save
                on_cancel=Callback::new(move |_| adding.set(false))
                error=error
            />
        </Show>
    }
}
