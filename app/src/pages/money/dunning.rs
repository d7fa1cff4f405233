//! Dunning on a customer's page, offline: the letters sent (resolved once
//! everything they list is paid, or postponed with a reason), and the
//! next letter when one is due, by the company's levels. The server
//! decides the letter's level and what it lists when it syncs; the phone
//! shows the same rule's answer before.

use super::words;
use super::{fields_of, yuan};
use crate::edits;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::money::book::Book;
use yingpan_shared::money::dunning::{letter_due, resolved, Letter};

#[component]
pub fn CustomerDunning(book: Book, customer: Uuid, today: chrono::NaiveDate) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let levels = app.work_rules.get_untracked().money.dunning;
    let ledger = book.ledger();
    let owed = |i: &yingpan_shared::money::receivable::Installment| ledger.outstanding(i);
    let due = letter_due(&levels, &book.letters, &book.installments, &owed, today);
    let outstanding = |id: Uuid| book.installments.iter().find(|i| i.id == id).map_or(0, owed);
    let mut letters: Vec<(Letter, bool, i64)> = book
        .letters
        .iter()
        .map(|l| {
            let left: i64 = l.installments.iter().map(|i| outstanding(*i).max(0)).sum();
            (l.clone(), resolved(l, &outstanding), left)
        })
        .collect();
    letters.sort_by_key(|(l, _, _)| std::cmp::Reverse((l.date, l.level)));
    let message = RwSignal::new(None::<String>);
    let navigate = leptos_router::hooks::use_navigate();
    let next = due.as_ref().map(|(n, _)| *n);
    let make = move |_| {
        let navigate = navigate.clone();
        let letter = Letter {
            id: Uuid::nil(),
            customer_id: customer,
            level: due.as_ref().map_or(0, |d| d.0),
            installments: due.as_ref().map(|d| d.1.clone()).unwrap_or_default(),
            date: today,
            postponed_until: None,
            reason: String::new(),
            by: None,
        };
        spawn_local(async move {
            match edits::create(app, EntityKind::Dunning, fields_of(&letter)).await {
                Ok(id) => navigate(&format!("/print/dunning/{id}"), Default::default()),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    let level_name = {
        let levels = levels.clone();
        move |n: usize| levels.get(n).map(|l| l.name.clone()).unwrap_or_default()
    };
    let next = next.map(&level_name);
    view! {
        <h4>{i18n.label(Msg::Dunning)}</h4>
        <ul class="list letters" id="letters">
            {letters.into_iter().map(|(l, done, left)| {
                let state = if done {
                    i18n.tr(words::LetterResolved).to_owned()
                } else if let Some(until) = l.postponed_until.filter(|u| *u > today) {
                    format!("{} {until}", i18n.tr(words::PostponedUntil))
                } else {
                    i18n.tr(words::LetterOpen).to_owned()
                };
                view! {
                    <li class="letter-row" class:resolved=done>
                        <a href=format!("/print/dunning/{}", l.id)>
                            <span class="name">{l.date.to_string()}" "{level_name(l.level)}</span>
                            <span class="status">{state}</span>
                            <span class="amount">{yuan(left)}</span>
                        </a>
                        {(!done).then(|| view! { <Postpone letter=l.clone() /> })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {match next {
            Some(name) => view! {
                <button type="button" id="make-letter" on:click=make>{i18n.say(words::MakeLetter)}"："{name}</button>
            }.into_any(),
            None => view! { <p class="hint" id="no-letter-due">{i18n.say(words::NoLetterDue)}</p> }.into_any(),
        }}
        {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
    }
}

/// Holds a letter back until a date, with the reason.
#[component]
fn Postpone(letter: Letter) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let open = RwSignal::new(false);
    let until = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let save = move |_| {
        let Ok(date) = until.get_untracked().parse::<chrono::NaiveDate>() else {
            message.set(Some(i18n.tr(words::PostponedUntil).to_owned()));
            return;
        };
        let after = Letter {
            postponed_until: Some(date),
            reason: reason.get_untracked(),
            ..letter.clone()
        };
        super::save_edit(app, EntityKind::Dunning, &letter, &after, message);
        open.set(false);
    };
    view! {
        <button type="button" class="postpone" on:click=move |_| open.update(|o| *o = !*o)>{i18n.say(words::Postpone)}</button>
        {move || open.get().then(|| view! {
            <div class="postpone-form">
                <label>{i18n.say(words::PostponedUntil)}<input type="date" bind:value=until /></label>
                <label>{i18n.say(words::CreditReason)}<input type="text" bind:value=reason /></label>
                <button type="button" on:click=save.clone()>{i18n.label(Msg::Save)}</button>
            </div>
        })}
        {move || message.get().map(|m| view! { <p class="error">{m}</p> })}
    }
}
