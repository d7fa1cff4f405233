//! Money statistics with charts: a year's receipts beside the receivables
//! raised and settled, month by month; what was received by payment method
//! and by rep; refunds; for finance, payments to suppliers by month and
//! method. Charts are plain SVG, each with its numbers in a
//! table beside it. The server's figures cover everyone the user sees;
//! they need a connection.

use super::words;
use super::{method_label, yuan};
use crate::i18n::{use_i18n, Msg};
use crate::pages::user_name;
use crate::sync::use_app;
use chrono::Datelike;
use leptos::prelude::*;
use yingpan_shared::money::stats::{bar, Stats};

/// The chart's width and bar area's height, in SVG units.
const WIDTH: u32 = 336;
const HEIGHT: u32 = 140;

#[component]
pub fn StatsPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let year = RwSignal::new(crate::device::today().year());
    let stats = LocalResource::new(move || {
        let year = year.get();
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        async move { crate::api::money_stats(&token, year).await.ok() }
    });
    view! {
        <section class="page stats">
            <h2>{i18n.say(words::MoneyStats)}</h2>
            <div class="aging-controls">
                <button type="button" on:click=move |_| year.update(|y| *y -= 1)>"‹"</button>
                <b id="stats-year">{move || year.get()}</b>
                <button type="button" on:click=move |_| year.update(|y| *y += 1)>"›"</button>
            </div>
            {move || stats.get().map(|s| match s {
                None => view! { <p class="empty">{i18n.label(Msg::NeedsConnection)}</p> }.into_any(),
                Some(s) => view! { <StatsView stats=s /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn StatsView(stats: Stats) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let users = app.users.get_untracked();
    let max = stats
        .months
        .iter()
        .map(|m| m.received.max(m.raised).max(m.paid))
        .max()
        .unwrap_or(0);
    let slot = WIDTH / 12;
    let third = slot / 3;
    let bars = stats.months.iter().enumerate().map(|(m, f)| {
        let x = m as u32 * slot;
        let (received, raised, paid) = (bar(f.received, max, HEIGHT), bar(f.raised, max, HEIGHT), bar(f.paid, max, HEIGHT));
        view! {
            <rect class="raised" x=x + 1 y=HEIGHT - raised width=third - 1 height=raised><title>{yuan(f.raised)}</title></rect>
            <rect class="received" x=x + third y=HEIGHT - received width=third - 1 height=received><title>{yuan(f.received)}</title></rect>
            <rect class="paid" x=x + 2 * third y=HEIGHT - paid width=third - 1 height=paid><title>{yuan(f.paid)}</title></rect>
            <text x=x + slot / 2 y=HEIGHT + 14 text-anchor="middle">{m + 1}</text>
        }
    }).collect_view();
    let method_max = stats.by_method.first().map_or(0, |m| m.1);
    let rep_max = stats.by_rep.first().map_or(0, |r| r.1);
    let hbar = move |fen: i64, max: i64| {
        let width = bar(fen, max, WIDTH - 120);
        view! { <svg class="hbar" width=WIDTH - 120 height="12" role="img"><rect x="0" y="0" width=width height="12"></rect></svg> }
    };
    view! {
        <figure class="chart" id="chart-months">
            <svg viewBox=format!("0 0 {WIDTH} {}", HEIGHT + 18) role="img" aria-label=i18n.tr(words::MoneyStats)>{bars}</svg>
            <figcaption><span class="legend raised"></span>{i18n.say(words::Raised)}" "<span class="legend received"></span>{i18n.say(words::Received)}" "<span class="legend paid"></span>{i18n.say(words::Paid)}</figcaption>
        </figure>
        <table class="figures" id="stats-months">
            <thead><tr><th></th><th>{i18n.say(words::Received)}</th><th>{i18n.say(words::Raised)}</th><th>{i18n.say(words::SettledMonth)}</th><th>{i18n.say(words::Refunded)}</th><th>{i18n.say(words::Paid)}</th></tr></thead>
            <tbody>
                {stats.months.iter().enumerate().map(|(m, f)| view! {
                    <tr><th>{m + 1}</th><td>{yuan(f.received)}</td><td>{yuan(f.raised)}</td><td>{yuan(f.settled)}</td><td>{yuan(f.refunded)}</td><td>{yuan(f.paid)}</td></tr>
                }).collect_view()}
                <tr class="total"><th>{i18n.say(words::Total)}</th><td id="stats-received">{yuan(stats.total.received)}</td><td>{yuan(stats.total.raised)}</td><td>{yuan(stats.total.settled)}</td><td>{yuan(stats.total.refunded)}</td><td id="stats-paid">{yuan(stats.total.paid)}</td></tr>
            </tbody>
        </table>
        <h3>{i18n.say(words::ByMethod)}</h3>
        <ul class="list bars" id="stats-methods">
            {stats.by_method.iter().map(|(method, fen)| view! {
                <li class="bar-row"><span class="name">{i18n.label(method_label(*method))}</span>{hbar(*fen, method_max)}<span class="amount">{yuan(*fen)}</span></li>
            }).collect_view()}
        </ul>
        {(!stats.paid_by_method.is_empty()).then(|| {
            let paid_max = stats.paid_by_method.first().map_or(0, |m| m.1);
            view! {
                <h3>{i18n.say(words::PaidByMethod)}</h3>
                <ul class="list bars" id="stats-paid-methods">
                    {stats.paid_by_method.iter().map(|(method, fen)| view! {
                        <li class="bar-row"><span class="name">{i18n.label(method_label(*method))}</span>{hbar(*fen, paid_max)}<span class="amount">{yuan(*fen)}</span></li>
                    }).collect_view()}
                </ul>
            }
        })}
        <h3>{i18n.say(words::ByRep)}</h3>
        <ul class="list bars" id="stats-reps">
            {stats.by_rep.iter().map(|(rep, fen)| view! {
                <li class="bar-row">
                    <span class="name">{rep.map(|r| user_name(&users, &r.to_string())).unwrap_or_else(|| i18n.t(Msg::Pool).to_owned())}</span>
                    {hbar(*fen, rep_max)}
                    <span class="amount">{yuan(*fen)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}
