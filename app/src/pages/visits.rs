//! Visits by day (外勤记录): a manager sees the team's check-ins of one day,
//! rep by rep, with their flags and photos; a rep sees their own. Read from
//! the cache, which holds whatever the viewer may see.

use super::customer::activity::VisitDetails;
use super::{field, local_time, user_name};
use crate::device::utc_offset_minutes;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::today::local_date;

fn today() -> NaiveDate {
    let now = DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    local_date(now, utc_offset_minutes())
}

#[component]
pub fn VisitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let day = RwSignal::new(today().to_string());
    let visits = LocalResource::new(move || {
        app.version.track();
        let day = day.get();
        async move {
            let db = app.db.get_value();
            let Ok(day) = day.parse::<NaiveDate>() else {
                return (Vec::new(), Vec::new());
            };
            let offset = utc_offset_minutes();
            let names: HashMap<String, String> = db
                .all(EntityKind::Customer)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|c| (field(&c, "id"), field(&c, "name")))
                .collect();
            let users = db.users().await.unwrap_or_default();
            let mut by_rep: BTreeMap<String, Vec<(FieldMap, String)>> = BTreeMap::new();
            for a in db.all(EntityKind::Activity).await.unwrap_or_default() {
                let on_day = field(&a, "at")
                    .parse::<DateTime<Utc>>()
                    .is_ok_and(|at| local_date(at, offset) == day);
                if !on_day || a.get("visit").is_none_or(serde_json::Value::is_null) {
                    continue;
                }
                let rep = user_name(&users, &field(&a, "by"));
                let customer = names.get(&field(&a, "customer_id")).cloned().unwrap_or_default();
                by_rep.entry(rep).or_default().push((a, customer));
            }
            let mut groups: Vec<(String, Vec<(FieldMap, String)>)> = by_rep.into_iter().collect();
            for (_, visits) in &mut groups {
                visits.sort_by_key(|(a, _)| field(a, "at"));
            }
            (groups, users)
        }
    });
    view! {
        <section class="page" id="visits">
            <div class="toolbar">
                <h2>{move || i18n.t(Msg::Visits)}</h2>
                <input id="visit-day" type="date" bind:value=day />
            </div>
            <Transition fallback=move || view! { <p>{move || i18n.t(Msg::Loading)}</p> }>
                {move || visits.get().map(|(groups, _)| {
                    if groups.is_empty() {
                        return view! { <p class="empty">{move || i18n.t(Msg::NoVisits)}</p> }.into_any();
                    }
                    groups.into_iter().map(|(rep, visits)| view! {
                        <div class="card rep-visits">
                            <h3>{rep}<span class="count">{visits.len()}</span></h3>
                            <ul class="list">
                                {visits.into_iter().map(|(a, customer)| view! {
                                    <li class="visit-row">
                                        <div class="activity-head">
                                            <a class="name" href=format!("/customers/{}", field(&a, "customer_id"))>{customer}</a>
                                            <time>{local_time(&field(&a, "at"))}</time>
                                        </div>
                                        <p>{field(&a, "content")}</p>
                                        <VisitDetails activity=a />
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    }).collect_view().into_any()
                })}
            </Transition>
        </section>
    }
}
