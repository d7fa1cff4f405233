//! The field-work part of the admin settings: check-in radius and accuracy,
//! days before a customer counts as quiet, the pipeline's open stages, and
//! whether contracts need approval.

use crate::api;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::pipeline::Stage;
use yingpan_shared::rules::WorkRules;

/// One editable stage row: its stable key, name and probability.
type StageRow = (String, RwSignal<String>, RwSignal<String>);

#[component]
pub fn WorkRulesForm(rules: WorkRules) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let text = |n: u32| RwSignal::new(n.to_string());
    let radius = text(rules.visits.radius_m);
    let accuracy = text(rules.visits.max_accuracy_m);
    let quiet = text(rules.today.quiet_days);
    let approval = RwSignal::new(rules.contracts_need_approval);
    let row = |s: &Stage| -> StageRow {
        (
            s.key.clone(),
            RwSignal::new(s.name.clone()),
            RwSignal::new(s.probability.to_string()),
        )
    };
    let stages = RwSignal::new(rules.funnel.stages.iter().map(row).collect::<Vec<StageRow>>());
    let message = RwSignal::new(None::<(bool, String)>);
    let base = StoredValue::new(rules);
    let add = move |_| {
        let key = format!("stage_{}", js_sys::Date::now() as u64);
        stages.update(|s| s.push((key, RwSignal::new(String::new()), RwSignal::new("50".into()))));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().ok();
        let mut rules = base.get_value();
        let (Some(r), Some(a), Some(q)) = (number(radius), number(accuracy), number(quiet)) else {
            return message.set(Some((false, i18n.t(Msg::WholeNumbers).to_owned())));
        };
        (
            rules.visits.radius_m,
            rules.visits.max_accuracy_m,
            rules.today.quiet_days,
        ) = (r, a, q);
        rules.contracts_need_approval = approval.get_untracked();
        let mut funnel = Vec::new();
        for (key, name, probability) in stages.get_untracked() {
            let Some(p) = number(probability).and_then(|p| u8::try_from(p).ok()) else {
                return message.set(Some((false, i18n.t(Msg::WholeNumbers).to_owned())));
            };
            funnel.push(Stage {
                key,
                name: name.get_untracked().trim().to_owned(),
                probability: p,
            });
        }
        rules.funnel.stages = funnel;
        if let Err(why) = rules.check() {
            return message.set(Some((false, why)));
        }
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            match api::set_work_rules(&token, &rules).await {
                Ok(saved) => {
                    base.set_value(saved);
                    message.set(Some((true, i18n.t(Msg::SavedOk).to_owned())));
                    app.request_sync();
                }
                Err(e) => message.set(Some((false, e.message().unwrap_or("network").to_owned()))),
            }
        });
    };
    view! {
        <form class="settings" id="work-rules" on:submit=save>
            <h3>{i18n.label(Msg::FieldWork)}</h3>
            <label for="radius">{i18n.label(Msg::CheckInRadius)}</label>
            <input id="radius" type="number" min="50" inputmode="numeric" bind:value=radius />
            <label for="accuracy">{i18n.label(Msg::AccuracyLimit)}</label>
            <input id="accuracy" type="number" min="10" inputmode="numeric" bind:value=accuracy />
            <label for="quiet-days">{i18n.label(Msg::QuietDays)}</label>
            <input id="quiet-days" type="number" min="1" inputmode="numeric" bind:value=quiet />
            <label class="inline">
                <input type="checkbox" id="contracts-need-approval" bind:checked=approval />
                {i18n.label(Msg::ContractsNeedApproval)}
            </label>
            <p class="label">{i18n.label(Msg::Stages)}</p>
            <div class="stages">
                {move || stages.get().into_iter().enumerate().map(|(i, (_, name, probability))| view! {
                    <div class="grade-row">
                        <input type="text" class="stage-name" bind:value=name />
                        <input type="number" min="0" max="100" class="stage-probability" bind:value=probability />
                        <button type="button" class="link" on:click=move |_| stages.update(|s| { s.remove(i); })>"×"</button>
                    </div>
                }).collect_view()}
            </div>
            <button type="button" class="secondary" id="add-stage" on:click=add>"+ "{i18n.label(Msg::AddStage)}</button>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } id="work-rules-message">{text}</p> })}
            <div class="actions">
                <button type="submit" class="primary" id="save-work-rules">{i18n.label(Msg::Save)}</button>
            </div>
        </form>
    }
}
