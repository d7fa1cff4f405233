//! One route per file.

pub mod customer;
pub mod customers;
pub mod login;
pub mod new_customer;

use serde_json::Value;
use yingpan_shared::entity::FieldMap;

/// A field's text, empty when missing.
pub fn field(record: &FieldMap, name: &str) -> String {
    match record.get(name) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}
