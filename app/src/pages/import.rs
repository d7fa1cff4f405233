//! Importing customers from a CSV or XLSX file: a preview where every row is
//! checked against the company's customers, then the import. Needs a
//! connection (the check is company-wide).

use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use yingpan_shared::import::{ExactRows, ImportReport, RowStatus};

fn status_label(status: RowStatus) -> Msg {
    match status {
        RowStatus::New => Msg::RowNew,
        RowStatus::Same => Msg::RowSame,
        RowStatus::Possible => Msg::RowPossible,
        RowStatus::Repeated => Msg::RowRepeated,
        RowStatus::Invalid => Msg::RowInvalid,
    }
}

/// The bytes of the file chosen in `input`.
pub async fn file_bytes(input: &web_sys::HtmlInputElement) -> Option<Vec<u8>> {
    let file = input.files()?.get(0)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let bytes = StoredValue::new(Vec::<u8>::new());
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let merge_exact = RwSignal::new(false);
    let token = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    };
    let send = move |confirm: bool| {
        let exact = if merge_exact.get_untracked() {
            ExactRows::Merge
        } else {
            ExactRows::Skip
        };
        let confirm = confirm.then_some(exact);
        let token = token();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::import_customers(&token, &bytes.get_value(), confirm).await {
                Ok(r) => {
                    if r.done {
                        app.request_sync();
                    }
                    report.set(Some(r));
                }
                Err(ApiError::Unreachable) => error.set(Some(i18n.t(Msg::NeedsConnection).to_owned())),
                Err(e) => error.set(Some(e.message().unwrap_or("error").to_owned())),
            }
            busy.set(false);
        });
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        report.set(None);
        spawn_local(async move {
            if let Some(file) = file_bytes(&input).await {
                bytes.set_value(file);
                send(false);
            }
        });
    };
    view! {
        <section class="page wide">
            <a class="back" href="/customers">"‹ "{i18n.label(Msg::Back)}</a>
            <h2>{i18n.label(Msg::ImportTitle)}</h2>
            <p class="muted">{i18n.label(Msg::ImportHelp)}</p>
            <input id="import-file" type="file" accept=".csv,.xlsx,text/csv" on:change=chosen />
            <Show when=move || busy.get()>
                <p class="busy">{i18n.label(Msg::Checking)}</p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            {move || report.get().map(|r| {
                let done = r.done;
                view! {
                    {done.then(|| view! {
                        <p class="ok" id="import-done">
                            {i18n.label(Msg::Imported)}": "{r.created}" "{i18n.label(Msg::Created)}" · "
                            {r.merged}" "{i18n.label(Msg::Merged)}" · "{r.skipped}" "{i18n.label(Msg::Skipped)}
                        </p>
                    })}
                    <div class="table-wrap">
                        <table id="import-rows">
                            <tbody>
                                {r.rows.into_iter().map(|row| {
                                    let existing = row.existing_name.map(|n| match row.existing_owner {
                                        Some(owner) => format!("{n} · {owner}"),
                                        None => n,
                                    });
                                    view! {
                                        <tr class=format!("row-{}", serde_json::to_value(row.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())>
                                            <td class="num">{row.line}</td>
                                            <td>{row.name}</td>
                                            <td class="status">{i18n.label(status_label(row.status))}</td>
                                            <td class="meta">{existing.or(row.message).unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {(!done).then(|| view! {
                        <label class="inline">
                            <input type="radio" name="exact" id="exact-skip" prop:checked=move || !merge_exact.get()
                                on:change=move |_| merge_exact.set(false) />
                            {i18n.label(Msg::ExactSkip)}
                        </label>
                        <label class="inline">
                            <input type="radio" name="exact" id="exact-merge" prop:checked=move || merge_exact.get()
                                on:change=move |_| merge_exact.set(true) />
                            {i18n.label(Msg::ExactMerge)}
                        </label>
                        <button class="primary" id="import-confirm" disabled=move || busy.get() on:click=move |_| send(true)>
                            {i18n.label(Msg::ImportConfirm)}
                        </button>
                    })}
                }
            })}
        </section>
    }
}
