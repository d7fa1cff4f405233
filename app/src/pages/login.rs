//! Sign in, the new password a first sign-in (or a reset) asks for, and
//! accepting an invite link.

use crate::api::{self, ApiError};
use crate::db::Session;
use crate::i18n::{use_i18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::api::LoginResponse;

/// Keeps a fresh sign-in on this device and enters the app.
async fn start(app: AppCtx, res: LoginResponse) -> Result<(), String> {
    let session = Session {
        token: res.token,
        user: res.user,
        must_change_password: res.must_change_password,
    };
    app.db
        .get_value()
        .start_session(&session)
        .await
        .map_err(|e| e.to_string())?;
    app.account_closed.set(false);
    // Signing in as someone else dropped the previous person's records.
    app.load_memory().await;
    app.session.set(Some(session));
    app.changed();
    Ok(())
}

fn explain(i18n: crate::i18n::I18n, e: ApiError) -> String {
    match e {
        ApiError::Unreachable => i18n.t(Msg::NetworkDown).to_owned(),
        e => e.message().unwrap_or("error").to_owned(),
    }
}

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
            let outcome = match api::login(&username.get_untracked(), &password.get_untracked()).await {
                Ok(res) => start(app, res).await,
                Err(e) => Err(explain(i18n, e)),
            };
            if let Err(e) = outcome {
                error.set(Some(e));
            }
            busy.set(false);
        });
    };
    let invite = invite_token();
    view! {
        <section class="login">
            <h1>"营盘" <small>"Yingpan"</small></h1>
            {match invite {
                Some(token) => view! { <InviteForm token=token /> }.into_any(),
                None => view! {
                    <Show when=move || app.account_closed.get()>
                        <p id="account-closed" class="notice" role="status">{i18n.label(Msg::AccountClosedNotice)}</p>
                    </Show>
                    <form on:submit=submit>
                        <label for="username">{i18n.label(Msg::Username)}</label>
                        <input id="username" autocomplete="username" autocapitalize="off" bind:value=username required />
                        <label for="password">{i18n.label(Msg::Password)}</label>
                        <input id="password" type="password" autocomplete="current-password" bind:value=password required />
                        <Show when=move || error.with(Option::is_some)>
                            <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
                        </Show>
                        <button id="login" type="submit" class="primary" disabled=move || busy.get()>
                            {move || if busy.get() { i18n.t(Msg::SigningIn) } else { i18n.t(Msg::SignIn) }}
                        </button>
                    </form>
                }.into_any(),
            }}
            <button class="link" on:click=move |_| i18n.toggle()>{i18n.label(Msg::Language)}</button>
        </section>
    }
}

/// The token of an invite link (`/invite#token=…`: in the fragment, so it
/// never reaches a server's or a proxy's logs), if that is this page.
fn invite_token() -> Option<String> {
    let location = web_sys::window()?.location();
    if location.pathname().ok()? != "/invite" {
        return None;
    }
    let fragment = location.hash().ok()?;
    web_sys::UrlSearchParams::new_with_str(fragment.trim_start_matches('#'))
        .ok()?
        .get("token")
}

/// The invited person's first password; they are signed in after.
#[component]
fn InviteForm(
    /// The token from the invite link.
    token: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = token.clone();
        spawn_local(async move {
            let outcome = match api::accept_invite(&token, &password.get_untracked()).await {
                Ok(res) => start(app, res).await,
                Err(e) => Err(explain(i18n, e)),
            };
            match outcome {
                Ok(()) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w
                            .history()
                            .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/")));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form id="invite-form" on:submit=submit>
            <p>{i18n.label(Msg::Welcome)}</p>
            <label for="invite-password">{i18n.label(Msg::AcceptInvite)}</label>
            <input id="invite-password" type="password" autocomplete="new-password" minlength="8" bind:value=password required />
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button id="accept-invite" type="submit" class="primary">{i18n.label(Msg::SignIn)}</button>
        </form>
    }
}

/// A form to change one's password: the current one, then the new.
/// `on_done` runs once the server took it.
#[component]
pub fn PasswordForm(
    /// What to do once the password has changed.
    on_done: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let token = app
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default());
        spawn_local(async move {
            match api::change_password(&token, &current.get_untracked(), &new.get_untracked()).await {
                Ok(()) => {
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                    on_done.run(());
                }
                Err(e) => error.set(Some(explain(i18n, e))),
            }
        });
    };
    view! {
        <form id="password-form" on:submit=submit>
            <label for="current-password">{i18n.label(Msg::CurrentPassword)}</label>
            <input id="current-password" type="password" autocomplete="current-password" bind:value=current required />
            <label for="new-password">{i18n.label(Msg::NewPassword)}</label>
            <input id="new-password" type="password" autocomplete="new-password" minlength="8" bind:value=new required />
            <Show when=move || error.with(Option::is_some)>
                <p class="error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || done.get()>
                <p class="notice" role="status">{i18n.label(Msg::PasswordChanged)}</p>
            </Show>
            <button id="change-password" type="submit" class="primary">{i18n.label(Msg::ChangePassword)}</button>
        </form>
    }
}

/// Shown instead of the app while the server asks for a new password.
#[component]
pub fn ForcedPasswordChange() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let on_done = Callback::new(move |()| {
        let Some(mut session) = app.session.get_untracked() else {
            return;
        };
        session.must_change_password = false;
        spawn_local(async move {
            let _ = app.db.get_value().start_session(&session).await;
            app.session.set(Some(session));
            app.request_sync();
        });
    });
    view! {
        <section class="login" id="forced-password-change">
            <h1>"营盘" <small>"Yingpan"</small></h1>
            <p class="notice" role="status">{i18n.label(Msg::ChooseNewPassword)}</p>
            <PasswordForm on_done=on_done />
        </section>
    }
}
