//! Installs the service worker (`app/sw.js`) that keeps the app shell, so
//! the app starts with no network and can be added to the home screen.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// Where Trunk puts the worker: the site root, so its scope is every route.
const WORKER: &str = "/sw.js";

/// Registers the worker in the background. Without one (an old browser, or
/// plain http to anything but localhost) the app works online as before;
/// a failure is logged, never fatal.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    // `navigator.serviceWorker` is missing outside secure contexts; calling
    // through web-sys there would throw.
    let supported = js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if !supported {
        return;
    }
    let registering = navigator.service_worker().register(WORKER);
    spawn_local(async move {
        if let Err(e) = JsFuture::from(registering).await {
            web_sys::console::warn_2(&JsValue::from_str("service worker not registered:"), &e);
        }
    });
}
