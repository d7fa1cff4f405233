//! Today (今日): the rep's home. Follow-ups overdue, due today and tomorrow,
//! customers gone quiet, contacts' birthdays this week, and customers the
//! pool will take back soon. All from the phone's cache, so it works
//! offline; the rules are the shared ones.

use super::customers::ReturningSoon;
use crate::device::utc_offset_minutes;
use crate::i18n::{use_i18n, Msg};
use crate::memory::Memory;
use crate::sync::use_app;
use chrono::NaiveDate;
use chrono::{DateTime, NaiveTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::UserId;
use yingpan_shared::pipeline::{Funnel, Standing};
use yingpan_shared::today::{local_date, today_view, Account, Birthday, Due, Person, Quiet, Today, TodayRules, Touch};

/// How many quiet customers to list (the quietest).
const QUIET_SHOWN: usize = 20;

/// Today's lists from the records in memory; runs again when customers,
/// activities, contacts or opportunities change.
fn gather(app: crate::sync::AppCtx) -> Today {
    let rules = app.work_rules.with(|r| r.today);
    let me = app.session.with(|s| s.as_ref().map(|s| s.user.id));
    let kinds = [
        EntityKind::Customer,
        EntityKind::Activity,
        EntityKind::Contact,
        EntityKind::Opportunity,
    ];
    app.read(&kinds, |m| today_of(m, &rules, me))
}

/// Today's lists for `me` from the records in memory.
pub fn today_of(m: &Memory, rules: &TodayRules, me: Option<UserId>) -> Today {
    let offset = utc_offset_minutes();
    let today = local_date(crate::device::now(), offset);
    {
        let mut last_order = HashMap::<Uuid, DateTime<Utc>>::new();
        for deal in m.opportunities.values() {
            if Funnel::standing(deal.stage.as_str()) != Standing::Won {
                continue;
            }
            if let Some(day) = deal.close_date {
                // Noon UTC falls on the same date in every time zone.
                let at = day
                    .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN))
                    .and_utc();
                let slot = last_order.entry(deal.customer_id).or_insert(at);
                *slot = (*slot).max(at);
            }
        }
        let accounts: Vec<Account> = m
            .customers
            .values()
            .filter(|c| c.owner_id.is_some() && c.owner_id == me)
            .map(|c| Account {
                id: c.id,
                name: c.name.as_str().to_owned(),
                since: c.owner_since,
                last_order: last_order.get(&c.id).copied(),
            })
            .collect();
        let touches: Vec<Touch> = m
            .activities
            .values()
            .map(|a| Touch {
                customer_id: a.customer_id,
                at: a.at,
                next_follow_up: a.next_follow_up,
            })
            .collect();
        let people: Vec<Person> = m
            .contacts
            .values()
            .filter_map(|c| {
                Some(Person {
                    customer_id: c.customer_id,
                    name: c.name.as_str().to_owned(),
                    birthday: c.birthday?,
                })
            })
            .collect();
        let mut view = today_view(rules, today, offset, &accounts, &touches, &people);
        view.quiet.truncate(QUIET_SHOWN);
        view
    }
}

/// Rows each Today list shows at first; "show more" adds as many again.
const ROWS: usize = 20;

/// A list as drawn: its first rows and how long it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Part<T> {
    rows: Vec<T>,
    total: usize,
}

impl<T: Clone> Part<T> {
    fn of(all: &[T], limit: usize) -> Part<T> {
        Part {
            rows: all.iter().take(limit).cloned().collect(),
            total: all.len(),
        }
    }
}

/// Today as drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Drawn {
    overdue: Part<Due>,
    today: Part<Due>,
    tomorrow: Part<Due>,
    quiet: Vec<Quiet>,
    birthdays: Vec<Birthday>,
}

impl Drawn {
    fn of(t: &Today, limit: usize) -> Drawn {
        Drawn {
            overdue: Part::of(&t.overdue, limit),
            today: Part::of(&t.today, limit),
            tomorrow: Part::of(&t.tomorrow, limit),
            quiet: t.quiet.clone(),
            birthdays: t.birthdays.clone(),
        }
    }
}

/// Today as last drawn, with everything it was computed from: the next
/// start draws it at once, before the records are read into memory, when
/// nothing it depends on has changed since (no write to the cache, the
/// same day, person, rules and time zone). It is then computed again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Saved {
    /// The app build that drew it (a new build may draw Today otherwise).
    build: String,
    generation: u64,
    date: NaiveDate,
    offset: i32,
    user: Option<UserId>,
    rules: TodayRules,
    drawn: Drawn,
}

#[component]
pub fn TodayPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let limit = RwSignal::new(ROWS);
    let live = Memo::new(move |_| app.loaded.get().then(|| gather(app)));
    // What this start may draw before the records are read.
    let saved = LocalResource::new(move || async move {
        let db = app.db.get_value();
        let generation = db.generation().await.ok()?;
        let saved: Saved = db.today_snapshot().await.ok().flatten()?;
        (saved.generation == generation && saved.build == crate::device::build_id()).then_some(saved)
    });
    let facts = move || {
        let offset = utc_offset_minutes();
        let date = local_date(crate::device::now(), offset);
        let user = app.session.with(|s| s.as_ref().map(|s| s.user.id));
        (date, offset, user, app.work_rules.with(|r| r.today))
    };
    let drawn = Memo::new(move |_| match live.get() {
        Some(today) => Some(Drawn::of(&today, limit.get())),
        None => {
            let (date, offset, user, rules) = facts();
            saved
                .get()
                .flatten()
                .filter(|s| (s.date, s.offset, s.user, s.rules) == (date, offset, user, rules))
                .map(|s| s.drawn)
        }
    });
    // Each new view is saved for the next start, tagged with the write
    // count of the records it was computed from.
    // Saved again whenever the records move on, even if the view did not.
    let last_saved = StoredValue::new_local(None::<(u64, Drawn)>);
    Effect::new(move |_| {
        let Some(today) = live.get() else { return };
        let generation = app.written.get();
        let key = (generation, Drawn::of(&today, ROWS));
        if last_saved.with_value(|l| l.as_ref() == Some(&key)) {
            return;
        }
        let (date, offset, user, rules) = untrack(facts);
        let snapshot = Saved {
            build: crate::device::build_id(),
            generation,
            date,
            offset,
            user,
            rules,
            drawn: key.1.clone(),
        };
        last_saved.set_value(Some(key));
        spawn_local(async move {
            let _ = app.db.get_value().set_today_snapshot(generation, &snapshot).await;
        });
    });
    let open_visit = LocalResource::new(move || {
        app.version.track();
        async move { app.db.get_value().open_visit().await.ok().flatten() }
    });
    // Receivables to remind of and past due, computed in the money pages'
    // chunk once Today is drawn.
    let money = LocalResource::new(move || {
        crate::pages::money::track_money(app);
        async move { crate::pages::money::chase::money_lists(app).await }
    });
    let more = move || {
        // Once live: the lists can grow past what was saved.
        (app.loaded.get()).then(|| {
            view! {
                <button class="secondary more" on:click=move |_| limit.update(|n| *n += ROWS * 5)>
                    {i18n.label(Msg::ShowMore)}
                </button>
            }
        })
    };
    view! {
        <section class="page" id="today">
            <Transition>
                {move || open_visit.get().flatten().map(|v| view! {
                    <a class="card banner" id="open-visit" href=format!("/customers/{}", v.customer_id)>
                        {i18n.label(Msg::CheckedInElsewhere)}" "<strong>{v.customer_name.clone()}</strong>
                    </a>
                })}
            </Transition>
            <h2>{i18n.label(Msg::Today)}</h2>
            {move || match drawn.get() {
                None => view! { <p>{i18n.label(Msg::Loading)}</p> }.into_any(),
                Some(t) => {
                    let nothing = t.overdue.total == 0 && t.today.total == 0 && t.tomorrow.total == 0
                        && t.quiet.is_empty() && t.birthdays.is_empty();
                    let cut = [&t.overdue, &t.today, &t.tomorrow].iter().any(|p| p.rows.len() < p.total);
                    view! {
                        {nothing.then(|| view! { <p class="empty" id="all-clear">{i18n.label(Msg::AllClear)}</p> })}
                        <DueList id="overdue" title=Msg::Overdue part=t.overdue />
                        <DueList id="due-today" title=Msg::DueToday part=t.today />
                        <DueList id="due-tomorrow" title=Msg::DueTomorrow part=t.tomorrow />
                        {cut.then(more)}
                        {(!t.quiet.is_empty()).then(|| view! {
                            <div class="card" id="quiet">
                                <h3>{i18n.label(Msg::GoneQuiet)}</h3>
                                <ul class="list">
                                    {t.quiet.into_iter().map(|q| view! {
                                        <li><a class="today-row" href=format!("/customers/{}", q.customer_id)>
                                            <span class="name">{q.name}</span>
                                            <span class="meta">{q.days}" "{i18n.label(Msg::DaysWithoutContact)}</span>
                                        </a></li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        })}
                        {(!t.birthdays.is_empty()).then(|| view! {
                            <div class="card" id="birthdays">
                                <h3>{i18n.label(Msg::Birthdays)}</h3>
                                <ul class="list">
                                    {t.birthdays.into_iter().map(|b| view! {
                                        <li><a class="today-row" href=format!("/customers/{}", b.customer_id)>
                                            <span class="name">{b.name}</span>
                                            <span class="meta">{b.customer_name}" · "{b.on.format("%m-%d").to_string()}</span>
                                        </a></li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        })}
                    }.into_any()
                }
            }}
            {move || money.get().map(|(remind, overdue)| view! {
                <DueList id="money-overdue" title=Msg::OverdueReceivables part=Part::of(&overdue, ROWS) />
                <DueList id="money-remind" title=Msg::ToRemind part=Part::of(&remind, ROWS) />
            })}
            <Show when=move || app.loaded.get()>
                <ReturningSoon />
            </Show>
        </section>
    }
}

#[component]
fn DueList(id: &'static str, title: Msg, part: Part<Due>) -> impl IntoView {
    let i18n = use_i18n();
    let Part { rows, total } = part;
    (total > 0).then(|| {
        view! {
            <div class=format!("card due {id}") id=id>
                <h3>{i18n.label(title)}<span class="count">{total}</span></h3>
                <ul class="list">
                    {rows.into_iter().map(|d| view! {
                        <li><a class="today-row" href=format!("/customers/{}", d.customer_id)>
                            <span class="name">{d.name}</span>
                            <span class="meta">{d.due.to_string()}
                                {(d.days_late > 0).then(|| {
                                    let unit = if d.days_late == 1 { Msg::DayLate } else { Msg::DaysLate };
                                    format!(" · {} {}", d.days_late, i18n.t(unit))
                                })}
                            </span>
                        </a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}
