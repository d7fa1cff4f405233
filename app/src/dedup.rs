//! The duplicate check while a rep types a new customer: the server's
//! company-wide answer when online, the device's own customers and the pool
//! when not. The rules are `yingpan_shared::dedup`.

use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::pages::field;
use crate::sync::{use_app, AppCtx};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use yingpan_shared::api::DuplicateCandidate;
use yingpan_shared::dedup::{compare, CustomerKeys, Likeness};
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::sync::Op;

/// How long typing must pause before a check.
const DEBOUNCE_MS: u32 = 300;
const SHOWN: usize = 5;

/// A cached record the offline check compares against, with its keys.
struct Known {
    id: String,
    name: String,
    /// `None`: a pool entry.
    owner: Option<String>,
    keys: CustomerKeys,
}

thread_local! {
    /// Keys of the cached customers and pool entries, computed once per
    /// cache version (normalising is the slow part; comparing is cheap).
    static KNOWN: RefCell<(u64, Vec<Known>)> = const { RefCell::new((u64::MAX, Vec::new())) };
    static ASKED: Cell<u64> = const { Cell::new(0) };
}

async fn known(app: AppCtx) {
    let version = app.version.get_untracked();
    if KNOWN.with_borrow(|(v, _)| *v == version) {
        return;
    }
    let db = app.db.get_value();
    let mut all = Vec::new();
    for (kind, owned) in [(EntityKind::Customer, true), (EntityKind::PoolEntry, false)] {
        for r in db.all(kind).await.unwrap_or_default() {
            let text = |f: &str| Some(field(&r, f)).filter(|s| !s.is_empty());
            all.push(Known {
                id: field(&r, "id"),
                name: field(&r, "name"),
                owner: if owned { text("owner_id") } else { None },
                keys: CustomerKeys::of(&field(&r, "name"), text("phone").as_deref(), text("email").as_deref()),
            });
        }
    }
    KNOWN.set((version, all));
}

/// Compares against what this device holds.
pub async fn check_locally(app: AppCtx, typed: &CustomerKeys) -> Vec<DuplicateCandidate> {
    known(app).await;
    let mut found: Vec<DuplicateCandidate> = KNOWN.with_borrow(|(_, all)| {
        all.iter()
            .filter_map(|k| {
                let (likeness, score) = compare(typed, &k.keys);
                (likeness >= Likeness::Possible).then(|| DuplicateCandidate {
                    id: k.id.parse().unwrap_or_default(),
                    name: k.name.clone(),
                    likeness,
                    score,
                    owner: k.owner.as_deref().and_then(|o| o.parse().ok()),
                    owner_name: None,
                    visible: k.owner.is_some(),
                })
            })
            .collect()
    });
    found.sort_by(|a, b| b.likeness.cmp(&a.likeness).then(b.score.total_cmp(&a.score)));
    found.truncate(SHOWN);
    found
}

async fn check(app: AppCtx, fields: &FieldMap) -> Vec<DuplicateCandidate> {
    let text = |f: &str| Some(field(fields, f)).filter(|s| !s.is_empty());
    let keys = CustomerKeys::of(
        &field(fields, "name"),
        text("phone").as_deref(),
        text("email").as_deref(),
    );
    if keys.name.core.is_empty() && keys.phone.is_none() && keys.email.is_none() {
        return Vec::new();
    }
    let token = app
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
    let mut query = String::new();
    for (k, v) in [
        ("name", text("name")),
        ("phone", text("phone")),
        ("email", text("email")),
    ] {
        if let Some(v) = v {
            query.push_str(&format!("&{k}={}", js_sys::encode_uri_component(&v)));
        }
    }
    match api::get::<Vec<DuplicateCandidate>>(&token, &format!("/duplicates?{}", &query[1..])).await {
        Ok(mut found) => {
            found.truncate(SHOWN);
            found
        }
        // No connection (or no answer): the device's own knowledge.
        Err(ApiError::Unreachable) | Err(ApiError::Refused { .. }) => check_locally(app, &keys).await,
        Err(_) => Vec::new(),
    }
}

/// Existing customers like the one being typed, under the form. A customer
/// the rep may not open shows its name and owner; one in the pool can be
/// claimed instead of created again.
#[component]
pub fn DuplicateHints(
    /// The form's current values.
    typed: Signal<FieldMap>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let found = RwSignal::new(Vec::<DuplicateCandidate>::new());
    let claimed = RwSignal::new(Vec::<uuid::Uuid>::new());
    Effect::new(move |_| {
        let fields = typed.get();
        let ask = ASKED.get() + 1;
        ASKED.set(ask);
        spawn_local(async move {
            TimeoutFuture::new(DEBOUNCE_MS).await;
            if ASKED.get() != ask {
                return; // typed on meanwhile
            }
            let answer = check(app, &fields).await;
            if ASKED.get() == ask {
                found.set(answer);
            }
        });
    });
    let claim = move |id: uuid::Uuid| {
        spawn_local(async move {
            let db = app.db.get_value();
            if db
                .record_change(EntityKind::Customer, &id.to_string(), Op::Claim, None)
                .await
                .is_ok()
            {
                claimed.update(|c| c.push(id));
                app.changed();
            }
        });
    };
    view! {
        <Show when=move || !found.with(Vec::is_empty)>
            <div class="card warning" id="duplicates" role="status">
                <h3>{move || i18n.t(Msg::PossibleDuplicates)}</h3>
                <ul class="list">
                    {move || found.get().into_iter().map(|c| {
                        let same = c.likeness == Likeness::Same;
                        let owner = match (&c.owner, &c.owner_name, c.visible) {
                            (None, _, _) => i18n.t(Msg::InThePool).to_owned(),
                            (Some(_), Some(name), _) => name.clone(),
                            (Some(_), None, _) => String::new(),
                        };
                        let id = c.id;
                        let action = if c.owner.is_none() {
                            if claimed.with(|ids| ids.contains(&id)) {
                                view! { <span class="chip">{move || i18n.t(Msg::ClaimPending)}</span> }.into_any()
                            } else {
                                view! {
                                    <button class="primary claim" id=format!("claim-duplicate-{id}") on:click=move |_| claim(id)>
                                        {move || i18n.t(Msg::Claim)}
                                    </button>
                                }.into_any()
                            }
                        } else if c.visible {
                            view! { <a class="button secondary" href=format!("/customers/{id}")>{move || i18n.t(Msg::Open)}</a> }.into_any()
                        } else {
                            ().into_any()
                        };
                        view! {
                            <li class="pool-row duplicate">
                                <div class="pool-info">
                                    <span class="name">{c.name.clone()}</span>
                                    <span class="meta">
                                        {move || i18n.t(if same { Msg::SameCustomer } else { Msg::MaybeSame })}
                                        {(!owner.is_empty()).then(|| format!(" · {owner}"))}
                                    </span>
                                </div>
                                {action}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}
