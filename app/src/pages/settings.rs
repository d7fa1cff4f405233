//! Company settings for admins: the pool rules, the duplicate policy and
//! the field-work rules, the print templates.
//! Read and saved on the server, so this page needs a connection.

use super::print_templates::PrintTemplatesForm;
use super::work_rules::WorkRulesForm;
use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::customer::Grade;
use yingpan_shared::dedup::DuplicatePolicy;
use yingpan_shared::pool::{PoolRules, ReturnLimits};

/// A whole-number setting bound to a field of the rules.
#[component]
fn NumberField(
    /// Input id, for labels and tests.
    id: &'static str,
    label: Msg,
    value: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label for=id>{i18n.label(label)}</label>
        <input id=id type="number" min="0" inputmode="numeric" bind:value=value />
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let token = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    };
    let loaded = LocalResource::new(move || async move {
        let token = token();
        let rules = api::pool_rules(&token).await?;
        let policy = api::duplicate_policy(&token).await?;
        let work = api::work_rules(&token).await?;
        let templates = api::print_templates(&token).await?;
        Ok::<_, ApiError>((rules, policy, work, templates))
    });
    view! {
        <section class="page">
            <h2>{i18n.label(Msg::Settings)}</h2>
            // On a phone the header has no room for the audit log's chip.
            <a id="settings-audit" class="button secondary narrow-only" href="/audit">{i18n.label(Msg::AuditLog)}" ›"</a>
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || loaded.get().map(|r| match r {
                    Ok((rules, policy, work, templates)) => view! {
                        <SettingsForm rules=rules policy=policy />
                        <WorkRulesForm rules=work />
                        <PrintTemplatesForm templates=templates />
                    }.into_any(),
                    Err(ApiError::Unreachable) => view! { <p class="empty">{i18n.label(Msg::NeedsConnection)}</p> }.into_any(),
                    Err(e) => view! { <p class="error">{e.message().unwrap_or("error").to_owned()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SettingsForm(rules: PoolRules, policy: DuplicatePolicy) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let text = |n: u32| RwSignal::new(n.to_string());
    let (max_owned, max_claims, reclaim) = (
        text(rules.max_owned),
        text(rules.max_claims_per_day),
        text(rules.reclaim_after_days),
    );
    let (follow_up, deal, warn) = (text(rules.follow_up_days), text(rules.deal_days), text(rules.warn_days));
    let exempt_locked = RwSignal::new(rules.exempt_locked);
    let exempt_contracts = RwSignal::new(rules.exempt_open_contracts);
    let grades: Vec<(Grade, RwSignal<String>, RwSignal<String>)> = Grade::ALL
        .into_iter()
        .map(|g| {
            let o = rules.grade_overrides.get(&g);
            let show = |n: Option<u32>| RwSignal::new(n.map(|n| n.to_string()).unwrap_or_default());
            (g, show(o.map(|o| o.follow_up_days)), show(o.map(|o| o.deal_days)))
        })
        .collect();
    let block = RwSignal::new(policy == DuplicatePolicy::Block);
    let message = RwSignal::new(None::<(bool, String)>);
    let base = StoredValue::new(rules);
    let grade_inputs = StoredValue::new(grades.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().ok();
        let mut rules = base.get_value();
        let fields = [
            (&mut rules.max_owned, max_owned),
            (&mut rules.max_claims_per_day, max_claims),
            (&mut rules.reclaim_after_days, reclaim),
            (&mut rules.follow_up_days, follow_up),
            (&mut rules.deal_days, deal),
            (&mut rules.warn_days, warn),
        ];
        for (slot, input) in fields {
            match number(input) {
                Some(n) => *slot = n,
                None => {
                    return message.set(Some((
                        false,
                        format!("{}: {}", input.get_untracked(), "not a whole number"),
                    )))
                }
            }
        }
        rules.exempt_locked = exempt_locked.get_untracked();
        rules.exempt_open_contracts = exempt_contracts.get_untracked();
        rules.grade_overrides.clear();
        for (g, f, d) in grade_inputs.get_value() {
            if let (Some(follow_up_days), Some(deal_days)) = (number(f), number(d)) {
                rules.grade_overrides.insert(
                    g,
                    ReturnLimits {
                        follow_up_days,
                        deal_days,
                    },
                );
            }
        }
        let policy = if block.get_untracked() {
            DuplicatePolicy::Block
        } else {
            DuplicatePolicy::Warn
        };
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            let saved = async {
                api::set_pool_rules(&token, &rules).await?;
                api::set_duplicate_policy(&token, &policy).await
            };
            match saved.await {
                Ok(_) => {
                    message.set(Some((true, i18n.t(Msg::SavedOk).to_owned())));
                    app.request_sync();
                }
                Err(e) => message.set(Some((false, e.message().unwrap_or("network").to_owned()))),
            }
        });
    };
    view! {
        <form class="settings" on:submit=save>
            <h3>{i18n.label(Msg::PoolRules)}</h3>
            <NumberField id="max-owned" label=Msg::MaxOwned value=max_owned />
            <NumberField id="max-claims" label=Msg::MaxClaims value=max_claims />
            <NumberField id="reclaim-days" label=Msg::ReclaimDays value=reclaim />
            <NumberField id="follow-up-days" label=Msg::FollowUpDays value=follow_up />
            <NumberField id="deal-days" label=Msg::DealDays value=deal />
            <NumberField id="warn-days" label=Msg::WarnDays value=warn />
            <label class="inline"><input type="checkbox" id="exempt-locked" bind:checked=exempt_locked />{i18n.label(Msg::ExemptLocked)}</label>
            <label class="inline"><input type="checkbox" id="exempt-contracts" bind:checked=exempt_contracts />{i18n.label(Msg::ExemptContracts)}</label>
            <p class="label">{i18n.label(Msg::GradeOverride)}</p>
            <div class="grades">
                {grades.into_iter().map(|(g, f, d)| view! {
                    <div class="grade-row">
                        <strong>{g.as_str()}</strong>
                        <input type="number" min="0" id=format!("grade-{}-follow-up", g.as_str()) bind:value=f />
                        <input type="number" min="0" id=format!("grade-{}-deal", g.as_str()) bind:value=d />
                    </div>
                }).collect_view()}
            </div>
            <h3>{i18n.label(Msg::DuplicatePolicyTitle)}</h3>
            <label class="inline"><input type="radio" name="policy" id="policy-warn" prop:checked=move || !block.get() on:change=move |_| block.set(false) />{i18n.label(Msg::PolicyWarn)}</label>
            <label class="inline"><input type="radio" name="policy" id="policy-block" prop:checked=move || block.get() on:change=move |_| block.set(true) />{i18n.label(Msg::PolicyBlock)}</label>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "ok" } else { "error" } id="settings-message">{text}</p> })}
            <div class="actions">
                <button type="submit" class="primary" id="save-settings">{i18n.label(Msg::Save)}</button>
            </div>
        </form>
    }
}
