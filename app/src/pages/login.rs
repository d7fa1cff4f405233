//! Sign in.

use crate::api::{self, ApiError};
use crate::db::Session;
use crate::i18n::{use_i18n, Msg};
use crate::sync::use_app;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::login(&username.get_untracked(), &password.get_untracked()).await {
                Ok(res) => {
                    let session = Session {
                        token: res.token,
                        user: res.user,
                    };
                    match app.db.get_value().start_session(&session).await {
                        Ok(()) => {
                            app.account_closed.set(false);
                            app.session.set(Some(session));
                            app.changed();
                        }
                        Err(e) => error.set(Some(e.to_string())),
                    }
                }
                Err(ApiError::Unreachable) => error.set(Some(i18n.t(Msg::NetworkDown).to_owned())),
                Err(e) => error.set(Some(e.message().unwrap_or("error").to_owned())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="login">
            <h1>"营盘" <small>"Yingpan"</small></h1>
            <Show when=move || app.account_closed.get()>
                <p id="account-closed" class="notice" role="status">{move || i18n.t(Msg::AccountClosedNotice)}</p>
            </Show>
            <form on:submit=submit>
                <label for="username">{move || i18n.t(Msg::Username)}</label>
                <input id="username" autocomplete="username" autocapitalize="off" bind:value=username required />
                <label for="password">{move || i18n.t(Msg::Password)}</label>
                <input id="password" type="password" autocomplete="current-password" bind:value=password required />
                <Show when=move || error.with(Option::is_some)>
                    <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button id="login" type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t(Msg::SigningIn) } else { i18n.t(Msg::SignIn) }}
                </button>
            </form>
            <button class="link" on:click=move |_| i18n.toggle()>{move || i18n.t(Msg::Language)}</button>
        </section>
    }
}
