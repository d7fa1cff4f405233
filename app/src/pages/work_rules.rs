//! The field-work part of the admin settings: check-in radius and accuracy,
//! days before a customer counts as quiet, the pipeline's open stages,
//! whether contracts need approval, the aging buckets and the dunning
//! levels.

use crate::api;
use crate::i18n::{use_i18n, Msg};
use crate::pages::money::words;
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::money::aging::Boundaries;
use yingpan_shared::money::dunning::{Actor, Level};
use yingpan_shared::pipeline::Stage;
use yingpan_shared::rules::WorkRules;

/// One editable stage row: its stable key, name and probability.
type StageRow = (String, RwSignal<String>, RwSignal<String>);

/// One editable dunning level: its name, days past due and who sends it.
type LevelRow = (RwSignal<String>, RwSignal<String>, RwSignal<String>);

fn actor_key(actor: Actor) -> &'static str {
    match actor {
        Actor::Rep => "rep",
        Actor::Manager => "manager",
        Actor::Finance => "finance",
    }
}

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
    let boundaries = RwSignal::new(
        rules
            .money
            .aging
            .days()
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    let level_row = |l: &Level| -> LevelRow {
        (
            RwSignal::new(l.name.clone()),
            RwSignal::new(l.days.to_string()),
            RwSignal::new(actor_key(l.actor).to_owned()),
        )
    };
    let levels = RwSignal::new(rules.money.dunning.iter().map(level_row).collect::<Vec<LevelRow>>());
    let add_level = move |_| {
        levels.update(|l| {
            l.push((
                RwSignal::new(String::new()),
                RwSignal::new("90".into()),
                RwSignal::new("finance".into()),
            ))
        })
    };
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
        let days: Option<Vec<u32>> = boundaries
            .get_untracked()
            .split([',', '，', ' '])
            .filter(|d| !d.trim().is_empty())
            .map(|d| d.trim().parse().ok())
            .collect();
        match days.map(Boundaries::try_from) {
            Some(Ok(b)) => rules.money.aging = b,
            Some(Err(why)) => return message.set(Some((false, why))),
            None => return message.set(Some((false, i18n.t(Msg::WholeNumbers).to_owned()))),
        }
        let mut dunning = Vec::new();
        for (name, days, actor) in levels.get_untracked() {
            let Ok(days) = days.get_untracked().trim().parse::<i32>() else {
                return message.set(Some((false, i18n.t(Msg::WholeNumbers).to_owned())));
            };
            // What an earlier level had beyond these (its channel, its own
            // template) is kept by position.
            let kept = rules.money.dunning.get(dunning.len()).cloned();
            dunning.push(Level {
                name: name.get_untracked().trim().to_owned(),
                days,
                actor: match actor.get_untracked().as_str() {
                    "manager" => Actor::Manager,
                    "finance" => Actor::Finance,
                    _ => Actor::Rep,
                },
                channel: kept.as_ref().map(|k| k.channel).unwrap_or_default(),
                template: kept.map(|k| k.template).unwrap_or_default(),
            });
        }
        rules.money.dunning = dunning;
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
            <label for="aging-boundaries">{i18n.say(words::AgingBoundaries)}</label>
            <input id="aging-boundaries" type="text" inputmode="numeric" bind:value=boundaries />
            <p class="label">{i18n.say(words::DunningLevels)}</p>
            <div class="levels">
                {move || levels.get().into_iter().enumerate().map(|(i, (name, days, actor))| view! {
                    <div class="grade-row level-row">
                        <input type="text" class="level-name" bind:value=name />
                        <input type="number" min="-90" max="3650" class="level-days" bind:value=days />
                        <select class="level-actor" on:change=move |ev| actor.set(event_target_value(&ev))>
                            {[("rep", Msg::RoleRep), ("manager", Msg::RoleManager), ("finance", Msg::RoleFinance)].into_iter().map(|(key, label)| view! {
                                <option value=key selected=move || actor.get() == key>{i18n.label(label)}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" class="link" on:click=move |_| levels.update(|l| { l.remove(i); })>"×"</button>
                    </div>
                }).collect_view()}
            </div>
            <button type="button" class="secondary" id="add-level" on:click=add_level>"+ "{i18n.say(words::AddLevel)}</button>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } id="work-rules-message">{text}</p> })}
            <div class="actions">
                <button type="submit" class="primary" id="save-work-rules">{i18n.label(Msg::Save)}</button>
            </div>
        </form>
    }
}
