//! The root component: opens the local database, restores the session,
//! starts the sync loop and routes between pages.

use crate::components::{BottomNav, Header, IssuesBanner};
use crate::db::{LocalDb, DB_NAME};
use crate::i18n::{use_i18n, I18n, Lang, Msg};
use crate::pages::{
    customer::CustomerPage, customers::CustomersPage, import::ImportPage, login::LoginPage,
    new_customer::NewCustomerPage, pipeline::PipelinePage, pool::PoolPage, settings::SettingsPage, sync::SyncPage,
    team::TeamPage, today::TodayPage, visits::VisitsPage,
};
use crate::sync::{AppCtx, Status, PERIOD_MS};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use std::time::Duration;

#[component]
pub fn App() -> impl IntoView {
    provide_context(I18n {
        lang: RwSignal::new(Lang::initial()),
    });
    let i18n = use_i18n();
    let opened = LocalResource::new(|| LocalDb::open(DB_NAME));
    view! {
        <Suspense fallback=move || view! { <p class="splash">{move || i18n.t(Msg::Loading)}</p> }>
            {move || opened.get().map(|result| match result {
                Ok(db) => view! { <Shell db=db /> }.into_any(),
                Err(e) => view! { <p class="fatal">{e.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// The app once its database is open.
#[component]
fn Shell(db: LocalDb) -> impl IntoView {
    let app = AppCtx {
        db: StoredValue::new_local(db.clone()),
        session: RwSignal::new(None),
        status: RwSignal::new(Status::Idle),
        pending: RwSignal::new(0),
        issues: RwSignal::new(Vec::new()),
        version: RwSignal::new(0),
        progress: RwSignal::new(None),
        data_lost: RwSignal::new(false),
        account_closed: RwSignal::new(false),
    };
    provide_context(app);
    let restored = RwSignal::new(false);
    spawn_local(async move {
        crate::storage::ask_to_persist().await;
        if crate::storage::was_evicted(&db).await {
            app.data_lost.set(true);
        }
        if let Ok(session) = db.session().await {
            app.session.set(session);
        }
        restored.set(true);
        app.request_sync();
    });
    let online = window_event_listener(ev::online, move |_| app.request_sync());
    let offline = window_event_listener(ev::offline, move |_| app.status.set(Status::Offline));
    let timer = set_interval_with_handle(move || app.request_sync(), Duration::from_millis(PERIOD_MS.into())).ok();
    on_cleanup(move || {
        online.remove();
        offline.remove();
        if let Some(t) = timer {
            t.clear();
        }
    });
    let signed_in = move || app.session.with(Option::is_some);
    view! {
        <Show when=move || restored.get()>
            <Show when=signed_in fallback=|| view! { <LoginPage /> }>
                <Router>
                    <Header />
                    <IssuesBanner />
                    <main>
                        <Routes fallback=|| view! { <TodayPage /> }>
                            <Route path=path!("/") view=TodayPage />
                            <Route path=path!("/customers") view=CustomersPage />
                            <Route path=path!("/pipeline") view=PipelinePage />
                            <Route path=path!("/visits") view=VisitsPage />
                            <Route path=path!("/new-customer") view=NewCustomerPage />
                            <Route path=path!("/customers/:id") view=CustomerPage />
                            <Route path=path!("/sync") view=SyncPage />
                            <Route path=path!("/pool") view=PoolPage />
                            <Route path=path!("/import") view=ImportPage />
                            <Route path=path!("/settings") view=SettingsPage />
                            <Route path=path!("/team") view=TeamPage />
                        </Routes>
                    </main>
                    <BottomNav />
                </Router>
            </Show>
        </Show>
    }
}
