//! What the phone itself provides: its position, and camera photos shrunk
//! and stamped before they are stored.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, PositionOptions};
use yingpan_shared::photo::{scaled, CONTENT_TYPE};
use yingpan_shared::visit::GeoPoint;

/// Why no position could be had, for the person holding the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoFix {
    Denied,
    Unavailable,
    TimedOut,
}

/// How long to wait for a fix.
const LOCATE_TIMEOUT_MS: i32 = 20_000;

/// One high-accuracy fix: the point and its accuracy in metres.
pub async fn locate() -> Result<(GeoPoint, f64), NoFix> {
    let geolocation = web_sys::window()
        .and_then(|w| w.navigator().geolocation().ok())
        .ok_or(NoFix::Unavailable)?;
    let promise = Promise::new(&mut |resolve, reject| {
        let options = PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(LOCATE_TIMEOUT_MS as u32);
        options.set_maximum_age(0);
        let ok = Closure::once_into_js(move |p: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &p);
        });
        let failed = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let _ = geolocation.get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(failed.unchecked_ref()),
            &options,
        );
    });
    // The position types are read by name: web-sys marks the current ones
    // unstable and the stable ones are gone from browsers.
    let number = |v: &JsValue, key: &str| {
        js_sys::Reflect::get(v, &JsValue::from_str(key))
            .ok()
            .and_then(|n| n.as_f64())
    };
    match JsFuture::from(promise).await {
        Ok(p) => {
            let coords = js_sys::Reflect::get(&p, &JsValue::from_str("coords")).map_err(|_| NoFix::Unavailable)?;
            let (lat, lon, accuracy) = (
                number(&coords, "latitude").ok_or(NoFix::Unavailable)?,
                number(&coords, "longitude").ok_or(NoFix::Unavailable)?,
                number(&coords, "accuracy").unwrap_or(f64::INFINITY),
            );
            let point = GeoPoint::new(lat, lon).map_err(|_| NoFix::Unavailable)?;
            Ok((point, accuracy))
        }
        // GeolocationPositionError codes: 1 denied, 2 unavailable, 3 timeout.
        Err(e) => Err(match number(&e, "code") {
            Some(1.0) => NoFix::Denied,
            Some(3.0) => NoFix::TimedOut,
            _ => NoFix::Unavailable,
        }),
    }
}

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "the photo could not be read".into())
}

/// Decodes a camera picture, shrinks it to the longest side allowed,
/// burns `lines` into its lower edge and encodes it as JPEG.
pub async fn stamped_jpeg(picture: &Blob, lines: &[String]) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(picture).map_err(js_error)?)
        .await
        .map_err(|_| "this file is not a picture the phone can read".to_owned())?
        .unchecked_into();
    let (width, height) = scaled(bitmap.width(), bitmap.height());
    let canvas: HtmlCanvasElement = window
        .document()
        .ok_or("no document")?
        .create_element("canvas")
        .map_err(js_error)?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no canvas")?
        .unchecked_into();
    let (w, h) = (f64::from(width), f64::from(height));
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
        .map_err(js_error)?;
    let font_px = (w.max(h) / 40.0).clamp(12.0, 44.0);
    let line_px = font_px * 1.3;
    let band = line_px * lines.len() as f64 + font_px * 0.6;
    ctx.set_fill_style_str("rgba(0, 0, 0, 0.6)");
    ctx.fill_rect(0.0, h - band, w, band);
    ctx.set_fill_style_str("#ffffff");
    ctx.set_font(&format!("{font_px}px sans-serif"));
    for (i, line) in lines.iter().enumerate() {
        ctx.fill_text(
            line,
            font_px * 0.5,
            h - band + font_px * 0.3 + line_px * (i as f64 + 0.8),
        )
        .map_err(js_error)?;
    }
    let encoded = Promise::new(&mut |resolve, _reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        let _ =
            canvas.to_blob_with_type_and_encoder_options(done.unchecked_ref(), CONTENT_TYPE, &JsValue::from_f64(0.82));
    });
    let blob: Blob = JsFuture::from(encoded)
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "the photo could not be encoded".to_owned())?;
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// An object URL showing JPEG `bytes` (revoke it when done).
pub fn jpeg_url(bytes: &[u8]) -> Option<String> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(CONTENT_TYPE);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Frees an object URL made by [`jpeg_url`]: until then the browser keeps
/// the photo's bytes in memory.
pub fn revoke_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Which build of the app this is: the content-hashed script the page
/// loads, as Trunk names it ("" where there is none, as in tests).
pub fn build_id() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("link[rel=modulepreload]").ok().flatten())
        .and_then(|link| link.get_attribute("href"))
        .unwrap_or_default()
}

/// The device's clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Milliseconds on a clock that only moves forward (since the page
/// opened): for waits and timings, which a change of the device's clock
/// must not stretch or cut short. Without one, the device's clock.
pub fn steady_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// The browser's UTC offset in minutes (east positive), for local dates.
pub fn utc_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// The date on this device's calendar.
pub fn today() -> chrono::NaiveDate {
    yingpan_shared::today::local_date(now(), utc_offset_minutes())
}

/// Marks `<html data-{what}="ready">`, for tests and benches to wait on.
pub fn mark_ready(what: &str) {
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute(&format!("data-{what}"), "ready");
    }
}

/// Saves `bytes` (of MIME type `kind`) as a file named `name` through a
/// temporary link.
pub fn download(bytes: &[u8], kind: &str, name: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(kind);
    let Ok(blob) = Blob::new_with_u8_array_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(link) = link {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
