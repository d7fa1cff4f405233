//! The duplicate check while a rep types a new customer: the server's
//! company-wide answer when online, the device's own customers and the pool
//! when not. The rules are `yingpan_shared::dedup`.

use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::memory::Memory;
use crate::pages::field;
use crate::sync::{use_app, AppCtx};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yingpan_shared::api::DuplicateCandidate;
use yingpan_shared::api::MergeRequest;
use yingpan_shared::dedup::{compare, CustomerKeys, Keep, Likeness, MERGED_FIELDS};
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

/// The device's customers and pool entries under their duplicate-check keys.
/// Normalising is the slow part, so it is done once per cache version;
/// comparing is cheap and runs per keystroke.
#[derive(Default)]
pub struct LocalIndex(Vec<Known>);

impl LocalIndex {
    pub fn of(m: &Memory) -> LocalIndex {
        let customers = m.customers.values().map(|c| Known {
            id: c.id.to_string(),
            name: c.name.as_str().to_owned(),
            owner: c.owner_id.map(|o| o.to_string()),
            keys: CustomerKeys::of(
                c.name.as_str(),
                c.phone.as_ref().map(|p| p.as_str()),
                c.email.as_ref().map(|e| e.as_str()),
            ),
        });
        let pool = m.pool.values().map(|p| Known {
            id: p.id.to_string(),
            name: p.name.clone(),
            owner: None,
            keys: CustomerKeys::of(&p.name, None, None),
        });
        LocalIndex(customers.chain(pool).collect())
    }

    /// The best candidates for `typed`, most alike first.
    pub fn check(&self, typed: &CustomerKeys) -> Vec<DuplicateCandidate> {
        let mut found: Vec<DuplicateCandidate> = self
            .0
            .iter()
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
            .collect();
        found.sort_by(|a, b| b.likeness.cmp(&a.likeness).then(b.score.total_cmp(&a.score)));
        found.truncate(SHOWN);
        found
    }
}

thread_local! {
    static INDEX: RefCell<((u64, u64), Rc<LocalIndex>)> = RefCell::new(((u64::MAX, 0), Rc::default()));
    static ASKED: Cell<u64> = const { Cell::new(0) };
}

/// Compares against what this device holds.
fn check_locally(app: AppCtx, typed: &CustomerKeys) -> Vec<DuplicateCandidate> {
    let version = (
        app.touched.version(EntityKind::Customer),
        app.touched.version(EntityKind::PoolEntry),
    );
    let index = match INDEX.with_borrow(|(v, index)| (*v == version).then(|| index.clone())) {
        Some(index) => index,
        None => {
            let index = Rc::new(app.memory.with_value(LocalIndex::of));
            INDEX.set((version, index.clone()));
            index
        }
    };
    index.check(typed)
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
    let (name, phone, email) = (text("name"), text("phone"), text("email"));
    match api::duplicates(&token, name.as_deref(), phone.as_deref(), email.as_deref()).await {
        Ok(mut found) => {
            found.truncate(SHOWN);
            found
        }
        // No connection (or no answer, or a busy server): the device's own
        // knowledge.
        Err(ApiError::Unreachable | ApiError::Busy { .. } | ApiError::Refused { .. }) => check_locally(app, &keys),
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
            if app
                .record(EntityKind::Customer, &id.to_string(), Op::Claim, None)
                .await
                .is_ok()
            {
                claimed.update(|c| c.push(id));
            }
        });
    };
    view! {
        <Show when=move || !found.with(Vec::is_empty)>
            <div class="card warning" id="duplicates" role="status">
                <h3>{i18n.label(Msg::PossibleDuplicates)}</h3>
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
                                view! { <span class="chip">{i18n.label(Msg::ClaimPending)}</span> }.into_any()
                            } else {
                                view! {
                                    <button class="primary claim" id=format!("claim-duplicate-{id}") on:click=move |_| claim(id)>
                                        {i18n.label(Msg::Claim)}
                                    </button>
                                }.into_any()
                            }
                        } else if c.visible {
                            view! { <a class="button secondary" href=format!("/customers/{id}")>{i18n.label(Msg::Open)}</a> }.into_any()
                        } else {
                            ().into_any()
                        };
                        view! {
                            <li class="pool-row duplicate">
                                <div class="pool-info">
                                    <span class="name">{c.name.clone()}</span>
                                    <span class="meta">
                                        {i18n.label(if same { Msg::SameCustomer } else { Msg::MaybeSame })}
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

/// The "possible duplicate" flags the server put on this user's new
/// customers: dismiss one, or (when the existing customer is visible here)
/// merge the new customer into it.
#[component]
pub fn DuplicateList() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let error = RwSignal::new(None::<String>);
    let flags = Memo::new(move |_| {
        let in_pool = i18n.t(Msg::InThePool).to_owned();
        app.users.with(|users| {
            app.read(&[EntityKind::Duplicate, EntityKind::Customer], |m| {
                m.duplicates
                    .values()
                    .map(|f| {
                        let owner = match f.existing_owner {
                            None => in_pool.clone(),
                            Some(o) => crate::pages::user_name(users, &o.to_string()),
                        };
                        let new_name = m.customers.get(&f.customer_id).map(|c| c.name.as_str().to_owned());
                        let visible = m.customers.contains_key(&f.existing_id);
                        (f.clone(), new_name.unwrap_or_default(), owner, visible)
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let dismiss = move |id: String| {
        spawn_local(async move {
            let _ = app.record(EntityKind::Duplicate, &id, Op::Delete, None).await;
        });
    };
    let choosing = RwSignal::new(None::<(String, String)>);
    let merge = move |survivor: String, merged: String| choosing.set(Some((survivor, merged)));
    view! {
        <h3>{i18n.label(Msg::DuplicateFlags)}</h3>
        {move || choosing.get().map(|(survivor, merged)| view! {
            <MergePanel survivor=survivor merged=merged done=choosing error=error />
        })}
        <Show when=move || error.with(Option::is_some)>
            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
            {move || {
                let rows = flags.get();
                if rows.is_empty() {
                    return view! { <p class="empty">{i18n.label(Msg::NoDuplicates)}</p> }.into_any();
                }
                view! {
                    <ul class="list" id="duplicate-list">
                        {rows.into_iter().map(|(f, new_name, owner, can_merge)| {
                            let (id, new, existing) = (f.id.to_string(), f.customer_id.to_string(), f.existing_id.to_string());
                            view! {
                                <li class="conflict-row duplicate-row">
                                    <div class="name">{new_name}</div>
                                    <div class="meta">
                                        {i18n.label(Msg::MayDuplicate)}" "<strong>{f.existing_name.clone()}</strong>" · "{owner}
                                    </div>
                                    <div class="actions">
                                        {can_merge.then(|| {
                                            let (existing, new) = (existing.clone(), new.clone());
                                            view! {
                                                <button class="primary merge" on:click=move |_| merge(existing.clone(), new.clone())>
                                                    {i18n.label(Msg::MergeInto)}
                                                </button>
                                            }
                                        })}
                                        <button class="secondary not-duplicate" on:click=move |_| dismiss(id.clone())>
                                            {i18n.label(Msg::NotDuplicate)}
                                        </button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
    }
}

/// Which value each differing field keeps, then the merge itself (on the
/// server, so it needs a connection).
#[component]
fn MergePanel(
    /// The existing customer, which stays.
    survivor: String,
    /// The new customer, merged into it.
    merged: String,
    /// Cleared when the merge is done or cancelled.
    done: RwSignal<Option<(String, String)>>,
    /// Where a failure is told.
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let keep = RwSignal::new(std::collections::BTreeMap::<String, Keep>::new());
    let pair = StoredValue::new((survivor, merged));
    let differing = LocalResource::new(move || async move {
        let (survivor, merged) = pair.get_value();
        let db = app.db.get_value();
        let (Ok(Some(a)), Ok(Some(b))) = (
            db.get(EntityKind::Customer, &survivor).await,
            db.get(EntityKind::Customer, &merged).await,
        ) else {
            return Vec::new();
        };
        MERGED_FIELDS
            .iter()
            .filter_map(|f| {
                let (x, y) = (field(&a, f), field(&b, f));
                (!x.is_empty() && !y.is_empty() && x != y).then(|| (f.to_string(), x, y))
            })
            .collect::<Vec<_>>()
    });
    let confirm = move |_| {
        let (survivor, merged) = pair.get_value();
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        let body = MergeRequest {
            merged: merged.parse().unwrap_or_default(),
            keep: keep.get_untracked(),
        };
        error.set(None);
        spawn_local(async move {
            match api::merge(&token, &survivor, &body).await {
                Ok(_) => {
                    done.set(None);
                    app.request_sync();
                }
                Err(ApiError::Unreachable) => error.set(Some(i18n.t(Msg::NeedsConnection).to_owned())),
                Err(e) => error.set(Some(e.message().unwrap_or("error").to_owned())),
            }
        });
    };
    view! {
        <div class="card plan" id="merge-panel">
            <p>{i18n.label(Msg::ChooseValues)}</p>
            <Transition>
                {move || differing.get().map(|rows| rows.into_iter().map(|(f, mine, theirs)| {
                    let (f1, f2) = (f.clone(), f.clone());
                    view! {
                        <div class="choice">
                            <label class="inline">
                                <input type="radio" name=format!("keep-{f}") checked
                                    on:change=move |_| keep.update(|k| { k.insert(f1.clone(), Keep::Survivor); }) />
                                {mine}
                            </label>
                            <label class="inline">
                                <input type="radio" name=format!("keep-{f}") id=format!("keep-merged-{f}")
                                    on:change=move |_| keep.update(|k| { k.insert(f2.clone(), Keep::Merged); }) />
                                {theirs}
                            </label>
                        </div>
                    }
                }).collect_view())}
            </Transition>
            <div class="actions">
                <button class="primary" id="confirm-merge" on:click=confirm>{i18n.label(Msg::ConfirmMerge)}</button>
                <button class="secondary" on:click=move |_| done.set(None)>{i18n.label(Msg::Cancel)}</button>
            </div>
        </div>
    }
}

#[cfg(all(test, feature = "bench"))]
mod bench {
    //! The offline check over a 5,000-customer cache, in the browser:
    //! `scripts/bench dedup` runs it and prints the figures.
    use super::*;
    use crate::db::LocalDb;
    use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    use crate::device::steady_ms as now;

    #[wasm_bindgen_test]
    async fn offline_duplicate_check_over_5000_cached_customers() {
        let db = LocalDb::open(&format!("bench-{}", crate::ids::new_id())).await.unwrap();
        let regions = ["北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都"];
        let syllables: Vec<char> = "华信恒达鼎盛博远瑞丰金桥天成宏图卓越嘉禾永泰中联新元海纳东方锦程同创启航万通长风"
            .chars()
            .collect();
        let trades = ["科技", "机械", "电子", "贸易", "医疗器械", "建材", "物流", "食品"];
        let mut changes = Vec::new();
        let mut names = Vec::new();
        for i in 0..5000usize {
            let id = crate::ids::new_id();
            let core = format!(
                "{}{}{}",
                syllables[i % 40],
                syllables[(i / 40) % 40],
                trades[(i / 1600) % 8]
            );
            let name = format!("{}{core}有限公司", regions[i % 8]);
            names.push(core);
            let data = serde_json::json!({"id": id, "name": name, "owner_id": uuid::Uuid::nil(), "phone": format!("010-{:08}", i)});
            changes.push(yingpan_shared::sync::Change {
                entity: EntityKind::Customer,
                id: id.parse().unwrap(),
                seq: i as i64 + 1,
                data: data.as_object().cloned(),
            });
        }
        for page in changes.chunks(1000) {
            db.apply_pull(&crate::db::Incoming::all(page), page.last().unwrap().seq)
                .await
                .unwrap();
        }
        let started = now();
        let memory = crate::memory::Memory::load(&db).await.unwrap();
        let index = LocalIndex::of(&memory);
        let load_ms = now() - started;
        let mut times = Vec::new();
        for core in names.iter().step_by(25) {
            // Every keystroke of the name as a rep types it.
            let typed: Vec<char> = core.chars().collect();
            for n in 1..=typed.len() {
                let text: String = typed[..n].iter().collect();
                let started = now();
                let found = index.check(&CustomerKeys::of(&text, None, None));
                times.push(now() - started);
                assert!(n < typed.len() || !found.is_empty(), "{text} finds itself");
            }
        }
        times.sort_by(f64::total_cmp);
        let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
        console_log!(
            "offline duplicate check over 5000 cached customers: index built in {load_ms:.0} ms; per keystroke p50 {:.2} ms, p95 {:.2} ms ({} keystrokes)",
            pct(0.5),
            pct(0.95),
            times.len()
        );
        db.delete().await.unwrap();
    }
}
