//! The audit log for admins: every administrative act, filtered by kind,
//! exported as CSV. Read from the server, so it needs a connection.

use super::account::local_millis;
use super::user_name;
use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::audit::Action;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let token = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    };
    let action = RwSignal::new(String::new());
    let entries = LocalResource::new(move || {
        let chosen = Action::parse(&action.get());
        async move {
            let users = app.db.get_value().users().await.unwrap_or_default();
            api::audit(&token(), chosen).await.map(|e| (e, users))
        }
    });
    let export = move |_| {
        spawn_local(async move {
            if let Ok(bytes) = api::audit_csv(&token()).await {
                crate::device::download(&bytes, "text/csv", "yingpan-audit.csv");
            }
        });
    };
    view! {
        <section class="page wide">
            <h2>{i18n.label(Msg::AuditLog)}</h2>
            <div class="row">
                <select id="audit-action" on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="">{i18n.label(Msg::AllActions)}</option>
                    {Action::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{a.as_str()}</option> }).collect_view()}
                </select>
                <button id="audit-export" on:click=export>{i18n.label(Msg::ExportCsv)}</button>
            </div>
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || entries.get().map(|r| match r {
                    Err(ApiError::Unreachable) => view! { <p class="empty">{i18n.label(Msg::NeedsConnection)}</p> }.into_any(),
                    Err(e) => view! { <p class="error">{e.message().unwrap_or("error").to_owned()}</p> }.into_any(),
                    Ok((entries, users)) => view! {
                        <div class="table-wrap">
                            <table id="audit-table">
                                <thead><tr>
                                    <th>{i18n.label(Msg::When)}</th>
                                    <th>{i18n.label(Msg::Who)}</th>
                                    <th>{i18n.label(Msg::Action)}</th>
                                    <th>{i18n.label(Msg::Target)}</th>
                                    <th>{i18n.label(Msg::Address)}</th>
                                    <th>{i18n.label(Msg::Detail)}</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| {
                                        let who = e.actor.map(|a| user_name(&users, &a.to_string())).unwrap_or_else(|| "—".into());
                                        let target = e.target.as_deref().map(|t| user_name(&users, t)).unwrap_or_default();
                                        view! {
                                            <tr>
                                                <td>{local_millis(e.at)}</td>
                                                <td>{who}</td>
                                                <td class="action">{e.action.as_str()}</td>
                                                <td>{target}</td>
                                                <td>{e.address.clone()}</td>
                                                <td class="detail">{e.detail.to_string()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
