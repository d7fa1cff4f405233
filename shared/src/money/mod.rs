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
//! - [`aging`]: receivables by days past due, as of any date;
//! - [`dunning`]: dunning levels, the next one due, resolved letters;
//! - [`forecast`]: what customers are expected to pay, month by month;
//! - [`statement`]: a customer's open items and expected payments;
//! - [`stats`]: a year's receipts, receivables and refunds by month,
//!   method and rep;
//! - [`payable`]: what the company owes its suppliers, the receivable
//!   rules read the other way round;
//! - [`report`]: aging and forecasts named and summed per rep, team and
//!   company;
//! - [`catalogue`]: products imported from a spreadsheet;
//! - [`print`]: the company's print templates and what fills them;
//! - [`book`]: what a pushed money record does beyond itself, decided
//!   against the customer's whole book.

pub mod aging;
pub mod book;
pub mod capitals;
pub mod catalogue;
pub mod document;
pub mod dunning;
pub mod forecast;
pub mod payable;
pub mod print;
pub mod receivable;
pub mod records;
pub mod report;
pub mod statement;
pub mod stats;
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

/// Reads an amount typed in yuan ("12,345.67", "¥800", "0.5") into fen:
/// at most two decimals, never negative, at most ¥10 trillion.
pub fn parse_yuan(raw: &str) -> Result<i64, String> {
    let refuse = || format!("{raw:?} is not an amount: write it like 12345.67");
    let text: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 13 || !digits(whole) || fraction.len() > 2 || !digits(fraction) {
        return Err(refuse());
    }
    let whole: i64 = whole.parse().map_err(|_| refuse())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| refuse())?;
    let fen = whole * 100 + fraction;
    if fen > terms::MAX_FEN {
        return Err(refuse());
    }
    Ok(fen)
}

/// Reads a percentage typed with at most two decimals ("13", "5.5") into
/// basis points (1300, 550), at most 100 %.
pub fn parse_percent(raw: &str) -> Result<u32, String> {
    let refuse = || format!("{raw:?} is not a percentage: write it like 13 or 5.5");
    // Hundredths of a percent read like fen of a yuan.
    let bp = parse_yuan(raw.trim().trim_end_matches(['%', '％'])).map_err(|_| refuse())?;
    u32::try_from(bp).ok().filter(|bp| *bp <= 10_000).ok_or_else(refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_to_basis_points() {
        assert_eq!(parse_percent("13"), Ok(1300));
        assert_eq!(parse_percent("5.5%"), Ok(550));
        assert_eq!(parse_percent("0"), Ok(0));
        assert!(parse_percent("100.01").is_err());
        assert!(parse_percent("-5").is_err());
    }

    #[test]
    fn amounts_are_read_in_yuan_to_the_fen() {
        assert_eq!(parse_yuan("12,345.67"), Ok(1_234_567));
        assert_eq!(parse_yuan("¥800"), Ok(80_000));
        assert_eq!(parse_yuan(" 0.5 "), Ok(50));
        for bad in ["", "-1", "1.234", "1e5", "abc", "12.3.4", "99999999999999"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
    }

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
