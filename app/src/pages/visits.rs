//! Visits by day (外勤记录): a manager sees the team's check-ins of one day,
//! rep by rep, with their flags and photos; a rep sees their own. Read from
//! the cache, which holds whatever the viewer may see. A rep can also list
//! their customers nearest to where they stand, to go and check in.

use super::customer::activity::VisitDetails;
use super::customer::checkin::no_fix_message;
use super::{local_time, user_name};
use crate::device::utc_offset_minutes;
use crate::device::{locate, NoFix};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use yingpan_shared::activity::Activity;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::today::local_date;
use yingpan_shared::visit::{format_distance, nearest, GeoPoint};

#[component]
pub fn VisitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let day = RwSignal::new(crate::device::today().to_string());
    let visits = Memo::new(move |_| {
        let Ok(day) = day.get().parse::<NaiveDate>() else {
            return Vec::new();
        };
        let offset = utc_offset_minutes();
        app.users.with(|users| {
            app.read(&[EntityKind::Activity, EntityKind::Customer], |m| {
                let mut by_rep: BTreeMap<String, Vec<(Activity, String)>> = BTreeMap::new();
                for a in m.activities.values() {
                    if a.visit.is_none() || local_date(a.at, offset) != day {
                        continue;
                    }
                    let rep = a.by.map(|b| user_name(users, &b.to_string())).unwrap_or_default();
                    let customer = m.customers.get(&a.customer_id).map(|c| c.name.as_str().to_owned());
                    by_rep
                        .entry(rep)
                        .or_default()
                        .push((a.clone(), customer.unwrap_or_default()));
                }
                let mut groups: Vec<(String, Vec<(Activity, String)>)> = by_rep.into_iter().collect();
                for (_, visits) in &mut groups {
                    visits.sort_by_key(|(a, _)| a.at);
                }
                groups
            })
        })
    });
    view! {
        <section class="page" id="visits">
            <div class="toolbar">
                <h2>{i18n.label(Msg::Visits)}</h2>
                <input id="visit-day" type="date" bind:value=day />
            </div>
            <Nearby />
            {move || {
                    let groups = visits.get();
                    if groups.is_empty() {
                        return view! { <p class="empty">{i18n.label(Msg::NoVisits)}</p> }.into_any();
                    }
                    groups.into_iter().map(|(rep, visits)| view! {
                        <div class="card rep-visits">
                            <h3>{rep}<span class="count">{visits.len()}</span></h3>
                            <ul class="list">
                                {visits.into_iter().map(|(a, customer)| view! {
                                    <li class="visit-row">
                                        <div class="activity-head">
                                            <a class="name" href=format!("/customers/{}", a.customer_id)>{customer}</a>
                                            <time>{local_time(&a.at.to_rfc3339())}</time>
                                        </div>
                                        <p>{a.content.as_str().to_owned()}</p>
                                        <VisitDetails activity=a />
                                    </li>
                                }).collect_view()}
                            </ul>
                        </div>
                    }).collect_view().into_any()
            }}
        </section>
    }
}

/// How many nearby customers to offer.
const NEARBY_SHOWN: usize = 8;

/// "Visit a nearby customer": the rep's own customers closest to where the
/// phone is, to open one and check in.
#[component]
fn Nearby() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let busy = RwSignal::new(false);
    let found = RwSignal::new(None::<Result<Vec<(String, String, f64)>, NoFix>>);
    let look = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = match locate().await {
                Ok((here, _)) => {
                    let me = app.session.with_untracked(|s| s.as_ref().map(|s| s.user.id));
                    let placed: Vec<((String, String), GeoPoint)> = app.memory.with_value(|m| {
                        m.customers
                            .values()
                            .filter(|c| c.owner_id.is_some() && c.owner_id == me)
                            .filter_map(|c| Some(((c.id.to_string(), c.name.as_str().to_owned()), c.location?)))
                            .collect()
                    });
                    Ok(nearest(here, placed, NEARBY_SHOWN)
                        .into_iter()
                        .map(|((id, name), d)| (id, name, d))
                        .collect())
                }
                Err(why) => Err(why),
            };
            found.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <button id="nearby" class="secondary wide" disabled=move || busy.get() on:click=look>
            {move || i18n.t(if busy.get() { Msg::Locating } else { Msg::NearbyCustomers })}
        </button>
        {move || found.get().map(|r| match r {
            Ok(list) if list.is_empty() => view! { <p class="empty">{i18n.label(Msg::NoneNearby)}</p> }.into_any(),
            Ok(list) => view! {
                <ul class="list" id="nearby-list">
                    {list.into_iter().map(|(id, name, d)| view! {
                        <li><a class="today-row" href=format!("/customers/{id}")>
                            <span class="name">{name}</span>
                            <span class="meta">{format_distance(d)}</span>
                        </a></li>
                    }).collect_view()}
                </ul>
            }.into_any(),
            Err(why) => view! { <p class="error" role="alert">{i18n.label(no_fix_message(why))}</p> }.into_any(),
        })}
    }
}
