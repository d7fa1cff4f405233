//! Yingpan's server: sync and REST API over a [`store::Store`], and the app's
//! static files, on one port.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod demo;
mod demo_money;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod import;
pub mod jobs;
pub mod limits;
pub mod load;
pub mod money_view;
pub mod precompress;
pub mod routes;
pub mod settings;
pub mod state;
pub mod store;

pub use routes::router;
pub use settings::Settings;
pub use state::AppState;

use tokio::net::TcpListener;

/// Serves `state` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
