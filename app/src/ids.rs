//! New record ids: UUIDv7 from the browser's clock and its crypto RNG, so a
//! record created offline already has its final, time-ordered id.

use uuid::Builder;

pub fn new_id() -> String {
    let mut random = [0u8; 10];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut random);
    }
    let millis = js_sys::Date::now() as u64;
    Builder::from_unix_timestamp_millis(millis, &random)
        .into_uuid()
        .to_string()
}
