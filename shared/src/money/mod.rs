//! Money (报价, 合同, 应收, 收款): the pure rules of the money side.
//!
//! Amounts are integer fen (`i64`, hundredths of the currency's unit), never
//! floats, and every document carries its [`Currency`]. The rules here are
//! used by the server for everyone's money and by the app for a rep's own,
//! offline:
//! - [`capitals`]: an amount in Chinese capitals for printed documents;
//! - [`document`]: quote and contract lines and their totals, a quote's
//!   life, deliveries against a contract's lines;
//! - [`terms`]: payment terms expanded into installments, and their due
//!   dates;
//! - [`receivable`]: what is owed and received, allocation of receipts to
//!   installments (核销), reversals, refunds and credit notes, and each
//!   installment's status;
//! - [`records`]: the money records that sync (products, quotes,
//!   contracts, deliveries, prints) and their checks;
//! - [`book`]: what a pushed money record does beyond itself, decided
//!   against the customer's whole book.

pub mod book;
pub mod capitals;
pub mod document;
pub mod receivable;
pub mod records;
pub mod terms;

use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three capital letters ("CNY").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Renminbi, the default.
    pub const CNY: Currency = Currency(*b"CNY");

    /// Reads a code such as "CNY" or "usd".
    pub fn parse(raw: &str) -> Result<Currency, String> {
        let code = raw.trim().to_ascii_uppercase();
        match <[u8; 3]>::try_from(code.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_uppercase) => Ok(Currency(bytes)),
            _ => Err(format!("{raw:?} is not a currency code: write three letters, like CNY")),
        }
    }

    pub fn as_str(&self) -> &str {
        // Three ASCII capitals, checked when made.
        std::str::from_utf8(&self.0).unwrap_or("CNY")
    }
}

impl Default for Currency {
    fn default() -> Currency {
        Currency::CNY
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_letters_read_in_any_case() {
        assert_eq!(Currency::parse("usd"), Ok(Currency(*b"USD")));
        assert_eq!(Currency::default().to_string(), "CNY");
        for bad in ["", "RMB1", "C1Y", "元元元", "CN"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&Currency::CNY).unwrap();
        assert_eq!(json, "\"CNY\"");
        assert!(serde_json::from_str::<Currency>("\"12\"").is_err());
    }
}
