//! The browser's storage for this site: asking to keep it, showing its use,
//! and noticing when the browser threw it away.

use crate::db::LocalDb;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Set in localStorage once the database holds data; if IndexedDB later
/// comes back empty while this remains, the browser evicted the database.
const MARKER: &str = "yingpan.initialised";

fn manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

/// Asks the browser not to evict our data under storage pressure. Returns
/// whether it agreed.
pub async fn ask_to_persist() -> bool {
    let Some(promise) = manager().and_then(|m| m.persist().ok()) else {
        return false;
    };
    JsFuture::from(promise).await.map(|v| v.is_truthy()).unwrap_or(false)
}

/// Whether our storage is marked persistent.
pub async fn is_persisted() -> bool {
    let Some(promise) = manager().and_then(|m| m.persisted().ok()) else {
        return false;
    };
    JsFuture::from(promise).await.map(|v| v.is_truthy()).unwrap_or(false)
}

/// Bytes used and available to this site, if the browser says.
pub async fn estimate() -> Option<(f64, f64)> {
    let promise = manager()?.estimate().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    let get = |key: &str| js_sys::Reflect::get(&value, &JsValue::from_str(key)).ok()?.as_f64();
    Some((get("usage")?, get("quota")?))
}

/// Notices an evicted database, and marks a live one for next time.
pub async fn was_evicted(db: &LocalDb) -> bool {
    let Some(local) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return false;
    };
    let marked = local.get_item(MARKER).ok().flatten().is_some();
    let present = db.is_initialised().await.unwrap_or(false);
    if present {
        let _ = local.set_item(MARKER, "1");
    } else if marked {
        let _ = local.remove_item(MARKER);
        return true;
    }
    false
}

/// "3.2 MB"
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Called when the local data is wiped on purpose (signing out), so it is
/// not mistaken for an eviction.
pub fn forget_marker() {
    if let Some(local) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = local.remove_item(MARKER);
    }
}
