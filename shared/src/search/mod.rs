//! Matching cached records against what a person types in the search box.
//! Case- and width-insensitive (ＡＢＣ１２３ = abc123), spaces and dashes
//! ignored, so "138 0013" finds "138-0013-8000". The customer list's search
//! also knows pinyin, contacts and legal forms: [`CustomerSearch`].

mod index;
mod key;
pub mod pinyin;

pub use index::{CustomerSearch, Found, Hit};
pub use key::{Query, SearchKey};

use crate::entity::FieldMap;

/// Fields a customer search looks at.
pub const CUSTOMER_FIELDS: [&str; 5] = ["name", "phone", "region", "industry", "email"];

/// Folds text for comparison: full-width ASCII to half-width, lowercase,
/// without whitespace and dashes.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether every word of `query` occurs in one of `fields` of `record`.
pub fn matches(record: &FieldMap, fields: &[&str], query: &str) -> bool {
    let texts: Vec<&str> = fields.iter().filter_map(|f| record.get(*f)?.as_str()).collect();
    matches_text(&texts, query)
}

/// Whether every word of `query` occurs in one of `texts`.
pub fn matches_text(texts: &[&str], query: &str) -> bool {
    let haystack: Vec<String> = texts.iter().map(|t| fold(t)).collect();
    query
        .split_whitespace()
        .map(fold)
        .all(|word| haystack.iter().any(|h| h.contains(&word)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn customer() -> FieldMap {
        json!({"name": "北京华信科技有限公司", "phone": "+86 138-0013-8000", "region": "北京", "industry": "IT"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn finds_by_name_fragment_phone_and_region() {
        for q in ["华信", "13800138000", "138 0013", "北京 科技", "it"] {
            assert!(matches(&customer(), &CUSTOMER_FIELDS, q), "{q}");
        }
    }

    #[test]
    fn full_width_input_matches_half_width_data() {
        assert!(matches(&customer(), &CUSTOMER_FIELDS, "１３８００"));
        assert!(matches(&customer(), &CUSTOMER_FIELDS, "ＩＴ"));
    }

    #[test]
    fn every_word_must_match() {
        assert!(!matches(&customer(), &CUSTOMER_FIELDS, "华信 上海"));
        assert!(!matches(&customer(), &CUSTOMER_FIELDS, "华新"));
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(matches(&customer(), &CUSTOMER_FIELDS, "  "));
    }
}
