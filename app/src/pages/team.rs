//! The manager console: the team's numbers, the pool's flow, customers about
//! to return, a rep's departure with a preview of who gets what, and the
//! ownership history. Read from the server, so it needs a connection.

use super::{local_date, local_time, ownership_kind, user_name};
use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::api::{DepartureRequest, HandoverPlan, TeamOverview};
use yingpan_shared::ids::UserId;
use yingpan_shared::pool::Handover;
use yingpan_shared::user::{Role, User};

fn token() -> String {
    use_app()
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let reload = RwSignal::new(0u32);
    // Outlives the form, which is rebuilt when the numbers reload.
    let plan = RwSignal::new(None::<HandoverPlan>);
    let token = token();
    let data = LocalResource::new(move || {
        reload.track();
        let token = token.clone();
        async move {
            let overview = api::team(&token).await?;
            let users = app.db.get_value().users().await.unwrap_or_default();
            Ok::<_, ApiError>((overview, users))
        }
    });
    view! {
        <section class="page wide">
            <h2>{i18n.label(Msg::TeamConsole)}</h2>
            <a class="button" id="open-aging" href="/aging">{i18n.label(Msg::Aging)}</a>
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || data.get().map(|result| match result {
                    Err(ApiError::Unreachable) => view! { <p class="empty">{i18n.label(Msg::NeedsConnection)}</p> }.into_any(),
                    Err(e) => view! { <p class="error">{e.message().unwrap_or("error").to_owned()}</p> }.into_any(),
                    Ok((overview, users)) => view! {
                        <Members overview=overview.clone() />
                        <PoolFlow overview=overview.clone() users=users.clone() />
                        <DepartureForm overview=overview reload=reload plan=plan />
                    }.into_any(),
                })}
            </Transition>
            <ArchivedList reload=reload />
            <HistoryList reload=reload />
        </section>
    }
}

#[component]
fn Members(overview: TeamOverview) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table id="team-table">
                <thead><tr>
                    <th>{i18n.label(Msg::Member)}</th>
                    <th>{i18n.label(Msg::CustomersCount)}</th>
                    <th>{i18n.label(Msg::Activities7)}</th>
                    <th>{i18n.label(Msg::Activities30)}</th>
                    <th>{i18n.label(Msg::Claims30)}</th>
                </tr></thead>
                <tbody>
                    {overview.members.into_iter().map(|m| view! {
                        <tr>
                            <td>{m.user.display_name}</td>
                            <td class="num">{m.customers}</td>
                            <td class="num">{m.activities_7d}</td>
                            <td class="num">{m.activities_30d}</td>
                            <td class="num">{m.claims_30d}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn PoolFlow(overview: TeamOverview, users: Vec<User>) -> impl IntoView {
    let i18n = use_i18n();
    let pool = overview.pool;
    view! {
        <h3>{i18n.label(Msg::Pool)}</h3>
        <p id="pool-size">{i18n.label(Msg::PoolSize)}": "{pool.size}</p>
        <div class="table-wrap">
            <table>
                <thead><tr>
                    <th>{i18n.label(Msg::WeekOf)}</th>
                    <th>{i18n.label(Msg::Inflow)}</th>
                    <th>{i18n.label(Msg::Outflow)}</th>
                </tr></thead>
                <tbody>
                    {pool.weeks.into_iter().map(|w| view! {
                        <tr>
                            <td>{local_date(&w.start.to_rfc3339())}</td>
                            <td class="num">{w.inflow}</td>
                            <td class="num">{w.outflow}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(!pool.returning.is_empty()).then(|| view! {
            <h3>{i18n.label(Msg::ReturningSoon)}</h3>
            <ul class="list">
                {pool.returning.into_iter().map(|r| view! {
                    <li class="customer-row">
                        <span class="name">{r.name}</span>
                        <span class="meta">{user_name(&users, &r.owner.to_string())}" · "{i18n.label(Msg::ReturnsOn)}" "{local_date(&r.at.to_rfc3339())}</span>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

/// Pick the rep who leaves and where their book goes; preview, then confirm.
#[component]
fn DepartureForm(overview: TeamOverview, reload: RwSignal<u32>, plan: RwSignal<Option<HandoverPlan>>) -> impl IntoView {
    let i18n = use_i18n();
    let people: Vec<User> = overview.members.into_iter().map(|m| m.user).collect();
    let reps: Vec<User> = people.iter().filter(|u| u.role == Role::Rep).cloned().collect();
    let leaving = RwSignal::new(String::new());
    let mode = RwSignal::new("spread".to_owned());
    let chosen = RwSignal::new(Vec::<UserId>::new());
    let error = RwSignal::new(None::<String>);
    let people = StoredValue::new(people);
    let request = move |confirm: bool| -> Option<(String, DepartureRequest)> {
        let rep = leaving.get_untracked();
        if rep.is_empty() {
            return None;
        }
        let to = chosen.get_untracked();
        let handover = match mode.get_untracked().as_str() {
            "pool" => Handover::Pool,
            "to_one" => Handover::ToOne { to: *to.first()? },
            _ => Handover::Spread { to },
        };
        Some((rep, DepartureRequest { handover, confirm }))
    };
    let send = move |confirm: bool| {
        let Some((rep, body)) = request(confirm) else { return };
        let token = token();
        error.set(None);
        spawn_local(async move {
            match api::departure(&token, &rep, &body).await {
                Ok(p) => {
                    let done = p.done;
                    plan.set(Some(p));
                    if done {
                        reload.update(|n| *n += 1);
                    }
                }
                Err(e) => error.set(Some(e.message().unwrap_or("network").to_owned())),
            }
        });
    };
    let toggle = move |id: UserId| {
        plan.set(None);
        chosen.update(|c| {
            if mode.get_untracked() == "to_one" {
                c.clear();
                c.push(id);
            } else if let Some(i) = c.iter().position(|x| *x == id) {
                c.remove(i);
            } else {
                c.push(id);
            }
        })
    };
    let name_of = move |id: Option<UserId>| match id {
        None => i18n.t(Msg::ThePool).to_owned(),
        Some(id) => people.with_value(|p| user_name(p, &id.to_string())),
    };
    view! {
        <h3>{i18n.label(Msg::Departure)}</h3>
        <form class="departure" on:submit=move |ev| { ev.prevent_default(); send(false) }>
            <label for="departing">{i18n.label(Msg::DepartingRep)}</label>
            <select id="departing" on:change=move |ev| { leaving.set(event_target_value(&ev)); plan.set(None); }>
                <option value="">{i18n.label(Msg::ChooseRep)}</option>
                {reps.into_iter().map(|r| view! { <option value=r.id.to_string()>{r.display_name}</option> }).collect_view()}
            </select>
            <div class="modes">
                {[("to_one", Msg::ToOne), ("spread", Msg::Spread), ("pool", Msg::ToPool)].into_iter().map(|(value, label)| view! {
                    <label class="inline">
                        <input type="radio" name="mode" id=format!("mode-{value}") value=value
                            prop:checked=move || mode.get() == value
                            on:change=move |_| { mode.set(value.to_owned()); chosen.set(Vec::new()); plan.set(None); } />
                        {i18n.label(label)}
                    </label>
                }).collect_view()}
            </div>
            <Show when=move || mode.get() != "pool">
                <p class="label">{i18n.label(Msg::Receivers)}</p>
                <div class="receivers">
                    {move || people.get_value().into_iter().filter(|p| p.id.to_string() != leaving.get()).map(|p| {
                        let id = p.id;
                        view! {
                            <label class="inline">
                                <input type="checkbox" id=format!("receiver-{}", p.username)
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |_| toggle(id) />
                                {p.display_name.clone()}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button type="submit" id="preview-departure" class="secondary">{i18n.label(Msg::Preview)}</button>
        </form>
        {move || plan.get().map(|p| view! {
            <div class="card plan" id="handover-plan">
                {p.done.then(|| view! { <p class="ok" id="handover-done">{i18n.label(Msg::HandoverDone)}</p> })}
                <p>{p.customers}" "{i18n.label(Msg::CustomersUnit)}" · "{p.records}" "{i18n.label(Msg::RecordsMoved)}</p>
                <ul>
                    {p.shares.iter().map(|s| {
                        let samples = s.sample.join("、");
                        view! {
                            <li class="share">
                                <strong>{name_of(s.to)}</strong>" "{i18n.label(Msg::WillReceive)}" "{s.customers}
                                {s.to.is_some().then(|| view! { " · "{i18n.label(Msg::OwnsAfter)}" "{s.owned_after} })}
                                <div class="meta">{samples}</div>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(!p.done).then(|| view! {
                    <button id="confirm-departure" class="primary danger" on:click=move |_| send(true)>{i18n.label(Msg::ConfirmDeparture)}</button>
                })}
            </div>
        })}
    }
}

/// The newest ownership changes, searchable by customer name.
/// Customers archived in the team (everywhere, for an admin), each with a
/// button that brings it back to its owner's list.
#[component]
fn ArchivedList(reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let token = StoredValue::new(token());
    let error = RwSignal::new(None::<String>);
    let archived = LocalResource::new(move || {
        reload.track();
        let token = token.get_value();
        async move {
            let list = api::archived_customers(&token).await.unwrap_or_default();
            (list, app.db.get_value().users().await.unwrap_or_default())
        }
    });
    let restore = move |id: uuid::Uuid| {
        error.set(None);
        spawn_local(async move {
            match api::restore_customer(&token.get_value(), id).await {
                Ok(()) => {
                    reload.update(|n| *n += 1);
                    app.request_sync();
                }
                Err(e) => error.set(Some(e.message().unwrap_or("error").to_owned())),
            }
        });
    };
    view! {
        <h3>{i18n.label(Msg::ArchivedCustomers)}</h3>
        <Show when=move || error.with(Option::is_some)>
            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
        <Transition>
            {move || archived.get().map(|(list, users)| if list.is_empty() {
                view! { <p class="empty" id="no-archived">{i18n.label(Msg::NoArchived)}</p> }.into_any()
            } else {
                view! {
                    <ul class="cards" id="archived-list">
                        {list.into_iter().map(|c| {
                            let owner = c.owner.map(|o| user_name(&users, &o.to_string())).unwrap_or_else(|| i18n.t(Msg::ThePool).to_owned());
                            let id = c.id;
                            view! {
                                <li class="card row archived-row" data-id=id.to_string()>
                                    <span class="name">{c.name}</span>
                                    <span class="meta">{owner}" · "{local_date(&c.at.to_rfc3339())}</span>
                                    <button class="restore secondary" on:click=move |_| restore(id)>{i18n.label(Msg::Restore)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn HistoryList(reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let query = RwSignal::new(String::new());
    let token = token();
    let history = LocalResource::new(move || {
        reload.track();
        let q = query.get();
        let token = token.clone();
        async move {
            let entries = api::ownership_history(&token, &q, 50).await.unwrap_or_default();
            (entries, app.db.get_value().users().await.unwrap_or_default())
        }
    });
    let party = move |users: &[User], id: Option<UserId>| match id {
        None => i18n.t(Msg::ThePool).to_owned(),
        Some(id) => user_name(users, &id.to_string()),
    };
    view! {
        <h3>{i18n.label(Msg::History)}</h3>
        <input id="history-search" type="search" placeholder=i18n.label(Msg::HistoryHint) bind:value=query />
        <Transition>
            {move || history.get().map(|(entries, users)| view! {
                <ul class="timeline" id="ownership-history">
                    {entries.into_iter().map(|e| {
                        let kind = ownership_kind(e.change.kind);
                        let route = format!("{} → {}", party(&users, e.change.from), party(&users, e.change.to));
                        view! {
                            <li class="ownership-row">
                                <div class="activity-head">
                                    <span class="kind">{i18n.label(kind)}</span>
                                    <time>{local_time(&e.change.at.to_rfc3339())}</time>
                                </div>
                                <p><strong>{e.customer_name}</strong>" · "{route}</p>
                                {e.change.reason.map(|r| view! { <p class="reason">{r}</p> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </Transition>
    }
}
