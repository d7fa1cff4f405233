//! Yingpan's web app: Leptos client-side rendering, data cached in
//! IndexedDB, changes queued in an outbox and synced when online.

mod api;
mod app;
mod components;
mod db;
mod dedup;
mod device;
mod edits;
mod i18n;
mod ids;
mod memory;
mod pages;
mod pwa;
mod storage;
mod sync;
mod uploads;

fn main() {
    console_error_panic_hook::set_once();
    pwa::register_service_worker();
    leptos::mount::mount_to_body(app::App);
}
