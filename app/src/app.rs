//! The root component: opens the local database, restores the session,
//! starts the sync loop and routes between pages.

use crate::components::{BottomNav, Header, IssuesBanner};
use crate::db::{LocalDb, DB_NAME};
use crate::i18n::{use_i18n, I18n, Lang, Msg};
use crate::pages::{
    account::AccountPage,
    audit::AuditPage,
    customer::CustomerPage,
    customers::CustomersPage,
    import::ImportPage,
    login::{ForcedPasswordChange, LoginPage},
    money::{
        aging::AgingPage,
        contract::ContractPage,
        finance::FinancePage,
        print::PrintPage,
        quote::{NewQuotePage, QuotePage},
    },
    new_customer::NewCustomerPage,
    people::PeoplePage,
    pipeline::PipelinePage,
    pool::PoolPage,
    settings::SettingsPage,
    sync::SyncPage,
    team::TeamPage,
    today::TodayPage,
    visits::VisitsPage,
};
use crate::sync::{AppCtx, Status, PERIOD_MS};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, LazyRoute};
use std::time::Duration;
use yingpan_shared::user::Role;

#[component]
pub fn App() -> impl IntoView {
    provide_context(I18n {
        lang: RwSignal::new(Lang::initial()),
    });
    let i18n = use_i18n();
    let opened = LocalResource::new(|| LocalDb::open(DB_NAME));
    view! {
        <Suspense fallback=move || view! { <p class="splash">{i18n.label(Msg::Loading)}</p> }>
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
        memory: StoredValue::new_local(crate::memory::Memory::default()),
        touched: crate::sync::Touched::new(),
        unindexed: RwSignal::new(0),
        loaded: RwSignal::new(false),
        written: RwSignal::new(0),
        waiting: StoredValue::new_local(None),
        users: RwSignal::new(Vec::new()),
        pool_rules: RwSignal::new(Default::default()),
        work_rules: RwSignal::new(Default::default()),
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
        // The app shows at once, Today from its saved view; the records are
        // read into memory meanwhile, and the first sync follows.
        restored.set(true);
        app.load_memory().await;
        // Then the other pages, so they do not hold Today up.
        preload_pages();
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
    let must_change = move || app.session.with(|s| s.as_ref().is_some_and(|s| s.must_change_password));
    view! {
        <Show when=move || restored.get()>
            <Show when=signed_in fallback=|| view! { <LoginPage /> }>
            <Show when=move || !must_change() fallback=|| view! { <ForcedPasswordChange /> }>
                <Router>
                    <Header />
                    <IssuesBanner />
                    <main>
                        <Routes fallback=|| view! { <TodayPage /> }>
                            <Route path=path!("/") view=TodayPage />
                            <Route path=path!("/customers") view={Lazy::<CustomersRoute>::new()} />
                            <Route path=path!("/pipeline") view={Lazy::<PipelineRoute>::new()} />
                            <Route path=path!("/visits") view={Lazy::<VisitsRoute>::new()} />
                            <Route path=path!("/new-customer") view={Lazy::<NewCustomerRoute>::new()} />
                            <Route path=path!("/customers/:id") view={Lazy::<CustomerRoute>::new()} />
                            <Route path=path!("/sync") view={Lazy::<SyncRoute>::new()} />
                            <Route path=path!("/pool") view={Lazy::<PoolRoute>::new()} />
                            <Route path=path!("/import") view={Lazy::<ImportRoute>::new()} />
                            <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()} />
                            <Route path=path!("/team") view={Lazy::<TeamRoute>::new()} />
                            <Route path=path!("/people") view={Lazy::<PeopleRoute>::new()} />
                            <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} />
                            <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
                            <Route path=path!("/customers/:id/quote") view={Lazy::<NewQuoteRoute>::new()} />
                            <Route path=path!("/quotes/:id") view={Lazy::<QuoteRoute>::new()} />
                            <Route path=path!("/contracts/:id") view={Lazy::<ContractRoute>::new()} />
                            <Route path=path!("/print/:kind/:id") view={Lazy::<PrintRoute>::new()} />
                            <Route path=path!("/money") view={Lazy::<FinanceRoute>::new()} />
                            <Route path=path!("/aging") view={Lazy::<AgingRoute>::new()} />
                        </Routes>
                    </main>
                    <BottomNav />
                </Router>
            </Show>
            </Show>
        </Show>
    }
}

/// A page loaded on demand: with the `split` feature (the shipped build,
/// see scripts/build-app) its code is a chunk of its own, fetched the first
/// time the page opens and kept by the service worker; without it (the
/// app's browser tests) it is in the main module like the rest.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $view:expr) => {
        $(#[$doc])*
        struct $route;

        #[cfg_attr(feature = "split", leptos_router::lazy_route)]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            #[cfg(feature = "split")]
            fn view(_this: Self) -> AnyView {
                $view.into_any()
            }

            #[cfg(not(feature = "split"))]
            async fn view(_this: Self) -> AnyView {
                $view.into_any()
            }
        }
    };
}

lazy_page!(CustomersRoute => view! { <Ready><CustomersPage /></Ready> });
lazy_page!(PipelineRoute => view! { <Ready><PipelinePage /></Ready> });
lazy_page!(VisitsRoute => view! { <Ready><VisitsPage /></Ready> });
lazy_page!(NewCustomerRoute => view! { <Ready><NewCustomerPage /></Ready> });
lazy_page!(CustomerRoute => view! { <Ready><CustomerPage /></Ready> });
lazy_page!(SyncRoute => view! { <Ready><SyncPage /></Ready> });
lazy_page!(PoolRoute => view! { <Ready><PoolPage /></Ready> });
lazy_page!(ImportRoute => view! { <Ready><Gate allow=&[Role::Rep, Role::Manager, Role::Admin]><ImportPage /></Gate></Ready> });
lazy_page!(SettingsRoute => view! { <Ready><Gate allow=&[Role::Admin]><SettingsPage /></Gate></Ready> });
lazy_page!(TeamRoute => view! { <Ready><Gate allow=&[Role::Manager, Role::Admin]><TeamPage /></Gate></Ready> });
lazy_page!(PeopleRoute => view! { <Ready><Gate allow=&[Role::Manager, Role::Admin]><PeoplePage /></Gate></Ready> });
lazy_page!(AuditRoute => view! { <Ready><Gate allow=&[Role::Admin]><AuditPage /></Gate></Ready> });
lazy_page!(AccountRoute => view! { <Ready><AccountPage /></Ready> });
lazy_page!(NewQuoteRoute => view! { <Ready><NewQuotePage /></Ready> });
lazy_page!(QuoteRoute => view! { <Ready><QuotePage /></Ready> });
lazy_page!(ContractRoute => view! { <Ready><ContractPage /></Ready> });
lazy_page!(PrintRoute => view! { <Ready><PrintPage /></Ready> });
lazy_page!(FinanceRoute => view! { <Ready><Gate allow=&[Role::Finance, Role::Admin]><FinancePage /></Gate></Ready> });
lazy_page!(AgingRoute => view! { <Ready><AgingPage /></Ready> });

/// Loads every page's chunk in the background once the app has started (its
/// records in memory), so a page opened later, offline included, is
/// already there; the service worker keeps them for the next start. Says so
/// on the page when done, for tests to wait on. Without the `split` feature
/// there is nothing to load.
fn preload_pages() {
    let pending = std::rc::Rc::new(std::cell::Cell::new(0));
    let loads: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> = vec![
        Box::pin(CustomersRoute::preload()),
        Box::pin(PipelineRoute::preload()),
        Box::pin(VisitsRoute::preload()),
        Box::pin(NewCustomerRoute::preload()),
        Box::pin(CustomerRoute::preload()),
        Box::pin(SyncRoute::preload()),
        Box::pin(PoolRoute::preload()),
        Box::pin(ImportRoute::preload()),
        Box::pin(SettingsRoute::preload()),
        Box::pin(TeamRoute::preload()),
        Box::pin(PeopleRoute::preload()),
        Box::pin(AuditRoute::preload()),
        Box::pin(AccountRoute::preload()),
        Box::pin(NewQuoteRoute::preload()),
        Box::pin(QuoteRoute::preload()),
        Box::pin(ContractRoute::preload()),
        Box::pin(PrintRoute::preload()),
        Box::pin(FinanceRoute::preload()),
    ];
    pending.set(loads.len());
    for load in loads {
        let pending = pending.clone();
        spawn_local(async move {
            load.await;
            pending.set(pending.get() - 1);
            if pending.get() == 0 {
                crate::device::mark_ready("pages");
            }
        });
    }
}

/// Shows its page once the records are in memory (they are read after the
/// app shows, so Today can show first).
#[component]
fn Ready(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let app = crate::sync::use_app();
    // Once shown, a page stays while the records are read again (after
    // another tab wrote, say): tearing it down would wipe a half-typed form.
    let ready = Memo::new(move |shown: Option<&bool>| shown.copied().unwrap_or(false) || app.loaded.get());
    view! {
        <Show when=move || ready.get() fallback=move || view! { <p class="splash">{i18n.label(Msg::Loading)}</p> }>
            {children()}
        </Show>
    }
}

/// Shows its page only to the roles allowed; the server refuses the rest
/// anyway, this keeps a person from a form they cannot use.
#[component]
fn Gate(
    /// The roles that may use the page.
    allow: &'static [Role],
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = crate::sync::use_app();
    let allowed = move || {
        app.session
            .with(|s| s.as_ref().is_some_and(|s| allow.contains(&s.user.role)))
    };
    view! {
        <Show when=allowed fallback=move || view! { <p class="empty" id="not-for-role">{i18n.label(Msg::NotForYourRole)}</p> }>
            {children()}
        </Show>
    }
}
