//! One's own account: change the password, see the devices signed in and
//! sign any of them out. Read from the server, so it needs a connection.

use super::login::PasswordForm;
use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Unix milliseconds as local "YYYY-MM-DD HH:MM".
pub fn local_millis(ms: i64) -> String {
    let iso = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).to_iso_string();
    super::local_time(&String::from(iso))
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let token = move || {
        app.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
    };
    let reload = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        reload.track();
        async move { api::sessions(&token()).await }
    });
    let error = RwSignal::new(None::<String>);
    let end = move |id: Option<String>| {
        spawn_local(async move {
            let done = match id {
                Some(id) => api::end_session(&token(), &id).await,
                None => api::end_other_sessions(&token()).await,
            };
            match done {
                Ok(()) => reload.update(|n| *n += 1),
                Err(e) => error.set(e.message().map(str::to_owned)),
            }
        });
    };
    let who = move || {
        app.session.with(|s| {
            s.as_ref()
                .map(|s| format!("{} ({})", s.user.display_name, s.user.username))
        })
    };
    view! {
        <section class="page">
            <h2>{i18n.label(Msg::Account)}</h2>
            <p>{who}</p>
            <h3>{i18n.label(Msg::ChangePassword)}</h3>
            <PasswordForm on_done=Callback::new(move |()| reload.update(|n| *n += 1)) />
            <h3>{i18n.label(Msg::Sessions)}</h3>
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || sessions.get().map(|r| match r {
                    Err(ApiError::Unreachable) => view! { <p class="empty">{i18n.label(Msg::NeedsConnection)}</p> }.into_any(),
                    Err(e) => view! { <p class="error">{e.message().unwrap_or("error").to_owned()}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul id="session-list" class="cards">
                            {list.into_iter().map(|s| {
                                let id = s.id.clone();
                                view! {
                                    <li class="card session">
                                        <strong>{s.device.clone()}</strong>
                                        {s.current.then(|| view! { <span class="chip">{i18n.label(Msg::ThisDevice)}</span> })}
                                        <small>{i18n.label(Msg::LastSeen)} " " {local_millis(s.last_seen)}</small>
                                        {(!s.current).then(|| view! {
                                            <button class="end-session" on:click=move |_| end(Some(id.clone()))>{i18n.label(Msg::EndSession)}</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <button id="end-other-sessions" on:click=move |_| end(None)>{i18n.label(Msg::EndOtherSessions)}</button>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
