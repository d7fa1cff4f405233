//! The money records that sync besides the receivable facts
//! ([`super::receivable`]): products, quotes, contracts, deliveries and
//! prints, each with the checks a pushed copy must pass.

use super::document::{totals, Line, Quantity, QuoteStatus, Totals};
use super::terms::{TermLine, MAX_FEN};
use super::Currency;
use crate::ids::UserId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// The most lines a quote, contract or delivery may have.
pub const MAX_LINES: usize = 200;

/// Longest free text (notes, terms) on a money record, in characters.
const MAX_TEXT: usize = 4_000;

/// Longest short text (a code, a name, a description), in characters.
const MAX_SHORT: usize = 300;

fn yes() -> bool {
    true
}

fn first() -> u32 {
    1
}

/// Trims `text` and checks its length.
fn tidy(text: &mut String, what: &str, max: usize) -> Result<(), String> {
    *text = text.trim().to_owned();
    if text.chars().count() > max {
        return Err(format!("the {what} is longer than {max} characters"));
    }
    Ok(())
}

fn required(text: &mut String, what: &str) -> Result<(), String> {
    tidy(text, what, MAX_SHORT)?;
    if text.is_empty() {
        return Err(format!("the {what} is required"));
    }
    Ok(())
}

/// Something the company sells.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// Model or specification (型号/规格).
    #[serde(default)]
    pub spec: String,
    #[serde(default)]
    pub unit: String,
    /// The list price per unit, tax included, in fen.
    pub list_fen: i64,
    #[serde(default)]
    pub currency: Currency,
    /// Hundredths of a percent (1300 = 13 %).
    #[serde(default)]
    pub tax_bp: u32,
    #[serde(default)]
    pub category: String,
    /// Offered on new quotes.
    #[serde(default = "yes")]
    pub active: bool,
}

impl Product {
    pub fn check(&mut self) -> Result<(), String> {
        required(&mut self.code, "product code")?;
        required(&mut self.name, "product name")?;
        tidy(&mut self.spec, "specification", MAX_SHORT)?;
        tidy(&mut self.unit, "unit", 20)?;
        tidy(&mut self.category, "category", MAX_SHORT)?;
        if !(0..=MAX_FEN).contains(&self.list_fen) {
            return Err("a list price must be between zero and ¥10 trillion".into());
        }
        if self.tax_bp > 10_000 {
            return Err("a tax rate is at most 100 %".into());
        }
        Ok(())
    }
}

/// The most one line may order or deliver: a billion units.
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

fn check_lines(lines: &mut [Line]) -> Result<Totals, String> {
    if lines.is_empty() {
        return Err("add at least one line".into());
    }
    if lines.len() > MAX_LINES {
        return Err(format!("a document has at most {MAX_LINES} lines"));
    }
    for (i, line) in lines.iter_mut().enumerate() {
        required(&mut line.description, &format!("description of line {}", i + 1))?;
        if line.quantity.0 > MAX_QUANTITY {
            return Err("a line orders at most a billion units".into());
        }
    }
    totals(lines).map_err(|e| e.to_string())
}

/// A price offer to a customer (报价单).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// The company's number for it, shown on the print.
    #[serde(default)]
    pub number: String,
    /// 1 for a first quote; a revision counts on from the one it replaces.
    #[serde(default = "first")]
    pub version: u32,
    /// The quote this version replaces.
    #[serde(default)]
    pub supersedes: Option<Uuid>,
    pub status: QuoteStatus,
    #[serde(default)]
    pub currency: Currency,
    pub lines: Vec<Line>,
    /// The day it was made.
    pub date: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Delivery and payment terms as offered, in words.
    #[serde(default)]
    pub terms: String,
    #[serde(default)]
    pub notes: String,
}

impl Quote {
    pub fn check(&mut self) -> Result<Totals, String> {
        tidy(&mut self.number, "quote number", 60)?;
        tidy(&mut self.terms, "terms", MAX_TEXT)?;
        tidy(&mut self.notes, "notes", MAX_TEXT)?;
        if self.valid_until.is_some_and(|until| until < self.date) {
            return Err("a quote cannot be valid only until before it was made".into());
        }
        if self.version == 0 {
            return Err("a quote's version counts from 1".into());
        }
        check_lines(&mut self.lines)
    }
}

/// Where a contract is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Being prepared: edited freely, owes nothing.
    #[default]
    Draft,
    /// Submitted by a rep for approval (when the company asks for it).
    Submitted,
    /// Signed: its receivable plan exists and its lines are fixed.
    Active,
    /// Delivered and settled.
    Completed,
    Cancelled,
}

impl ContractStatus {
    /// Open contracts keep their customer out of the pool: signed and not
    /// finished. A draft does not, or any rep could hold a customer with
    /// one.
    pub fn is_open(self) -> bool {
        self == ContractStatus::Active
    }

    /// Whether its lines, amount and terms are fixed.
    pub fn is_signed(self) -> bool {
        matches!(self, ContractStatus::Active | ContractStatus::Completed)
    }
}

/// A contract or order (合同/订单) with a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub id: Uuid,
    pub customer_id: Uuid,
    #[serde(default)]
    pub number: String,
    pub title: String,
    /// The accepted quote it was made from.
    #[serde(default)]
    pub quote_id: Option<Uuid>,
    #[serde(default)]
    pub status: ContractStatus,
    #[serde(default)]
    pub currency: Currency,
    /// Every line has an id, which deliveries refer to.
    pub lines: Vec<Line>,
    #[serde(default)]
    pub signed_on: Option<NaiveDate>,
    /// The payment terms its receivable plan is made from when signed.
    #[serde(default)]
    pub terms: Vec<TermLine>,
    /// Deliveries may exceed what a line ordered.
    #[serde(default)]
    pub allow_over_delivery: bool,
    #[serde(default)]
    pub notes: String,
}

impl Contract {
    pub fn check(&mut self) -> Result<Totals, String> {
        required(&mut self.title, "contract title")?;
        tidy(&mut self.number, "contract number", 60)?;
        tidy(&mut self.notes, "notes", MAX_TEXT)?;
        let totals = check_lines(&mut self.lines)?;
        let mut ids = HashSet::new();
        if !self.lines.iter().all(|l| l.id.is_some_and(|id| ids.insert(id))) {
            return Err("every contract line needs its own id".into());
        }
        // Its terms are checked against its amount when signing makes the
        // plan (`book`): once signed, neither changes.
        if self.status.is_signed() && self.signed_on.is_none() {
            return Err("a signed contract needs its signing date".into());
        }
        Ok(totals)
    }

    /// What each line ordered, by line id.
    pub fn ordered(&self) -> Vec<(Uuid, Quantity)> {
        self.lines.iter().filter_map(|l| Some((l.id?, l.quantity))).collect()
    }
}

/// One line of a delivery: how much of a contract line went out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub line_id: Uuid,
    pub quantity: Quantity,
}

/// Goods sent against a contract (发货单).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub contract_id: Uuid,
    pub date: NaiveDate,
    #[serde(default)]
    pub warehouse: String,
    pub lines: Vec<DeliveryLine>,
    #[serde(default)]
    pub notes: String,
    /// Who recorded it (set by the server).
    #[serde(default)]
    pub by: Option<UserId>,
}

impl Delivery {
    pub fn check(&mut self) -> Result<(), String> {
        tidy(&mut self.warehouse, "warehouse", MAX_SHORT)?;
        tidy(&mut self.notes, "notes", MAX_TEXT)?;
        if self.lines.is_empty() || self.lines.len() > MAX_LINES {
            return Err(format!("a delivery has between 1 and {MAX_LINES} lines"));
        }
        if self.lines.iter().any(|l| l.quantity.0 > MAX_QUANTITY) {
            return Err("a line orders at most a billion units".into());
        }
        Ok(())
    }

    pub fn quantities(&self) -> Vec<(Uuid, Quantity)> {
        self.lines.iter().map(|l| (l.line_id, l.quantity)).collect()
    }
}

/// Which document was printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintKind {
    Quote,
    Contract,
    Delivery,
    Receipt,
    /// A customer statement (对账单); its document is the customer.
    Statement,
    /// A dunning letter (催款函).
    Dunning,
}

/// A document printed: who printed what, when (kept for the record).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Print {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub kind: PrintKind,
    pub document_id: Uuid,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub by: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::terms::{DateBasis, Offset, Share};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn line(id: Option<Uuid>) -> Line {
        Line {
            id,
            description: " 液压阀 ".into(),
            quantity: Quantity(2_000),
            unit_fen: 150_000,
            ..Line::default()
        }
    }

    fn contract(status: ContractStatus) -> Contract {
        Contract {
            id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            number: String::new(),
            title: "年度供货".into(),
            quote_id: None,
            status,
            currency: Currency::CNY,
            lines: vec![line(Some(Uuid::now_v7()))],
            signed_on: None,
            terms: vec![TermLine {
                share: Share::Balance,
                basis: DateBasis::Contract,
                offset: Offset::Days { days: 30 },
            }],
            allow_over_delivery: false,
            notes: String::new(),
        }
    }

    #[test]
    fn a_quote_is_tidied_and_totalled() {
        let mut quote = Quote {
            id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            number: " Q-1 ".into(),
            version: 1,
            supersedes: None,
            status: QuoteStatus::Draft,
            currency: Currency::CNY,
            lines: vec![line(None)],
            date: day(7),
            valid_until: Some(day(31)),
            terms: String::new(),
            notes: String::new(),
        };
        assert_eq!(quote.check().unwrap().amount, 300_000);
        assert_eq!(quote.number, "Q-1");
        assert_eq!(quote.lines[0].description, "液压阀");
        quote.valid_until = Some(day(6));
        assert!(quote.check().is_err());
        quote.valid_until = None;
        quote.lines.clear();
        assert_eq!(quote.check().unwrap_err(), "add at least one line");
    }

    #[test]
    fn a_signed_contract_needs_a_date() {
        let mut draft = contract(ContractStatus::Draft);
        assert!(draft.check().is_ok());
        let mut signed = contract(ContractStatus::Active);
        assert_eq!(signed.check().unwrap_err(), "a signed contract needs its signing date");
        signed.signed_on = Some(day(7));
        assert!(signed.check().is_ok());
    }

    #[test]
    fn contract_lines_need_their_own_ids() {
        let mut c = contract(ContractStatus::Draft);
        c.lines.push(line(None));
        assert!(c.check().is_err());
        let twin = c.lines[0].id;
        c.lines[1].id = twin;
        assert!(c.check().is_err());
    }

    #[test]
    fn products_refuse_negative_prices_and_blank_names() {
        let mut p = Product {
            code: "HV-200".into(),
            name: "液压阀".into(),
            list_fen: -1,
            ..Product::default()
        };
        assert!(p.check().is_err());
        p.list_fen = 100;
        assert!(p.check().is_ok());
        p.name = "  ".into();
        assert_eq!(p.check().unwrap_err(), "the product name is required");
    }
}
