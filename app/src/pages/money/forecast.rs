//! The receivables forecast (应收账款预计表): what customers are expected
//! to pay month by month, overdue apart. The server's report covers
//! everyone the user sees; offline, the same rule runs over this device's
//! copy. Opening a month lists its customers.

use super::words;
use super::yuan;
use crate::i18n::{use_i18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use yingpan_shared::money::forecast::forecast;
use yingpan_shared::money::report::{ForecastLine, ForecastReport};

/// The forecast from this device's copy, as the server would make it.
async fn local_forecast(app: AppCtx, as_of: chrono::NaiveDate, months: u32) -> ForecastReport {
    let held = super::DeviceMoney::read(app).await;
    let table = forecast(&held.facts(), &held.contracts, as_of, months);
    let lines = table
        .rows
        .into_iter()
        .map(|row| ForecastLine {
            whose: super::whose(app, row.customer_id),
            row,
        })
        .collect();
    ForecastReport::of(as_of, table.months, lines)
}

#[component]
pub fn ForecastPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let months = RwSignal::new(3u32);
    let report = LocalResource::new(move || {
        let months = months.get();
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        let today = crate::device::today();
        async move {
            match crate::api::forecast(&token, today, months).await {
                Ok(report) => (report, false),
                Err(_) => (local_forecast(app, today, months).await, true),
            }
        }
    });
    let opened = RwSignal::new(None::<usize>);
    view! {
        <section class="page forecast">
            <h2>{i18n.say(words::Forecast)}</h2>
            <select id="forecast-months" on:change=move |ev| {
                if let Ok(m) = event_target_value(&ev).parse() {
                    months.set(m);
                }
            }>
                {[3u32, 6, 12].into_iter().map(|m| view! { <option value=m.to_string()>{m}" 月"</option> }).collect_view()}
            </select>
            {move || report.get().map(|(report, local)| {
                let total = report.total.clone();
                let customers = report.customers.clone();
                view! {
                    {local.then(|| view! { <p class="hint">{i18n.say(words::FromThisDevice)}</p> })}
                    <ul class="list months" id="forecast">
                        <li class="month-row overdue"><span class="name">{i18n.label(Msg::PastDue)}</span><span class="amount" id="forecast-overdue">{yuan(total.overdue)}</span></li>
                        {report.months.iter().enumerate().map(|(m, start)| {
                            let customers = customers.clone();
                            let projected = total.projected.get(m).copied().unwrap_or(0);
                            view! {
                                <li class="month-row">
                                    <button type="button" class="row-button" on:click=move |_| opened.update(|o| *o = if *o == Some(m) { None } else { Some(m) })>
                                        <span class="name">{start.format("%Y-%m").to_string()}</span>
                                        <span class="amount">{yuan(total.months.get(m).copied().unwrap_or(0))}</span>
                                        {(projected > 0).then(|| view! { <span class="status">{i18n.say(words::Projected)}" "{yuan(projected)}</span> })}
                                    </button>
                                    {move || (opened.get() == Some(m)).then(|| view! {
                                        <ul class="list behind">
                                            {customers.iter().filter(|l| l.row.months.get(m).copied().unwrap_or(0) != 0).map(|l| view! {
                                                <li class="behind-row"><a href=format!("/customers/{}", l.whose.customer_id)>
                                                    <span class="name">{l.whose.name.clone()}</span>
                                                    <span class="amount">{yuan(l.row.months[m])}</span>
                                                </a></li>
                                            }).collect_view()}
                                        </ul>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                        <li class="month-row"><span class="name">{i18n.say(words::Later)}</span><span class="amount">{yuan(total.later + total.undated)}</span></li>
                    </ul>
                }
            })}
        </section>
    }
}
