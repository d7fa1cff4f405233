//! One route per file.

pub mod account;
pub mod audit;
pub mod customer;
pub mod customers;
pub mod import;
pub mod login;
pub mod money;
pub mod new_customer;
pub mod people;
pub mod pipeline;
pub mod pool;
pub mod print_templates;
pub mod settings;
pub mod sync;
pub mod team;
pub mod today;
pub mod visits;
pub mod work_rules;

use crate::i18n::Msg;
use serde_json::Value;
use yingpan_shared::entity::FieldMap;
use yingpan_shared::ownership::OwnershipKind;
use yingpan_shared::user::User;

/// A user's display name from the cached directory, or a short id.
pub fn user_name(users: &[User], id: &str) -> String {
    users
        .iter()
        .find(|u| u.id.to_string() == id)
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| id.chars().take(8).collect())
}

/// The parts present, as a row's detail line: "北京 · 010-6234 5678".
pub fn dotted<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// An amount where space is short: in 万 when the UI is Chinese.
pub fn money_short(i18n: crate::i18n::I18n, amount: yingpan_shared::pipeline::Money) -> String {
    match leptos::prelude::Get::get(&i18n.lang) {
        crate::i18n::Lang::Zh => amount.short_zh(),
        crate::i18n::Lang::En => amount.grouped(),
    }
}

/// The label of an ownership change's kind.
pub fn ownership_kind(kind: OwnershipKind) -> Msg {
    match kind {
        OwnershipKind::Claim => Msg::OwnClaim,
        OwnershipKind::Release => Msg::OwnRelease,
        OwnershipKind::AutoReturn => Msg::OwnAutoReturn,
        OwnershipKind::Departure => Msg::OwnDeparture,
        OwnershipKind::Reassign => Msg::OwnReassign,
    }
}

/// A field's text, empty when missing.
pub fn field(record: &FieldMap, name: &str) -> String {
    match record.get(name) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

/// An RFC 3339 time as the local "YYYY-MM-DD".
pub fn local_date(rfc3339: &str) -> String {
    local_time(rfc3339).chars().take(10).collect()
}

/// An RFC 3339 time as local "YYYY-MM-DD HH:MM", or the text as it is.
pub fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}
