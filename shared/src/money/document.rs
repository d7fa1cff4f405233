//! The lines of a quote or a contract and what they add up to, a quote's
//! life (draft → sent → accepted / rejected / expired, revised into a new
//! version), and deliveries made from a contract's lines.
//!
//! Prices are tax-included, as Chinese B2B documents print them (含税价);
//! the tax inside is shown beside. Each line is rounded to the fen and the
//! document's total is the sum of its rounded lines, so the printed lines
//! always add up to the printed total.

use super::terms::MAX_FEN;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// A quantity in thousandths of a unit: 1.5 (kg, say) is 1500.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Quantity(pub i64);

impl Quantity {
    /// Reads "3", "1.5" or "0.125": above zero, at most three decimals,
    /// below a billion units.
    pub fn parse(raw: &str) -> Result<Quantity, String> {
        let refuse = || format!("{raw:?} is not a quantity: write it like 3 or 1.5 (at most three decimals)");
        let text = raw.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || whole.len() > 9 || !digits(whole) || fraction.len() > 3 || !digits(fraction) {
            return Err(refuse());
        }
        let whole: i64 = whole.parse().map_err(|_| refuse())?;
        let fraction: i64 = format!("{fraction:0<3}").parse().map_err(|_| refuse())?;
        match whole * 1000 + fraction {
            0 => Err(refuse()),
            q => Ok(Quantity(q)),
        }
    }
}

/// One line of a quote or contract.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Names the line on a contract, where deliveries refer to it.
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The product, or none for a line written freely.
    #[serde(default)]
    pub product_id: Option<Uuid>,
    pub description: String,
    pub quantity: Quantity,
    /// Per unit, tax included, in fen.
    pub unit_fen: i64,
    /// Off the price, in hundredths of a percent (500 = 5 %).
    #[serde(default)]
    pub discount_bp: u32,
    /// The tax rate, in hundredths of a percent (1300 = 13 %).
    #[serde(default)]
    pub tax_bp: u32,
    /// When a contract line is to be delivered.
    #[serde(default)]
    pub planned_delivery: Option<NaiveDate>,
}

/// Why a line cannot be priced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line {0}: a price cannot be negative")]
    NegativePrice(usize),
    #[error("line {0}: a discount or tax rate is at most 100 %")]
    OverHundredPercent(usize),
    #[error("line {0}: the quantity must be above zero")]
    NoQuantity(usize),
    #[error("the amount is above ¥10 trillion")]
    TooLarge,
}

/// `value × basis_points / 10,000`, rounded half up (non-negative values).
fn part(value: i128, basis_points: u32) -> i128 {
    (value * i128::from(basis_points) + 5_000) / 10_000
}

impl Line {
    /// Quantity × unit price, less the discount, rounded half up to the
    /// fen; `number` names the line in an error.
    pub fn amount(&self, number: usize) -> Result<i64, LineError> {
        if self.unit_fen < 0 {
            return Err(LineError::NegativePrice(number));
        }
        if self.discount_bp > 10_000 || self.tax_bp > 10_000 {
            return Err(LineError::OverHundredPercent(number));
        }
        if self.quantity.0 <= 0 {
            return Err(LineError::NoQuantity(number));
        }
        // Thousandths of a unit times fen: rounded to the fen first.
        let gross = (i128::from(self.quantity.0) * i128::from(self.unit_fen) + 500) / 1000;
        let net = gross - part(gross, self.discount_bp);
        i64::try_from(net)
            .ok()
            .filter(|n| *n <= MAX_FEN)
            .ok_or(LineError::TooLarge)
    }

    /// The tax included in `amount` (this line's): amount × rate / (1 +
    /// rate), rounded half up.
    pub fn tax_in(&self, amount: i64) -> i64 {
        let rate = i128::from(self.tax_bp);
        ((i128::from(amount) * rate * 2 + (10_000 + rate)) / ((10_000 + rate) * 2)) as i64
    }
}

/// What a document's lines add up to, in fen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Each line's amount, in order.
    pub lines: Vec<i64>,
    /// The sum of the lines, tax included.
    pub amount: i64,
    /// The tax inside `amount`.
    pub tax: i64,
}

/// Prices every line and adds them up.
pub fn totals(lines: &[Line]) -> Result<Totals, LineError> {
    let mut totals = Totals {
        lines: Vec::with_capacity(lines.len()),
        amount: 0,
        tax: 0,
    };
    for (i, line) in lines.iter().enumerate() {
        let amount = line.amount(i + 1)?;
        totals.amount = totals
            .amount
            .checked_add(amount)
            .filter(|a| *a <= MAX_FEN)
            .ok_or(LineError::TooLarge)?;
        totals.tax += line.tax_in(amount);
        totals.lines.push(amount);
    }
    Ok(totals)
}

/// Where a quote is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    Sent,
    Accepted,
    Rejected,
    /// Sent, and past its validity date without an answer.
    Expired,
    /// Revised: a newer version replaces it (kept as history).
    Superseded,
}

/// A quote's status on `today`: a sent quote past its validity date has
/// expired.
pub fn quote_status(stored: QuoteStatus, valid_until: Option<NaiveDate>, today: NaiveDate) -> QuoteStatus {
    match (stored, valid_until) {
        (QuoteStatus::Sent, Some(until)) if until < today => QuoteStatus::Expired,
        (status, _) => status,
    }
}

/// Whether a quote in status `from` (as of today, see [`quote_status`])
/// may move to `to`. Only a draft is edited in place; a sent, rejected or
/// expired quote is revised into a new version ([`may_revise`]).
pub fn may_move(from: QuoteStatus, to: QuoteStatus) -> Result<(), String> {
    use QuoteStatus::*;
    match (from, to) {
        (Draft, Sent) | (Sent, Accepted) | (Sent, Rejected) => Ok(()),
        (Expired, Accepted) => Err("this quote has expired: revise it into a new version first".into()),
        (from, to) => Err(format!("a {from:?} quote cannot become {to:?}").to_lowercase()),
    }
}

/// Whether a quote may be revised into a new version (which supersedes it).
pub fn may_revise(status: QuoteStatus) -> Result<(), String> {
    match status {
        QuoteStatus::Sent | QuoteStatus::Rejected | QuoteStatus::Expired => Ok(()),
        QuoteStatus::Draft => Err("a draft is edited, not revised".into()),
        QuoteStatus::Accepted => Err("an accepted quote becomes a contract; it is not revised".into()),
        QuoteStatus::Superseded => Err("a newer version of this quote exists: revise that one".into()),
    }
}

/// Why a delivery is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("a delivery needs at least one line")]
    Empty,
    #[error("that line is not on this contract")]
    UnknownLine,
    #[error("a delivered quantity must be above zero")]
    NoQuantity,
    #[error("only {left} thousandths of a unit are left to deliver on that line, not {asked}")]
    MoreThanOrdered { left: i64, asked: i64 },
}

/// What is left to deliver on each contract line: ordered less delivered,
/// never below zero.
pub fn undelivered(ordered: &[(Uuid, Quantity)], delivered: &[(Uuid, Quantity)]) -> Vec<(Uuid, i64)> {
    let mut done: HashMap<Uuid, i64> = HashMap::new();
    for (line, q) in delivered {
        let sum = done.entry(*line).or_default();
        *sum = sum.saturating_add(q.0);
    }
    ordered
        .iter()
        .map(|(line, q)| (*line, (q.0 - done.get(line).copied().unwrap_or(0)).max(0)))
        .collect()
}

/// Checks a new delivery against what is left on the contract's lines:
/// more than ordered only when the company allows it.
pub fn check_delivery(
    ordered: &[(Uuid, Quantity)],
    delivered: &[(Uuid, Quantity)],
    new: &[(Uuid, Quantity)],
    allow_over: bool,
) -> Result<(), DeliveryError> {
    if new.is_empty() {
        return Err(DeliveryError::Empty);
    }
    let left: HashMap<Uuid, i64> = undelivered(ordered, delivered).into_iter().collect();
    let mut asked: HashMap<Uuid, i64> = HashMap::new();
    for (line, q) in new {
        let left = *left.get(line).ok_or(DeliveryError::UnknownLine)?;
        if q.0 <= 0 {
            return Err(DeliveryError::NoQuantity);
        }
        let sum = asked.entry(*line).or_default();
        *sum = sum.saturating_add(q.0);
        if *sum > left && !allow_over {
            return Err(DeliveryError::MoreThanOrdered { left, asked: *sum });
        }
    }
    Ok(())
}

/// Whether every line has been delivered in full: the date of the delivery
/// that makes it so is the basis of installments due "after delivery".
pub fn fully_delivered(ordered: &[(Uuid, Quantity)], delivered: &[(Uuid, Quantity)]) -> bool {
    undelivered(ordered, delivered).iter().all(|(_, left)| *left == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(quantity: i64, unit_fen: i64, discount_bp: u32, tax_bp: u32) -> Line {
        Line {
            product_id: None,
            description: "液压阀 HV-200".into(),
            quantity: Quantity(quantity),
            unit_fen,
            discount_bp,
            tax_bp,
            ..Line::default()
        }
    }

    #[test]
    fn quantities_are_read_with_up_to_three_decimals() {
        assert_eq!(Quantity::parse("3"), Ok(Quantity(3000)));
        assert_eq!(Quantity::parse(" 1.5 "), Ok(Quantity(1500)));
        assert_eq!(Quantity::parse("0.125"), Ok(Quantity(125)));
        for bad in ["", "0", "0.000", "-1", "1.2345", "1,5", "abc", "1e3", "1234567890"] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_line_is_quantity_times_price_less_discount_with_the_tax_inside() {
        // 2.5 units at ¥1,000.00 less 5 %: ¥2,375.00, of which 13 % VAT.
        let l = line(2500, 100_000, 500, 1300);
        assert_eq!(l.amount(1), Ok(237_500));
        assert_eq!(l.tax_in(237_500), 27_323); // 2375 × 0.13 / 1.13 = 273.23
                                               // A third of a fen rounds, half up.
        assert_eq!(line(1, 1_500, 0, 0).amount(1), Ok(2)); // 0.001 × ¥15.00 = 1.5 fen
        assert_eq!(line(1000, 999, 10_000, 0).amount(1), Ok(0));
        let t = totals(&[l.clone(), line(1000, 50_000, 0, 600)]).unwrap();
        assert_eq!(t.lines, [237_500, 50_000]);
        assert_eq!(t.amount, 287_500);
        assert_eq!(t.tax, 27_323 + 2_830); // 500 × 0.06 / 1.06 = 28.30
    }

    #[test]
    fn lines_that_cannot_be_priced_are_refused_with_their_number() {
        assert_eq!(
            totals(&[line(1000, 1, 0, 0), line(1000, -1, 0, 0)]),
            Err(LineError::NegativePrice(2))
        );
        assert_eq!(
            line(1000, 1, 10_001, 0).amount(3),
            Err(LineError::OverHundredPercent(3))
        );
        assert_eq!(line(0, 1, 0, 0).amount(1), Err(LineError::NoQuantity(1)));
        assert_eq!(line(i64::MAX, i64::MAX, 0, 0).amount(1), Err(LineError::TooLarge));
        let big = line(1_000_000_000, 900_000_000_000, 0, 0);
        assert_eq!(totals(&[big.clone(), big]), Err(LineError::TooLarge));
    }

    #[test]
    fn a_quote_goes_from_draft_to_an_answer_and_expires_unanswered() {
        use QuoteStatus::*;
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(quote_status(Sent, Some(day(10)), day(10)), Sent);
        assert_eq!(quote_status(Sent, Some(day(10)), day(11)), Expired);
        assert_eq!(quote_status(Accepted, Some(day(10)), day(11)), Accepted);
        assert!(may_move(Draft, Sent).is_ok() && may_move(Sent, Accepted).is_ok() && may_move(Sent, Rejected).is_ok());
        for (from, to) in [
            (Draft, Accepted),
            (Accepted, Rejected),
            (Expired, Accepted),
            (Superseded, Sent),
            (Rejected, Accepted),
        ] {
            assert!(may_move(from, to).is_err(), "{from:?} → {to:?}");
        }
        assert!(may_revise(Sent).is_ok() && may_revise(Expired).is_ok() && may_revise(Rejected).is_ok());
        assert!(may_revise(Draft).is_err() && may_revise(Accepted).is_err() && may_revise(Superseded).is_err());
    }

    #[test]
    fn deliveries_take_what_is_left_and_more_only_when_allowed() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let ordered = [(a, Quantity(10_000)), (b, Quantity(2_000))];
        let first = [(a, Quantity(4_000))];
        assert_eq!(undelivered(&ordered, &first), [(a, 6_000), (b, 2_000)]);
        assert!(!fully_delivered(&ordered, &first));
        assert_eq!(
            check_delivery(&ordered, &first, &[(a, Quantity(3_000)), (a, Quantity(3_001))], false),
            Err(DeliveryError::MoreThanOrdered {
                left: 6_000,
                asked: 6_001
            })
        );
        assert_eq!(check_delivery(&ordered, &first, &[(a, Quantity(6_001))], true), Ok(()));
        assert_eq!(
            check_delivery(&ordered, &first, &[(Uuid::from_u128(9), Quantity(1))], true),
            Err(DeliveryError::UnknownLine)
        );
        assert_eq!(
            check_delivery(&ordered, &first, &[(a, Quantity(0))], true),
            Err(DeliveryError::NoQuantity)
        );
        assert_eq!(check_delivery(&ordered, &first, &[], true), Err(DeliveryError::Empty));
        let rest = [(a, Quantity(4_000)), (a, Quantity(6_000)), (b, Quantity(2_000))];
        assert!(fully_delivered(&ordered, &rest));
    }

    proptest! {
        #[test]
        fn printed_lines_always_add_up_to_the_total_and_hold_their_tax(
            lines in proptest::collection::vec((1i64..10_000_000, 0i64..100_000_000, 0u32..=10_000, 0u32..=2_000), 1..20)
        ) {
            let lines: Vec<Line> = lines.into_iter().map(|(q, p, d, t)| line(q, p, d, t)).collect();
            let t = totals(&lines).unwrap();
            prop_assert_eq!(t.lines.iter().sum::<i64>(), t.amount);
            prop_assert!(t.lines.iter().all(|a| *a >= 0));
            prop_assert!(t.tax >= 0 && t.tax <= t.amount);
        }
    }
}
