//! Yingpan's server: sync and REST API over a [`store::Store`], and the app's
//! static files, on one port.

pub mod auth;
pub mod demo;
pub mod error;
pub mod extract;
pub mod import;
pub mod jobs;
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
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
