//! Reusable pieces: the top bar with the sync badge, the banner for refused
//! changes, and the record form.

use crate::api;
use crate::i18n::{use_i18n, Msg};
use crate::sync::{use_app, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use yingpan_shared::customer::Grade;
use yingpan_shared::entity::{EntityKind, FieldMap};

/// The top bar: name, sync state (tap to sync now), language, sign out.
#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let badge = move || {
        let pending = app.pending.get();
        let status = app.status.get();
        if let Some((loaded, total)) = app.progress.get() {
            return ("badge busy", format!("{} {loaded}/{total}", i18n.t(Msg::Loaded)));
        }
        if pending > 0 {
            let offline = if status == Status::Offline {
                format!(" · {}", i18n.t(Msg::Offline))
            } else {
                String::new()
            };
            return (
                "badge pending",
                format!("{} ({pending}){offline}", i18n.t(Msg::Unsynced)),
            );
        }
        match status {
            Status::Idle => ("badge ok", i18n.t(Msg::Synced).to_owned()),
            Status::Syncing => ("badge busy", i18n.t(Msg::Syncing).to_owned()),
            Status::Offline => ("badge offline", i18n.t(Msg::Offline).to_owned()),
            Status::Busy => ("badge offline", i18n.t(Msg::ServerBusy).to_owned()),
            Status::Failed(_) => ("badge failed", i18n.t(Msg::SyncFailed).to_owned()),
        }
    };
    let failure = move || match app.status.get() {
        Status::Failed(message) => message,
        _ => String::new(),
    };
    let sign_out = move |_| {
        if app.pending.get_untracked() > 0 {
            let sure = window()
                .confirm_with_message(i18n.t(Msg::UnsyncedOnSignOut))
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        spawn_local(async move {
            if let Some(session) = app.session.get_untracked() {
                let _ = api::logout(&session.token).await;
            }
            // A shared phone must not keep the last person's customers.
            let _ = app.db.get_value().clear_all().await;
            app.forget_all();
            crate::storage::forget_marker();
            app.session.set(None);
            app.pending.set(0);
        });
    };
    // Conflicts and possible duplicates both wait on the Sync page; each is
    // counted under its own name.
    let counts = Memo::new(move |_| {
        app.read(&[EntityKind::Conflict, EntityKind::Duplicate], |m| {
            (m.conflicts.len(), m.duplicates.len())
        })
    });
    let chip_class = move || if counts.get() != (0, 0) { "chip alert" } else { "chip" };
    let is_manager = move || {
        app.session.with(|s| {
            s.as_ref().is_some_and(|s| {
                matches!(
                    s.user.role,
                    yingpan_shared::user::Role::Manager | yingpan_shared::user::Role::Admin
                )
            })
        })
    };
    let is_admin = move || {
        app.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.user.role == yingpan_shared::user::Role::Admin)
        })
    };
    let is_finance = move || {
        app.session.with(|s| {
            s.as_ref().is_some_and(|s| {
                matches!(
                    s.user.role,
                    yingpan_shared::user::Role::Finance | yingpan_shared::user::Role::Admin
                )
            })
        })
    };
    let who = move || {
        app.session
            .with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default())
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">{i18n.label(Msg::AppName)}</a>
            <button id="sync-badge" class=move || badge().0 title=failure on:click=move |_| app.request_sync()>
                {move || badge().1}
            </button>
            <a id="sync-page" class=chip_class href="/sync" title=i18n.label(Msg::SyncTitle)>
                {move || {
                    let (conflicts, duplicates) = counts.get();
                    let mut parts = Vec::new();
                    if conflicts > 0 {
                        parts.push(format!("{} {conflicts}", i18n.t(Msg::Conflicts)));
                    }
                    if duplicates > 0 {
                        parts.push(format!("{} {duplicates}", i18n.t(Msg::DuplicatesShort)));
                    }
                    if parts.is_empty() { "⚙".to_owned() } else { parts.join(" · ") }
                }}
            </a>
            <Show when=is_manager>
                <a id="nav-team" class="chip" href="/team">{i18n.label(Msg::Team)}</a>
                <a id="nav-people" class="chip" href="/people">{i18n.label(Msg::People)}</a>
            </Show>
            <Show when=is_finance>
                <a id="nav-finance" class="chip" href="/money">{i18n.label(Msg::Finance)}</a>
            </Show>
            <Show when=is_admin>
                <a id="nav-settings" class="chip" href="/settings">{i18n.label(Msg::Settings)}</a>
                <a id="nav-audit" class="chip" href="/audit">{i18n.label(Msg::AuditLog)}</a>
            </Show>
            <span class="spacer"></span>
            <a class="who" id="nav-account" href="/account">{who}</a>
            // Short forms on a phone, so a manager's header stays one row.
            <button class="link" id="language" title=i18n.label(Msg::Language) on:click=move |_| i18n.toggle()>
                <span class="wide-only">{i18n.label(Msg::Language)}</span>
                <span class="narrow-only">{i18n.label(Msg::LanguageShort)}</span>
            </button>
            <button class="link" id="sign-out" title=i18n.label(Msg::SignOut) aria-label=i18n.label(Msg::SignOut) on:click=sign_out>
                <span class="wide-only">{i18n.label(Msg::SignOut)}</span>
                // An arrow leaving a box: a drawn icon, as phones' fonts
                // may lack the power symbol.
                <svg class="narrow-only icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18">
                    <path d="M10 4H5v16h5M14 8l4 4-4 4M18 12H9" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
                </svg>
            </button>
        </header>
    }
}

/// The phone's main navigation, at the bottom where a thumb reaches.
#[component]
pub fn BottomNav() -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let current = move |href: &'static str| {
        let path = location.pathname.get();
        let here = if href == "/" {
            path == "/"
        } else {
            path.starts_with(href)
        };
        if here {
            "current"
        } else {
            ""
        }
    };
    let links: [(&'static str, &'static str, &'static str, Msg); 5] = [
        ("nav-today", "/", "◷", Msg::Today),
        ("nav-customers", "/customers", "☰", Msg::Customers),
        ("nav-pipeline", "/pipeline", "▤", Msg::Pipeline),
        ("nav-visits", "/visits", "⌖", Msg::Visits),
        ("nav-pool", "/pool", "◎", Msg::Pool),
    ];
    view! {
        <nav class="bottom-nav" id="bottom-nav">
            {links.map(|(id, href, icon, label)| view! {
                <a id=id href=href class=move || current(href)>
                    <span class="icon" aria-hidden="true">{icon}</span>
                    <span class="label">{i18n.label(label)}</span>
                </a>
            }).collect_view()}
        </nav>
    }
}

/// Changes the server refused, with a way to dismiss them.
#[component]
pub fn IssuesBanner() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let dismiss = move |_| {
        spawn_local(async move {
            let _ = app.db.get_value().set_sync_issues(&[]).await;
            app.issues.set(Vec::new());
        });
    };
    view! {
        <Show when=move || app.data_lost.get()>
            <div class="issues" role="alert" id="data-lost">
                <p>{i18n.label(Msg::DataLost)}</p>
                <button on:click=move |_| app.data_lost.set(false)>{i18n.label(Msg::Dismiss)}</button>
            </div>
        </Show>
        <Show when=move || !app.issues.with(Vec::is_empty)>
            <div class="issues" role="alert">
                <p>{i18n.label(Msg::SyncIssues)}</p>
                <ul>{move || app.issues.get().into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
                <button on:click=dismiss>{i18n.label(Msg::Dismiss)}</button>
            </div>
        </Show>
    }
}

/// How one field is edited.
#[derive(Clone, Copy)]
pub enum Input {
    Text(&'static str),
    Area,
    CustomerKind,
    /// A–D, or none.
    Grade,
}

/// A form field: the record field it edits, its label and its input.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: Msg,
    pub input: Input,
}

pub const CUSTOMER_FORM: &[FieldSpec] = &[
    FieldSpec {
        name: "kind",
        label: Msg::Kind,
        input: Input::CustomerKind,
    },
    FieldSpec {
        name: "name",
        label: Msg::Name,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "grade",
        label: Msg::Grade,
        input: Input::Grade,
    },
    FieldSpec {
        name: "phone",
        label: Msg::Phone,
        input: Input::Text("tel"),
    },
    FieldSpec {
        name: "email",
        label: Msg::Email,
        input: Input::Text("email"),
    },
    FieldSpec {
        name: "industry",
        label: Msg::Industry,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "region",
        label: Msg::Region,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "address",
        label: Msg::Address,
        input: Input::Area,
    },
    FieldSpec {
        name: "notes",
        label: Msg::Notes,
        input: Input::Area,
    },
];

pub const CONTACT_FORM: &[FieldSpec] = &[
    FieldSpec {
        name: "name",
        label: Msg::ContactName,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "title",
        label: Msg::JobTitle,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "phone",
        label: Msg::Phone,
        input: Input::Text("tel"),
    },
    FieldSpec {
        name: "email",
        label: Msg::Email,
        input: Input::Text("email"),
    },
    FieldSpec {
        name: "im_id",
        label: Msg::ImId,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "birthday",
        label: Msg::Birthday,
        input: Input::Text("date"),
    },
];

pub const OPPORTUNITY_FORM: &[FieldSpec] = &[
    FieldSpec {
        name: "name",
        label: Msg::OpportunityName,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "amount",
        label: Msg::Amount,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "close_date",
        label: Msg::CloseDate,
        input: Input::Text("date"),
    },
    FieldSpec {
        name: "probability",
        label: Msg::Probability,
        input: Input::Text("number"),
    },
];

pub const LEAD_FORM: &[FieldSpec] = &[
    FieldSpec {
        name: "name",
        label: Msg::ContactName,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "company",
        label: Msg::Company,
        input: Input::Text("text"),
    },
    FieldSpec {
        name: "phone",
        label: Msg::Phone,
        input: Input::Text("tel"),
    },
    FieldSpec {
        name: "email",
        label: Msg::Email,
        input: Input::Text("email"),
    },
    FieldSpec {
        name: "source",
        label: Msg::LeadSource,
        input: Input::Text("text"),
    },
];

fn text_of(record: &FieldMap, field: &str) -> String {
    match record.get(field) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// "+ Add …": a button (`#add-{id_prefix}`) that opens an empty form in
/// place. Saving creates a record of `kind` from what was typed and the
/// fields `with` gives (its customer, its owner, its first stage), then
/// closes the form; a refusal stays on it, said.
#[component]
pub fn AddRecord(
    kind: EntityKind,
    fields: &'static [FieldSpec],
    id_prefix: &'static str,
    /// The button's label.
    label: Msg,
    /// Fields the form does not show, added to what was typed.
    with: Callback<(), FieldMap>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let adding = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_save = Callback::new(move |mut typed: FieldMap| {
        typed.extend(with.run(()));
        spawn_local(async move {
            match crate::edits::create(app, kind, typed).await {
                Ok(_) => adding.set(false),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <Show
            when=move || adding.get()
            fallback=move || view! {
                <button id=format!("add-{id_prefix}") class="secondary" on:click=move |_| adding.set(true)>
                    "+ "{i18n.label(label)}
                </button>
            }
        >
            <RecordForm
                fields=fields
                initial=FieldMap::new()
                id_prefix=id_prefix
                on_save=on_save
                on_cancel=Callback::new(move |_| adding.set(false))
                error=error
            />
        </Show>
    }
}

/// A form over `fields` of a record. Inputs get the id `{id_prefix}-{field}`.
/// `on_save` receives every field, empty ones as `null`.
#[component]
pub fn RecordForm(
    /// The fields to show, in order.
    fields: &'static [FieldSpec],
    /// Starting values.
    initial: FieldMap,
    /// Prefix of input ids, so tests and labels can find them.
    id_prefix: &'static str,
    /// Called with the edited values.
    on_save: Callback<FieldMap>,
    /// Shows a cancel button when given.
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
    /// A message to show above the buttons.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Called with every field's value whenever one changes.
    #[prop(optional)]
    on_change: Option<Callback<FieldMap>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let values: Vec<(FieldSpec, RwSignal<String>)> = fields
        .iter()
        .map(|spec| {
            let start = text_of(&initial, spec.name);
            let start = match spec.input {
                Input::CustomerKind if start.is_empty() => "company".to_owned(),
                _ => start,
            };
            (*spec, RwSignal::new(start))
        })
        .collect();
    let collect = {
        let values = values.clone();
        move |tracked: bool| -> FieldMap {
            values
                .iter()
                .map(|(spec, value)| {
                    let v = if tracked { value.get() } else { value.get_untracked() };
                    let v = v.trim().to_owned();
                    (
                        spec.name.to_owned(),
                        if v.is_empty() { Value::Null } else { Value::String(v) },
                    )
                })
                .collect()
        }
    };
    if let Some(changed) = on_change {
        let collect = collect.clone();
        Effect::new(move |_| changed.run(collect(true)));
    }
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_save.run(collect(false));
    };
    let rows = values
        .into_iter()
        .map(|(spec, value)| {
            let id = format!("{id_prefix}-{}", spec.name);
            let control = match spec.input {
                Input::Text(kind) => view! { <input id=id.clone() type=kind bind:value=value /> }.into_any(),
                Input::Area => view! { <textarea id=id.clone() rows="2" bind:value=value></textarea> }.into_any(),
                Input::CustomerKind => view! {
                    <select id=id.clone() on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                        <option value="company">{i18n.label(Msg::Company)}</option>
                        <option value="individual">{i18n.label(Msg::Individual)}</option>
                    </select>
                }
                .into_any(),
                Input::Grade => view! {
                    <select id=id.clone() on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                        <option value="">"—"</option>
                        {Grade::ALL.map(|g| view! { <option value=g.as_str()>{g.as_str()}</option> }).collect_view()}
                    </select>
                }
                .into_any(),
            };
            view! {
                <label for=id>{i18n.label(spec.label)}</label>
                {control}
            }
        })
        .collect_view();
    view! {
        <form class="record-form" novalidate on:submit=submit>
            {rows}
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <div class="actions">
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="secondary" on:click=move |_| cancel.run(())>{i18n.label(Msg::Cancel)}</button>
                })}
                <button type="submit" class="primary" id=format!("{id_prefix}-save")>{i18n.label(Msg::Save)}</button>
            </div>
        </form>
    }
}
