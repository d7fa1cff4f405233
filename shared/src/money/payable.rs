//! Payables (应付): what the company owes its suppliers, the mirror of
//! receivables. A purchase contract (采购合同) with a supplier has a
//! payable plan made from its payment terms; payments to the supplier
//! settle the plan's installments, oldest due first or as finance chooses.
//!
//! The facts are the receivable ones read the other way round, so one set
//! of rules serves both sides: a payable installment is an
//! [`Installment`] whose `customer_id` is the supplier, a payment reads as
//! a confirmed [`Receipt`] ([`Payment::as_receipt`]), and allocations are
//! [`Allocation`] rows. [`Ledger`] checks every allocation and
//! [`super::aging::age`] ages what is owed, exactly as for customers.
//!
//! A purchase's installments fall due from the signing date (basis
//! *contract*) or from the day its goods were received (every other
//! basis: delivery, acceptance, invoice), which finance records once.
//!
//! Payables are office work for finance: the server keeps them and they do
//! not sync to phones.

use super::receivable::{reversal, Allocation, Balance, Installment, Ledger, Method, MoneyError, Receipt, Status};
use super::terms::{due_date, expand, DateBasis, TermLine, MAX_FEN};
use super::Currency;
use crate::ids::UserId;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest short text (a name, a number, a reference), in characters.
const MAX_SHORT: usize = 300;

/// Longest notes, in characters.
const MAX_NOTES: usize = 4_000;

/// The most purchases, payments or installments one supplier's book may
/// hold: a request can never make the server read without end.
pub const MAX_BOOK: usize = 5_000;

/// The most allocations one payment makes at once, oldest first; what is
/// left stays prepaid until finance settles it again.
pub const MAX_PER_WRITE: usize = 1_000;

/// Checks a date is one a person could mean: years 1900 to 2999, so that
/// every due date counted from it exists.
fn plausible(day: NaiveDate, what: &str) -> Result<(), String> {
    if (1900..=2999).contains(&day.year()) {
        Ok(())
    } else {
        Err(format!("the {what} must be between the years 1900 and 2999"))
    }
}

/// Checks that `new` fen beside `existing` stays within ¥10 trillion per
/// supplier and currency, so no sum over a book can overflow.
fn within_cap(existing: impl Iterator<Item = i64>, new: i64, what: &str) -> Result<(), PayableError> {
    let total = existing.fold(new, i64::saturating_add);
    if total > MAX_FEN {
        return Err(PayableError::Invalid(format!(
            "a supplier's {what} in one currency add up to at most ¥10 trillion"
        )));
    }
    Ok(())
}

fn tidy(text: &mut String, what: &str, max: usize) -> Result<(), String> {
    *text = text.trim().to_owned();
    if text.chars().count() > max {
        return Err(format!("the {what} is longer than {max} characters"));
    }
    Ok(())
}

fn yes() -> bool {
    true
}

/// A company the company buys from (供应商).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplier {
    pub id: Uuid,
    pub name: String,
    /// The company's own code for it.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
    /// Bank and account to pay into.
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub notes: String,
    /// Offered for new purchases.
    #[serde(default = "yes")]
    pub active: bool,
}

impl Supplier {
    pub fn check(&mut self) -> Result<(), String> {
        tidy(&mut self.name, "supplier name", MAX_SHORT)?;
        if self.name.is_empty() {
            return Err("the supplier name is required".into());
        }
        tidy(&mut self.code, "supplier code", 60)?;
        tidy(&mut self.contact, "contact", MAX_SHORT)?;
        tidy(&mut self.phone, "phone", 60)?;
        tidy(&mut self.bank, "bank account", MAX_SHORT)?;
        tidy(&mut self.notes, "notes", MAX_NOTES)
    }
}

/// A purchase contract with a supplier (采购合同): what the company agreed
/// to pay, and on what terms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Purchase {
    pub id: Uuid,
    /// Set by the server from the path it is sent to.
    #[serde(default)]
    pub supplier_id: Uuid,
    #[serde(default)]
    pub number: String,
    pub title: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    /// The contract's amount, tax included, in fen.
    pub fen: i64,
    pub signed_on: NaiveDate,
    /// The payment terms its plan is made from.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub terms: Vec<TermLine>,
    /// When its goods were received: installments due after delivery,
    /// acceptance or invoice count from this day.
    #[serde(default)]
    pub received_on: Option<NaiveDate>,
    #[serde(default)]
    pub notes: String,
    /// Who recorded it (set by the server).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub by: Option<UserId>,
}

impl Purchase {
    pub fn check(&mut self) -> Result<(), String> {
        tidy(&mut self.title, "purchase title", MAX_SHORT)?;
        if self.title.is_empty() {
            return Err("the purchase title is required".into());
        }
        tidy(&mut self.number, "purchase number", 60)?;
        tidy(&mut self.notes, "notes", MAX_NOTES)?;
        if !(1..=MAX_FEN).contains(&self.fen) {
            return Err("a purchase's amount must be above zero and at most ¥10 trillion".into());
        }
        if self.id.is_nil() {
            return Err("a purchase needs an id".into());
        }
        plausible(self.signed_on, "signing date")?;
        if let Some(day) = self.received_on {
            plausible(day, "date the goods were received")?;
        }
        if self.received_on.is_some_and(|r| r < self.signed_on) {
            return Err("goods cannot be received before the purchase was signed".into());
        }
        Ok(())
    }

    /// Its plan's installments, ids from `new_id`: each due from the
    /// signing date or, once goods are received, from that day.
    pub fn plan(&self, mut new_id: impl FnMut() -> Uuid) -> Result<Vec<Installment>, String> {
        let planned = expand(&self.terms, self.fen).map_err(|e| e.to_string())?;
        planned
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                Ok(Installment {
                    id: new_id(),
                    customer_id: self.supplier_id,
                    currency: self.currency,
                    fen: p.fen,
                    due: self.due(p.basis, p.offset)?,
                    written_off: false,
                    contract_id: Some(self.id),
                    number: u16::try_from(i + 1).unwrap_or(u16::MAX),
                    basis: Some(p.basis),
                    offset: Some(p.offset),
                    remind_days: 0,
                    expected: None,
                })
            })
            .collect()
    }

    /// The due date of an installment on `basis`: none while it waits for
    /// the goods; an error if the date would not exist.
    fn due(&self, basis: DateBasis, offset: super::terms::Offset) -> Result<Option<NaiveDate>, String> {
        let from = match basis {
            DateBasis::Contract => Some(self.signed_on),
            _ => self.received_on,
        };
        match from {
            None => Ok(None),
            Some(day) => due_date(day, offset)
                .map(Some)
                .ok_or_else(|| "an installment of this purchase would fall due past the calendar's end".into()),
        }
    }
}

/// Money paid to a supplier (付款).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: Uuid,
    /// Set by the server from the path it is sent to.
    #[serde(default)]
    pub supplier_id: Uuid,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    pub fen: i64,
    pub date: NaiveDate,
    #[serde(default)]
    pub method: Method,
    /// The bank's reference, the cheque number.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub notes: String,
    /// Who recorded it (set by the server).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub by: Option<UserId>,
}

impl Payment {
    pub fn check(&mut self) -> Result<(), String> {
        tidy(&mut self.reference, "reference", MAX_SHORT)?;
        tidy(&mut self.notes, "notes", MAX_NOTES)?;
        if !(1..=MAX_FEN).contains(&self.fen) {
            return Err("a payment must be above zero and at most ¥10 trillion".into());
        }
        if self.id.is_nil() {
            return Err("a payment needs an id".into());
        }
        plausible(self.date, "payment date")
    }

    /// The payment as the receivable rules read it: money that settles
    /// installments, confirmed when recorded (finance records it).
    pub fn as_receipt(&self) -> Receipt {
        Receipt {
            id: self.id,
            customer_id: self.supplier_id,
            currency: self.currency,
            fen: self.fen,
            date: self.date,
            method: self.method,
            payer: String::new(),
            reference: self.reference.clone(),
            confirmed: true,
            by: self.by,
        }
    }
}

/// Why a payable write is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayableError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("no purchase with id {0} at this supplier")]
    UnknownPurchase(Uuid),
    #[error("this purchase's goods were already received on {0}")]
    AlreadyReceived(NaiveDate),
    #[error("a supplier's book holds at most {MAX_BOOK} records of each kind")]
    Full,
}

/// The allocation rows by which `payment` settles `plan` (installment,
/// fen), dated the payment's day.
fn settling(payment: &Payment, plan: Vec<(Uuid, i64)>, mut new_id: impl FnMut() -> Uuid) -> Vec<Allocation> {
    plan.into_iter()
        .map(|(installment_id, fen)| Allocation {
            id: new_id(),
            customer_id: payment.supplier_id,
            receipt_id: payment.id,
            installment_id,
            fen,
            date: payment.date,
            reverses: None,
        })
        .collect()
}

/// One supplier's payables: its purchases, their plans, the payments and
/// the allocations between them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayableBook {
    pub supplier: Supplier,
    pub purchases: Vec<Purchase>,
    pub installments: Vec<Installment>,
    pub payments: Vec<Payment>,
    pub allocations: Vec<Allocation>,
}

/// What a decision adds to a book or changes in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PayableWrite {
    pub purchases: Vec<Purchase>,
    pub installments: Vec<Installment>,
    pub payments: Vec<Payment>,
    pub allocations: Vec<Allocation>,
}

impl PayableBook {
    /// The payments as receipts.
    pub fn receipts(&self) -> Vec<Receipt> {
        self.payments.iter().map(Payment::as_receipt).collect()
    }

    /// Calls `f` with the book's ledger.
    pub fn with_ledger<R>(&self, f: impl FnOnce(&Ledger<'_>) -> R) -> R {
        let receipts = self.receipts();
        f(&Ledger::new(&self.installments, &receipts, &self.allocations, &[]))
    }

    /// Calls `f` with the book's facts as aging and statistics read them.
    pub fn with_facts<R>(&self, f: impl FnOnce(&super::aging::Facts<'_>) -> R) -> R {
        let receipts = self.receipts();
        f(&super::aging::Facts {
            installments: &self.installments,
            receipts: &receipts,
            allocations: &self.allocations,
            credits: &[],
        })
    }

    /// What the company owes the supplier in `currency` on `today`; the
    /// advance is paid and not yet allocated (预付).
    pub fn balance(&self, currency: Currency, today: NaiveDate) -> Balance {
        self.with_ledger(|ledger| ledger.balance(self.supplier.id, currency, today))
    }

    /// The currencies the book has money in (the supplier's purchases and
    /// payments), in order.
    pub fn currencies(&self) -> Vec<Currency> {
        let mut all: Vec<Currency> = self
            .purchases
            .iter()
            .map(|p| p.currency)
            .chain(self.payments.iter().map(|p| p.currency))
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// What is owed to the supplier today, per currency.
    pub fn owed(&self, today: NaiveDate) -> Vec<Owed> {
        self.currencies()
            .into_iter()
            .map(|currency| {
                let Balance {
                    owed, overdue, advance, ..
                } = self.balance(currency, today);
                Owed {
                    currency,
                    owed,
                    overdue,
                    advance,
                }
            })
            .collect()
    }

    /// The book as finance reads it on `today`: each installment with what
    /// it still owes, each payment with what it has not settled.
    pub fn read(self, version: i64, today: NaiveDate) -> SupplierBook {
        let (installments, payments) = self.with_ledger(|ledger| {
            (
                self.installments
                    .iter()
                    .map(|i| PayableLine {
                        installment: i.clone(),
                        outstanding: ledger.outstanding(i),
                        status: ledger.status(i, today),
                    })
                    .collect(),
                self.payments
                    .iter()
                    .map(|p| PaymentLine {
                        unallocated: ledger.unallocated(&p.as_receipt()),
                        payment: p.clone(),
                    })
                    .collect(),
            )
        });
        SupplierBook {
            owed: self.owed(today),
            version,
            supplier: self.supplier,
            purchases: self.purchases,
            installments,
            payments,
            allocations: self.allocations,
        }
    }

    fn room(&self) -> Result<(), PayableError> {
        let most = [
            self.purchases.len(),
            self.installments.len(),
            self.payments.len(),
            self.allocations.len(),
        ];
        if most.into_iter().any(|n| n >= MAX_BOOK) {
            return Err(PayableError::Full);
        }
        Ok(())
    }

    /// Signs a new purchase: checked, with its plan made. The caller has
    /// made sure its id is new.
    pub fn sign(&self, mut purchase: Purchase, new_id: impl FnMut() -> Uuid) -> Result<PayableWrite, PayableError> {
        self.room()?;
        if !self.supplier.active {
            return Err(PayableError::Invalid(
                "this supplier is inactive: make it active before a new purchase".into(),
            ));
        }
        purchase.supplier_id = self.supplier.id;
        purchase.check().map_err(PayableError::Invalid)?;
        let same = self.purchases.iter().filter(|p| p.currency == purchase.currency);
        within_cap(same.map(|p| p.fen), purchase.fen, "purchases")?;
        let installments = purchase.plan(new_id).map_err(PayableError::Invalid)?;
        Ok(PayableWrite {
            purchases: vec![purchase],
            installments,
            ..PayableWrite::default()
        })
    }

    /// Records that a purchase's goods were received on `day`: the
    /// installments that wait for it get their due dates. Once only.
    pub fn receive(&self, purchase: Uuid, day: NaiveDate) -> Result<PayableWrite, PayableError> {
        let mut received = self
            .purchases
            .iter()
            .find(|p| p.id == purchase)
            .cloned()
            .ok_or(PayableError::UnknownPurchase(purchase))?;
        if let Some(before) = received.received_on {
            return Err(PayableError::AlreadyReceived(before));
        }
        received.received_on = Some(day);
        received.check().map_err(PayableError::Invalid)?;
        let mut installments = Vec::new();
        for waiting in self
            .installments
            .iter()
            .filter(|i| i.contract_id == Some(purchase) && i.due.is_none())
        {
            let (Some(basis), Some(offset)) = (waiting.basis, waiting.offset) else {
                continue;
            };
            installments.push(Installment {
                due: received.due(basis, offset).map_err(PayableError::Invalid)?,
                ..waiting.clone()
            });
        }
        Ok(PayableWrite {
            purchases: vec![received],
            installments,
            ..PayableWrite::default()
        })
    }

    /// Records a payment and settles the supplier's installments with it:
    /// by `plan` (installment, fen) when finance chose, else oldest due
    /// first. What is left stays unallocated (预付). The caller has made
    /// sure its id is new.
    pub fn pay(
        &self,
        mut payment: Payment,
        plan: Option<Vec<(Uuid, i64)>>,
        new_id: impl FnMut() -> Uuid,
    ) -> Result<PayableWrite, PayableError> {
        self.room()?;
        payment.supplier_id = self.supplier.id;
        payment.check().map_err(PayableError::Invalid)?;
        let same = self.payments.iter().filter(|p| p.currency == payment.currency);
        within_cap(same.map(|p| p.fen), payment.fen, "payments")?;
        let mut receipts = self.receipts();
        receipts.push(payment.as_receipt());
        let ledger = Ledger::new(&self.installments, &receipts, &self.allocations, &[]);
        let plan = match plan {
            Some(plan) => {
                ledger.check(payment.id, &plan)?;
                plan
            }
            None => {
                let mut plan = ledger.oldest_first(&payment.as_receipt());
                plan.truncate(MAX_PER_WRITE);
                plan
            }
        };
        let allocations = settling(&payment, plan, new_id);
        Ok(PayableWrite {
            payments: vec![payment],
            allocations,
            ..PayableWrite::default()
        })
    }

    /// Undoes an allocation on `day`, by a reversing row: the payment's
    /// money is free again, the installment owes again.
    /// Never refused for a full book: a mistake can always be undone.
    pub fn unallocate(&self, allocation: Uuid, id: Uuid, day: NaiveDate) -> Result<PayableWrite, PayableError> {
        let undone = self.with_ledger(|ledger| ledger.may_reverse(allocation).cloned())?;
        Ok(PayableWrite {
            allocations: vec![reversal(&undone, id, day)],
            ..PayableWrite::default()
        })
    }

    /// Settles what is left of payment `payment` against the open
    /// installments, oldest due first (after an allocation was undone, or
    /// a purchase signed after an advance was paid).
    pub fn allocate_left(&self, payment: Uuid, new_id: impl FnMut() -> Uuid) -> Result<PayableWrite, PayableError> {
        self.room()?;
        let paid = self
            .payments
            .iter()
            .find(|p| p.id == payment)
            .ok_or(MoneyError::UnknownReceipt)?;
        let mut plan = self.with_ledger(|ledger| ledger.oldest_first(&paid.as_receipt()));
        plan.truncate(MAX_PER_WRITE);
        Ok(PayableWrite {
            allocations: settling(paid, plan, new_id),
            ..PayableWrite::default()
        })
    }

    /// The book with `write` carried out: new records added, changed ones
    /// replaced.
    pub fn apply(&mut self, write: &PayableWrite) {
        fn put<T: Clone>(all: &mut Vec<T>, new: &[T], id: impl Fn(&T) -> Uuid) {
            for record in new {
                match all.iter_mut().find(|r| id(r) == id(record)) {
                    Some(old) => *old = record.clone(),
                    None => all.push(record.clone()),
                }
            }
        }
        put(&mut self.purchases, &write.purchases, |p| p.id);
        put(&mut self.installments, &write.installments, |i| i.id);
        put(&mut self.payments, &write.payments, |p| p.id);
        put(&mut self.allocations, &write.allocations, |a| a.id);
    }
}

// What the API answers and takes (`/api/payables`).

/// One currency of a supplier's balance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Owed {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    /// Still owed on the supplier's installments, in fen.
    pub owed: i64,
    /// The part of `owed` past its due date.
    pub overdue: i64,
    /// Paid and not yet allocated (预付).
    pub advance: i64,
}

/// A supplier in the list, with what is owed to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierLine {
    pub supplier: Supplier,
    pub version: i64,
    pub owed: Vec<Owed>,
}

/// An installment of a purchase's plan, with what it still owes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayableLine {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub installment: Installment,
    pub outstanding: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
}

/// A payment, with what it has not settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentLine {
    pub payment: Payment,
    pub unallocated: i64,
}

/// A supplier's whole book, as finance reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierBook {
    pub supplier: Supplier,
    /// Send it back with a change to the supplier's details.
    pub version: i64,
    pub owed: Vec<Owed>,
    pub purchases: Vec<Purchase>,
    pub installments: Vec<PayableLine>,
    pub payments: Vec<PaymentLine>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub allocations: Vec<Allocation>,
}

/// A new supplier, or new details of one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierBody {
    pub supplier: Supplier,
    /// The version read with the supplier; left out for a new one.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The day a purchase's goods were received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceivedBody {
    pub date: NaiveDate,
}

/// A payment to record: the payment itself (its supplier and author are
/// the server's), and what it settles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentBody {
    #[serde(flatten)]
    pub payment: Payment,
    /// What it settles, chosen by hand; left out, the payment settles the
    /// oldest due first.
    #[serde(default)]
    pub allocations: Option<Vec<Settle>>,
}

/// Part of a payment settling part of an installment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settle {
    pub installment: Uuid,
    /// In fen.
    pub fen: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::aging::{age, Boundaries};
    use crate::money::terms::{Offset, Share};
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn ids() -> impl FnMut() -> Uuid {
        let mut next = 1000u128;
        move || {
            next += 1;
            Uuid::from_u128(next)
        }
    }

    fn supplier() -> PayableBook {
        PayableBook {
            supplier: Supplier {
                id: Uuid::from_u128(1),
                name: "宁波精密铸件厂".into(),
                active: true,
                ..Supplier::default()
            },
            ..PayableBook::default()
        }
    }

    /// 30 % on signing, the balance 60 days after the goods arrive.
    fn purchase(fen: i64) -> Purchase {
        Purchase {
            id: Uuid::from_u128(2),
            supplier_id: Uuid::nil(),
            number: " P-1 ".into(),
            title: "阀体毛坯".into(),
            currency: Currency::CNY,
            fen,
            signed_on: day(3, 1),
            terms: vec![
                TermLine {
                    share: Share::Percent { basis_points: 3000 },
                    basis: DateBasis::Contract,
                    offset: Offset::Days { days: 0 },
                },
                TermLine {
                    share: Share::Balance,
                    basis: DateBasis::Delivery,
                    offset: Offset::Days { days: 60 },
                },
            ],
            received_on: None,
            notes: String::new(),
            by: None,
        }
    }

    fn payment(id: u128, fen: i64, date: NaiveDate) -> Payment {
        Payment {
            id: Uuid::from_u128(id),
            supplier_id: Uuid::nil(),
            currency: Currency::CNY,
            fen,
            date,
            method: Method::BankTransfer,
            reference: String::new(),
            notes: String::new(),
            by: None,
        }
    }

    #[test]
    fn a_purchase_makes_its_plan_due_from_signing_and_from_receipt_of_goods() {
        let mut book = supplier();
        let signed = book.sign(purchase(1_000_000), ids()).unwrap();
        assert_eq!(
            signed.purchases[0].supplier_id, book.supplier.id,
            "the server's supplier, not the body's"
        );
        assert_eq!(signed.purchases[0].number, "P-1");
        let dues: Vec<(i64, Option<NaiveDate>)> = signed.installments.iter().map(|i| (i.fen, i.due)).collect();
        assert_eq!(dues, [(300_000, Some(day(3, 1))), (700_000, None)]);
        book.apply(&signed);

        let received = book.receive(Uuid::from_u128(2), day(4, 10)).unwrap();
        assert_eq!(received.installments.len(), 1, "only the waiting installment changes");
        assert_eq!(received.installments[0].due, Some(day(6, 9)));
        book.apply(&received);
        assert_eq!(book.installments.len(), 2, "replaced, not added");
        assert_eq!(
            book.receive(Uuid::from_u128(2), day(4, 11)),
            Err(PayableError::AlreadyReceived(day(4, 10)))
        );
        assert_eq!(
            book.receive(Uuid::from_u128(9), day(4, 11)),
            Err(PayableError::UnknownPurchase(Uuid::from_u128(9)))
        );
    }

    #[test]
    fn goods_are_not_received_before_signing() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(100), ids()).unwrap());
        assert!(matches!(
            book.receive(Uuid::from_u128(2), day(2, 1)),
            Err(PayableError::Invalid(_))
        ));
    }

    #[test]
    fn a_payment_settles_the_oldest_first_and_keeps_the_rest_as_an_advance() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(1_000_000), ids()).unwrap());
        book.apply(&book.receive(Uuid::from_u128(2), day(4, 10)).unwrap());
        let paid = book.pay(payment(50, 1_200_000, day(7, 1)), None, ids()).unwrap();
        let settled: Vec<i64> = paid.allocations.iter().map(|a| a.fen).collect();
        assert_eq!(settled, [300_000, 700_000]);
        book.apply(&paid);
        let balance = book.balance(Currency::CNY, day(7, 2));
        assert_eq!((balance.owed, balance.overdue, balance.advance), (0, 0, 200_000));
    }

    #[test]
    fn a_chosen_allocation_is_checked_by_the_ledger() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(1_000_000), ids()).unwrap());
        let first = book.installments[0].id;
        let over = book.pay(payment(50, 500_000, day(3, 2)), Some(vec![(first, 400_000)]), ids());
        assert_eq!(
            over,
            Err(PayableError::Money(MoneyError::OverInstallment {
                owed: 300_000,
                asked: 400_000
            }))
        );
        let paid = book
            .pay(payment(50, 500_000, day(3, 2)), Some(vec![(first, 100_000)]), ids())
            .unwrap();
        assert_eq!(paid.allocations.len(), 1);
        book.apply(&paid);
        assert_eq!(book.balance(Currency::CNY, day(3, 2)).advance, 400_000);
    }

    #[test]
    fn an_undone_allocation_frees_the_money_once() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(1_000_000), ids()).unwrap());
        book.apply(&book.pay(payment(50, 300_000, day(3, 2)), None, ids()).unwrap());
        let allocation = book.allocations[0].id;
        let undo = book.unallocate(allocation, Uuid::from_u128(77), day(3, 3)).unwrap();
        book.apply(&undo);
        assert_eq!(book.balance(Currency::CNY, day(3, 3)).owed, 1_000_000);
        assert_eq!(
            book.unallocate(allocation, Uuid::from_u128(78), day(3, 3)),
            Err(PayableError::Money(MoneyError::AlreadyReversed))
        );
        let again = book.allocate_left(Uuid::from_u128(50), ids()).unwrap();
        assert_eq!(again.allocations.iter().map(|a| a.fen).sum::<i64>(), 300_000);
    }

    #[test]
    fn bad_amounts_and_names_are_refused() {
        let book = supplier();
        assert!(matches!(book.sign(purchase(0), ids()), Err(PayableError::Invalid(_))));
        assert!(matches!(
            book.pay(payment(50, -5, day(3, 1)), None, ids()),
            Err(PayableError::Invalid(_))
        ));
        let mut nameless = Supplier {
            name: "  ".into(),
            ..Supplier::default()
        };
        assert_eq!(nameless.check().unwrap_err(), "the supplier name is required");
    }

    #[test]
    fn payables_age_like_receivables() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(1_000_000), ids()).unwrap());
        book.apply(&book.receive(Uuid::from_u128(2), day(4, 10)).unwrap());
        book.apply(&book.pay(payment(50, 100_000, day(3, 20)), None, ids()).unwrap());
        // On 1 July: 200,000 of the signing installment 122 days late,
        // the 700,000 balance (due 9 June) 22 days late.
        let rows = book.with_facts(|facts| age(facts, day(7, 1), &Boundaries::default()));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].customer_id, book.supplier.id);
        assert_eq!(rows[0].buckets, [0, 700_000, 0, 0, 200_000, 0]);
        assert_eq!(rows[0].total, 900_000);
        assert_eq!(rows[0].oldest_days, 122);
    }

    #[test]
    fn an_inactive_supplier_signs_nothing_and_dates_stay_plausible() {
        let mut book = supplier();
        book.supplier.active = false;
        assert!(matches!(book.sign(purchase(100), ids()), Err(PayableError::Invalid(_))));
        book.supplier.active = true;
        let far = Purchase {
            signed_on: NaiveDate::from_ymd_opt(9999, 12, 1).unwrap(),
            ..purchase(100)
        };
        assert!(matches!(book.sign(far, ids()), Err(PayableError::Invalid(_))));
        let nil = Purchase {
            id: Uuid::nil(),
            ..purchase(100)
        };
        assert!(matches!(book.sign(nil, ids()), Err(PayableError::Invalid(_))));
        let paid = book.pay(
            payment(50, 100, NaiveDate::from_ymd_opt(1066, 10, 14).unwrap()),
            None,
            ids(),
        );
        assert!(matches!(paid, Err(PayableError::Invalid(_))));
    }

    #[test]
    fn a_suppliers_purchases_and_payments_stay_within_ten_trillion() {
        let mut book = supplier();
        book.apply(&book.sign(purchase(MAX_FEN), ids()).unwrap());
        let more = Purchase {
            id: Uuid::from_u128(3),
            ..purchase(1)
        };
        assert!(matches!(book.sign(more, ids()), Err(PayableError::Invalid(_))));
        let dollars = Purchase {
            id: Uuid::from_u128(3),
            currency: Currency::parse("USD").unwrap(),
            ..purchase(100)
        };
        assert!(book.sign(dollars, ids()).is_ok(), "each currency on its own");
        book.apply(&book.pay(payment(50, MAX_FEN, day(3, 2)), None, ids()).unwrap());
        assert!(matches!(
            book.pay(payment(51, 1, day(3, 2)), None, ids()),
            Err(PayableError::Invalid(_))
        ));
    }

    #[test]
    fn one_payment_settles_at_most_a_thousand_installments_at_once() {
        let mut book = supplier();
        let monthly: Vec<TermLine> = (0..36)
            .map(|m| TermLine {
                share: if m == 35 {
                    Share::Balance
                } else {
                    Share::Fixed { fen: 100 }
                },
                basis: DateBasis::Contract,
                offset: Offset::Days { days: m * 30 },
            })
            .collect();
        let mut next = ids();
        for n in 0..30u128 {
            let signed = Purchase {
                id: Uuid::from_u128(100 + n),
                fen: 3_600,
                terms: monthly.clone(),
                ..purchase(0)
            };
            book.apply(&book.sign(signed, &mut next).unwrap());
        }
        assert_eq!(book.installments.len(), 1_080);
        let paid = book.pay(payment(50, 3_600 * 30, day(3, 2)), None, &mut next).unwrap();
        assert_eq!(paid.allocations.len(), MAX_PER_WRITE);
        book.apply(&paid);
        let rest = book.allocate_left(Uuid::from_u128(50), &mut next).unwrap();
        assert_eq!(rest.allocations.len(), 80, "the rest settles on the next go");
        book.apply(&rest);
        assert_eq!(book.balance(Currency::CNY, day(3, 2)).owed, 0);
    }

    proptest! {
        /// Whatever is paid, in whatever order and amounts: what is owed
        /// plus what was allocated is the plan, and nothing is ever settled
        /// twice or paid out of nothing.
        #[test]
        fn payments_never_over_settle(amounts in proptest::collection::vec(1i64..600_000, 1..8), fen in 1i64..2_000_000) {
            let mut book = supplier();
            book.apply(&book.sign(purchase(fen), ids()).unwrap());
            book.apply(&book.receive(Uuid::from_u128(2), day(4, 10)).unwrap());
            let mut next = ids();
            for (n, amount) in amounts.iter().enumerate() {
                let paid = book.pay(payment(500 + n as u128, *amount, day(5, 1)), None, &mut next).unwrap();
                book.apply(&paid);
            }
            let paid: i64 = amounts.iter().sum();
            let balance = book.balance(Currency::CNY, day(5, 2));
            let allocated: i64 = book.allocations.iter().map(|a| a.fen).sum();
            prop_assert_eq!(balance.owed + allocated, fen);
            prop_assert_eq!(balance.advance + allocated, paid);
            prop_assert!(balance.owed >= 0 && balance.advance >= 0);
            prop_assert!(balance.owed == 0 || balance.advance == 0, "money left over while something is owed");
        }
    }
}
