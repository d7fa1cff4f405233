//! A customer's opportunities: listed with their stage (changeable here as
//! on the board) and a form to add one.

use crate::components::{AddRecord, OPPORTUNITY_FORM};
use crate::i18n::{use_i18n, Msg};
use crate::pages::pipeline::StageSelect;
use crate::sync::use_app;
use leptos::prelude::*;
use serde_json::Value;
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};

#[component]
pub fn Deals(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let customer: Option<Uuid> = customer_id.parse().ok();
    let deals = Memo::new(move |_| {
        let funnel = app.work_rules.with(|r| r.funnel.clone());
        let mut deals = match customer {
            Some(id) => app.read(&[EntityKind::Opportunity], |m| m.opportunities_of(id)),
            None => Vec::new(),
        };
        deals.reverse();
        (deals, funnel)
    });
    // A new opportunity is at the customer, in the funnel's first stage.
    let with = Callback::new(move |()| {
        let mut fields = FieldMap::new();
        fields.insert("customer_id".into(), Value::String(customer_id.clone()));
        let first = app.work_rules.with_untracked(|r| r.funnel.first().to_owned());
        fields.insert("stage".into(), Value::String(first));
        fields
    });
    view! {
        <h3>{i18n.label(Msg::Opportunities)}</h3>
        <ul class="list deals">
            {move || {
                let (deals, funnel) = deals.get();
                deals.into_iter().map(|d| {
                    let amount = d.amount;
                    let fields = match serde_json::to_value(&d) {
                        Ok(Value::Object(fields)) => fields,
                        _ => FieldMap::new(),
                    };
                    view! {
                        <li class="deal-row">
                            <span class="name">{d.name.as_str().to_owned()}</span>
                            {amount.map(|a| view! { <span class="amount">{move || crate::pages::money_short(i18n, a)}</span> })}
                            <StageSelect deal=fields funnel=funnel.clone() />
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
        <AddRecord kind=EntityKind::Opportunity fields=OPPORTUNITY_FORM id_prefix="opportunity" label=Msg::NewOpportunity with=with />
    }
}
