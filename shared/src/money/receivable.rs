//! Receivables (应收) and receipts (收款): what a customer owes, what it
//! paid, and how payments settle installments (核销).
//!
//! Facts only, never running totals: an installment's planned amount, the
//! receipts, the allocation rows that tie a receipt to an installment, and
//! credits (a refund paid back against a receipt, or a credit note against
//! an installment). Everything else (what is outstanding, a receipt's
//! unallocated money, each installment's status, a customer's balance) is
//! derived from them by [`Ledger`], the same way on the server and on the
//! phone.
//!
//! Allocation is decided where all the facts are (the server, under a
//! lock, like a pool claim): [`Ledger::oldest_first`] proposes, and
//! [`Ledger::check`] refuses anything that would take more than a receipt
//! has left or settle more than an installment still owes, so two receipts
//! recorded offline on two phones can never over-settle one installment.
//! Undoing an allocation adds a reversing row ([`reversal`]); rows are never
//! edited.

use super::terms::{DateBasis, Offset};
use super::Currency;
use crate::ids::UserId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One installment of a contract's receivable plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installment {
    pub id: Uuid,
    pub customer_id: Uuid,
    #[serde(default)]
    pub currency: Currency,
    /// The planned amount, in fen.
    pub fen: i64,
    /// Empty until its basis event (a delivery, say) has a date.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// Given up on (坏账): no longer owed, kept for the record.
    #[serde(default)]
    pub written_off: bool,
    /// The contract whose plan this is.
    #[serde(default)]
    pub contract_id: Option<Uuid>,
    /// Its place in the plan, from 1.
    #[serde(default)]
    pub number: u16,
    /// What its due date counts from, and how long after.
    #[serde(default)]
    pub basis: Option<DateBasis>,
    #[serde(default)]
    pub offset: Option<Offset>,
    /// Remind the customer this many days before the due date.
    #[serde(default = "default_remind_days")]
    pub remind_days: u16,
    /// When a collector expects the money (forecasts use it over the due
    /// date).
    #[serde(default)]
    pub expected: Option<NaiveDate>,
}

fn default_remind_days() -> u16 {
    3
}

/// How a customer paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    #[default]
    BankTransfer,
    Cash,
    Cheque,
    /// 承兑汇票.
    AcceptanceBill,
    WechatPay,
    Alipay,
}

/// Money received from a customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: Uuid,
    pub customer_id: Uuid,
    #[serde(default)]
    pub currency: Currency,
    pub fen: i64,
    pub date: NaiveDate,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub payer: String,
    /// The bank's reference, the cheque number.
    #[serde(default)]
    pub reference: String,
    /// Confirmed by finance. A rep may record a receipt at the customer's
    /// office; it settles nothing until finance confirms it.
    #[serde(default)]
    pub confirmed: bool,
    /// Who recorded it (set by the server).
    #[serde(default)]
    pub by: Option<UserId>,
}

/// Part of a receipt settling part of an installment. A negative amount
/// with `reverses` set undoes an earlier row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub receipt_id: Uuid,
    pub installment_id: Uuid,
    pub fen: i64,
    pub date: NaiveDate,
    #[serde(default)]
    pub reverses: Option<Uuid>,
}

/// What a credit reduces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Credited {
    /// A refund (退款): money paid back out of a receipt's unallocated part.
    Receipt(Uuid),
    /// A credit note (红字/折让): less owed on an installment.
    Installment(Uuid),
}

/// A refund or a credit note, with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub against: Credited,
    pub fen: i64,
    pub date: NaiveDate,
    pub reason: String,
    /// Who recorded it (set by the server).
    #[serde(default)]
    pub by: Option<UserId>,
}

/// An installment's state, derived from the facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not due yet, or no due date yet; nothing received.
    NotYetDue,
    /// Falls due today.
    Due,
    /// Past its due date with money still owed.
    Overdue,
    /// Some received, not due yet.
    PartlyReceived,
    Settled,
    WrittenOff,
}

/// A customer's money in one currency, in fen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Still owed on installments not written off.
    pub owed: i64,
    /// The part of `owed` past its due date.
    pub overdue: i64,
    /// Received, less refunds.
    pub received: i64,
    /// Received and not allocated to any installment (预收).
    pub advance: i64,
}

/// Why an allocation, a reversal or a credit is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount must be above zero")]
    NotPositive,
    #[error("no such installment")]
    UnknownInstallment,
    #[error("no such receipt")]
    UnknownReceipt,
    #[error("no such allocation")]
    UnknownAllocation,
    #[error("the receipt and the installment belong to different customers")]
    OtherCustomer,
    #[error("the receipt is in {receipt} and the installment in {installment}")]
    OtherCurrency { receipt: Currency, installment: Currency },
    #[error("the installment was written off")]
    WrittenOff,
    #[error("the receipt has {left} fen left to allocate, not {asked}")]
    OverReceipt { left: i64, asked: i64 },
    #[error("the installment still owes {owed} fen, not {asked}")]
    OverInstallment { owed: i64, asked: i64 },
    #[error("this allocation was already undone")]
    AlreadyReversed,
    #[error("a reversal cannot itself be undone: allocate again instead")]
    IsReversal,
}

/// The facts of one customer's money (or a whole company's), indexed.
pub struct Ledger<'a> {
    installments: HashMap<Uuid, &'a Installment>,
    receipts: HashMap<Uuid, &'a Receipt>,
    allocations: HashMap<Uuid, &'a Allocation>,
    /// Allocated to each installment, net of reversals.
    settled: HashMap<Uuid, i64>,
    /// Allocated from each receipt, net of reversals.
    spent: HashMap<Uuid, i64>,
    credited: HashMap<Uuid, i64>,
    refunded: HashMap<Uuid, i64>,
    reversed: HashSet<Uuid>,
}

impl<'a> Ledger<'a> {
    pub fn new(
        installments: &'a [Installment],
        receipts: &'a [Receipt],
        allocations: &'a [Allocation],
        credits: &'a [Credit],
    ) -> Ledger<'a> {
        let mut ledger = Ledger {
            installments: installments.iter().map(|i| (i.id, i)).collect(),
            // A receipt finance has not confirmed settles nothing yet.
            receipts: receipts.iter().filter(|r| r.confirmed).map(|r| (r.id, r)).collect(),
            allocations: allocations.iter().map(|a| (a.id, a)).collect(),
            settled: HashMap::new(),
            spent: HashMap::new(),
            credited: HashMap::new(),
            refunded: HashMap::new(),
            reversed: HashSet::new(),
        };
        for a in allocations {
            *ledger.settled.entry(a.installment_id).or_default() += a.fen;
            *ledger.spent.entry(a.receipt_id).or_default() += a.fen;
            if let Some(undone) = a.reverses {
                ledger.reversed.insert(undone);
            }
        }
        for c in credits {
            match c.against {
                Credited::Installment(id) => *ledger.credited.entry(id).or_default() += c.fen,
                Credited::Receipt(id) => *ledger.refunded.entry(id).or_default() += c.fen,
            }
        }
        ledger
    }

    /// Received on an installment through allocations.
    pub fn received(&self, installment: Uuid) -> i64 {
        self.settled.get(&installment).copied().unwrap_or(0)
    }

    /// What an installment still owes: planned, less allocations and
    /// credit notes.
    pub fn outstanding(&self, installment: &Installment) -> i64 {
        installment.fen - self.received(installment.id) - self.credited.get(&installment.id).copied().unwrap_or(0)
    }

    /// What a receipt has not settled or had refunded: the customer's
    /// advance.
    pub fn unallocated(&self, receipt: &Receipt) -> i64 {
        receipt.fen
            - self.spent.get(&receipt.id).copied().unwrap_or(0)
            - self.refunded.get(&receipt.id).copied().unwrap_or(0)
    }

    /// An installment's status on `today`.
    pub fn status(&self, installment: &Installment, today: NaiveDate) -> Status {
        if installment.written_off {
            return Status::WrittenOff;
        }
        if self.outstanding(installment) <= 0 {
            return Status::Settled;
        }
        match installment.due {
            Some(due) if due < today => Status::Overdue,
            Some(due) if due == today => Status::Due,
            _ if self.received(installment.id) > 0 => Status::PartlyReceived,
            _ => Status::NotYetDue,
        }
    }

    /// The installments `receipt` may settle, in the order it settles them
    /// by default: the customer's, in its currency, still owing, oldest due
    /// date first (undated last), then in plan order (ids are made in time
    /// order).
    fn open_for(&self, receipt: &Receipt) -> Vec<&'a Installment> {
        let mut open: Vec<&Installment> = self
            .installments
            .values()
            .copied()
            .filter(|i| {
                i.customer_id == receipt.customer_id
                    && i.currency == receipt.currency
                    && !i.written_off
                    && self.outstanding(i) > 0
            })
            .collect();
        open.sort_by_key(|i| (i.due.is_none(), i.due, i.id));
        open
    }

    /// How a receipt's unallocated money settles the customer's open
    /// installments, oldest due first: (installment, fen) pairs. What is
    /// left over stays unallocated, as an advance.
    pub fn oldest_first(&self, receipt: &Receipt) -> Vec<(Uuid, i64)> {
        let mut left = self.unallocated(receipt);
        let mut plan = Vec::new();
        for installment in self.open_for(receipt) {
            if left <= 0 {
                break;
            }
            let take = left.min(self.outstanding(installment));
            plan.push((installment.id, take));
            left -= take;
        }
        plan
    }

    /// Checks allocations of `receipt` chosen by hand (or proposed from an
    /// older state): each to an open installment of the same customer and
    /// currency, none above what it still owes, all together within what
    /// the receipt has left.
    pub fn check(&self, receipt: Uuid, plan: &[(Uuid, i64)]) -> Result<(), MoneyError> {
        let receipt = self.receipts.get(&receipt).ok_or(MoneyError::UnknownReceipt)?;
        let mut asked: HashMap<Uuid, i64> = HashMap::new();
        let mut total = 0i64;
        for (id, fen) in plan {
            if *fen <= 0 {
                return Err(MoneyError::NotPositive);
            }
            let installment = self.installments.get(id).ok_or(MoneyError::UnknownInstallment)?;
            if installment.customer_id != receipt.customer_id {
                return Err(MoneyError::OtherCustomer);
            }
            if installment.currency != receipt.currency {
                return Err(MoneyError::OtherCurrency {
                    receipt: receipt.currency,
                    installment: installment.currency,
                });
            }
            if installment.written_off {
                return Err(MoneyError::WrittenOff);
            }
            let sum = asked.entry(*id).or_default();
            *sum = sum.saturating_add(*fen);
            let owed = self.outstanding(installment);
            if *sum > owed {
                return Err(MoneyError::OverInstallment { owed, asked: *sum });
            }
            total = total.saturating_add(*fen);
        }
        let left = self.unallocated(receipt);
        if total > left {
            return Err(MoneyError::OverReceipt { left, asked: total });
        }
        Ok(())
    }

    /// The allocation row `id` if it may be undone: it exists, is not
    /// itself a reversal, and was not undone before.
    pub fn may_reverse(&self, id: Uuid) -> Result<&'a Allocation, MoneyError> {
        let allocation = self.allocations.get(&id).ok_or(MoneyError::UnknownAllocation)?;
        if allocation.reverses.is_some() {
            return Err(MoneyError::IsReversal);
        }
        if self.reversed.contains(&id) {
            return Err(MoneyError::AlreadyReversed);
        }
        Ok(allocation)
    }

    /// Checks a refund of `fen` out of a receipt: only its unallocated
    /// part can be paid back (undo its allocations first for more).
    pub fn check_refund(&self, receipt: Uuid, fen: i64) -> Result<(), MoneyError> {
        let receipt = self.receipts.get(&receipt).ok_or(MoneyError::UnknownReceipt)?;
        if fen <= 0 {
            return Err(MoneyError::NotPositive);
        }
        let left = self.unallocated(receipt);
        if fen > left {
            return Err(MoneyError::OverReceipt { left, asked: fen });
        }
        Ok(())
    }

    /// Checks a credit note of `fen` on an installment: one not written
    /// off, at most what it still owes.
    pub fn check_credit_note(&self, installment: Uuid, fen: i64) -> Result<(), MoneyError> {
        let installment = self
            .installments
            .get(&installment)
            .ok_or(MoneyError::UnknownInstallment)?;
        if fen <= 0 {
            return Err(MoneyError::NotPositive);
        }
        if installment.written_off {
            return Err(MoneyError::WrittenOff);
        }
        let owed = self.outstanding(installment);
        if fen > owed {
            return Err(MoneyError::OverInstallment { owed, asked: fen });
        }
        Ok(())
    }

    /// A customer's balance in `currency` on `today`.
    pub fn balance(&self, customer: Uuid, currency: Currency, today: NaiveDate) -> Balance {
        let mut balance = Balance::default();
        for i in self.installments.values() {
            if i.customer_id != customer || i.currency != currency || i.written_off {
                continue;
            }
            let owed = self.outstanding(i).max(0);
            balance.owed = balance.owed.saturating_add(owed);
            if i.due.is_some_and(|due| due < today) {
                balance.overdue = balance.overdue.saturating_add(owed);
            }
        }
        for r in self.receipts.values() {
            if r.customer_id != customer || r.currency != currency {
                continue;
            }
            let kept = r.fen - self.refunded.get(&r.id).copied().unwrap_or(0);
            balance.received = balance.received.saturating_add(kept);
            balance.advance = balance.advance.saturating_add(self.unallocated(r));
        }
        balance
    }
}

/// The row that undoes `allocation`, dated `date`.
pub fn reversal(allocation: &Allocation, id: Uuid, date: NaiveDate) -> Allocation {
    Allocation {
        id,
        customer_id: allocation.customer_id,
        receipt_id: allocation.receipt_id,
        installment_id: allocation.installment_id,
        fen: -allocation.fen,
        date,
        reverses: Some(allocation.id),
    }
}

/// The day to remind the customer, `days_before` its due date.
pub fn remind_on(installment: &Installment, days_before: u16) -> Option<NaiveDate> {
    installment
        .due?
        .checked_sub_days(chrono::Days::new(u64::from(days_before)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n + 1)
    }

    const CUSTOMER: u128 = 1000;

    fn installment(n: u128, fen: i64, due: Option<u32>) -> Installment {
        Installment {
            id: id(n),
            customer_id: id(CUSTOMER),
            currency: Currency::CNY,
            fen,
            due: due.map(day),
            written_off: false,
            ..Installment::default()
        }
    }

    fn receipt(n: u128, fen: i64) -> Receipt {
        Receipt {
            id: id(n),
            customer_id: id(CUSTOMER),
            currency: Currency::CNY,
            fen,
            date: day(0),
            confirmed: true,
            ..Receipt::default()
        }
    }

    #[test]
    fn a_receipt_not_confirmed_settles_and_counts_for_nothing() {
        let plan = [installment(1, 10_000, Some(0))];
        let waiting = Receipt {
            confirmed: false,
            ..receipt(2, 10_000)
        };
        let ledger = Ledger::new(&plan, std::slice::from_ref(&waiting), &[], &[]);
        assert_eq!(
            ledger.check(waiting.id, &[(plan[0].id, 1)]),
            Err(MoneyError::UnknownReceipt)
        );
        let balance = ledger.balance(id(CUSTOMER), Currency::CNY, day(1));
        assert_eq!((balance.received, balance.advance, balance.owed), (0, 0, 10_000));
    }

    /// Books `plan` of `receipt` as allocation rows numbered from `next`.
    fn book(allocations: &mut Vec<Allocation>, receipt: &Receipt, plan: &[(Uuid, i64)], next: &mut u128) {
        for (installment, fen) in plan {
            *next += 1;
            allocations.push(Allocation {
                id: id(5000 + *next),
                customer_id: receipt.customer_id,
                receipt_id: receipt.id,
                installment_id: *installment,
                fen: *fen,
                date: receipt.date,
                reverses: None,
            });
        }
    }

    #[test]
    fn a_receipt_settles_the_oldest_installments_first_and_the_rest_is_an_advance() {
        let plan = [
            installment(1, 30_000, Some(20)),
            installment(2, 50_000, Some(5)),
            installment(3, 20_000, None),
        ];
        let r = receipt(10, 90_000);
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &[], &[]);
        assert_eq!(
            ledger.oldest_first(&r),
            [(id(2), 50_000), (id(1), 30_000), (id(3), 10_000)]
        );

        let mut allocations = Vec::new();
        book(&mut allocations, &r, &ledger.oldest_first(&r), &mut 0);
        let big = receipt(11, 40_000);
        let receipts = [r.clone(), big.clone()];
        let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
        assert_eq!(ledger.oldest_first(&big), [(id(3), 10_000)]);
        assert_eq!(ledger.status(&plan[1], day(1)), Status::Settled);
        assert_eq!(ledger.status(&plan[2], day(30)), Status::PartlyReceived);
        let balance = ledger.balance(id(CUSTOMER), Currency::CNY, day(30));
        assert_eq!(
            balance,
            Balance {
                owed: 10_000,
                overdue: 0,
                received: 130_000,
                advance: 40_000
            }
        );
    }

    #[test]
    fn two_receipts_recorded_offline_never_overpay_one_installment() {
        let plan = [installment(1, 10_000, Some(3))];
        let (a, b) = (receipt(10, 8_000), receipt(11, 8_000));
        let receipts = [a.clone(), b.clone()];
        // Both phones proposed from the same state.
        let before = Ledger::new(&plan, &receipts, &[], &[]);
        let (plan_a, plan_b) = (before.oldest_first(&a), before.oldest_first(&b));
        assert_eq!(plan_b, [(id(1), 8_000)]);
        let mut allocations = Vec::new();
        before.check(a.id, &plan_a).unwrap();
        book(&mut allocations, &a, &plan_a, &mut 0);
        // The second, checked against what the first left, is refused ...
        let after = Ledger::new(&plan, &receipts, &allocations, &[]);
        assert_eq!(
            after.check(b.id, &plan_b),
            Err(MoneyError::OverInstallment {
                owed: 2_000,
                asked: 8_000
            })
        );
        // ... and allocated again settles what is left; the rest is an advance.
        let again = after.oldest_first(&b);
        assert_eq!(again, [(id(1), 2_000)]);
        book(&mut allocations, &b, &again, &mut 10);
        let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
        assert_eq!(ledger.outstanding(&plan[0]), 0);
        assert_eq!(ledger.unallocated(&b), 6_000);
    }

    #[test]
    fn allocations_by_hand_are_checked_against_customer_currency_and_amounts() {
        let mut other = installment(2, 5_000, Some(1));
        other.customer_id = id(CUSTOMER + 1);
        let mut dollars = installment(3, 5_000, Some(1));
        dollars.currency = Currency::parse("USD").unwrap();
        let mut lost = installment(4, 5_000, Some(1));
        lost.written_off = true;
        let plan = [installment(1, 5_000, Some(1)), other, dollars, lost];
        let r = receipt(10, 6_000);
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &[], &[]);
        let cases = [
            (vec![(id(1), 0)], MoneyError::NotPositive),
            (vec![(id(99), 10)], MoneyError::UnknownInstallment),
            (vec![(id(2), 10)], MoneyError::OtherCustomer),
            (
                vec![(id(3), 10)],
                MoneyError::OtherCurrency {
                    receipt: Currency::CNY,
                    installment: Currency::parse("USD").unwrap(),
                },
            ),
            (vec![(id(4), 10)], MoneyError::WrittenOff),
            (
                vec![(id(1), 3_000), (id(1), 3_000)],
                MoneyError::OverInstallment {
                    owed: 5_000,
                    asked: 6_000,
                },
            ),
        ];
        for (plan, error) in cases {
            assert_eq!(ledger.check(r.id, &plan), Err(error.clone()), "{error}");
        }
        assert_eq!(ledger.check(id(77), &[]), Err(MoneyError::UnknownReceipt));
        assert_eq!(ledger.check(r.id, &[(id(1), 5_000)]), Ok(()));
    }

    #[test]
    fn statuses_follow_the_facts() {
        let plan = [installment(1, 10_000, Some(10)), installment(2, 10_000, None)];
        let r = receipt(10, 4_000);
        let mut allocations = Vec::new();
        book(&mut allocations, &r, &[(id(1), 4_000)], &mut 0);
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &allocations, &[]);
        assert_eq!(ledger.status(&plan[0], day(5)), Status::PartlyReceived);
        assert_eq!(ledger.status(&plan[0], day(10)), Status::Due);
        assert_eq!(ledger.status(&plan[0], day(11)), Status::Overdue);
        assert_eq!(ledger.status(&plan[1], day(400)), Status::NotYetDue);
        let mut lost = plan[0].clone();
        lost.written_off = true;
        assert_eq!(ledger.status(&lost, day(11)), Status::WrittenOff);
        assert_eq!(remind_on(&plan[0], 3), Some(day(7)));
        assert_eq!(remind_on(&plan[1], 3), None);
    }

    #[test]
    fn refunds_and_credit_notes_reduce_what_was_received_or_owed() {
        let plan = [installment(1, 10_000, Some(1))];
        let r = receipt(10, 12_000);
        let mut allocations = Vec::new();
        book(&mut allocations, &r, &[(id(1), 8_000)], &mut 0);
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &allocations, &[]);
        assert_eq!(
            ledger.check_refund(r.id, 4_001),
            Err(MoneyError::OverReceipt {
                left: 4_000,
                asked: 4_001
            })
        );
        assert_eq!(
            ledger.check_credit_note(id(1), 2_001),
            Err(MoneyError::OverInstallment {
                owed: 2_000,
                asked: 2_001
            })
        );
        let credits = [
            Credit {
                id: id(20),
                customer_id: id(CUSTOMER),
                against: Credited::Receipt(r.id),
                fen: 4_000,
                date: day(2),
                reason: "多付退回".into(),
                by: None,
            },
            Credit {
                id: id(21),
                customer_id: id(CUSTOMER),
                against: Credited::Installment(id(1)),
                fen: 2_000,
                date: day(2),
                reason: "质量折让".into(),
                by: None,
            },
        ];
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &allocations, &credits);
        assert_eq!(ledger.status(&plan[0], day(5)), Status::Settled);
        assert_eq!(
            ledger.balance(id(CUSTOMER), Currency::CNY, day(5)),
            Balance {
                owed: 0,
                overdue: 0,
                received: 8_000,
                advance: 0
            }
        );
    }

    #[test]
    fn an_allocation_is_undone_once_and_a_reversal_never() {
        let plan = [installment(1, 10_000, Some(1))];
        let r = receipt(10, 10_000);
        let mut allocations = Vec::new();
        book(&mut allocations, &r, &[(id(1), 10_000)], &mut 0);
        let first = allocations[0].clone();
        let undo = reversal(&first, id(6000), day(3));
        allocations.push(undo.clone());
        let ledger = Ledger::new(&plan, std::slice::from_ref(&r), &allocations, &[]);
        assert_eq!(ledger.may_reverse(first.id), Err(MoneyError::AlreadyReversed));
        assert_eq!(ledger.may_reverse(undo.id), Err(MoneyError::IsReversal));
        assert_eq!(ledger.may_reverse(id(9999)), Err(MoneyError::UnknownAllocation));
        assert_eq!(ledger.outstanding(&plan[0]), 10_000);
        assert_eq!(ledger.unallocated(&r), 10_000);
    }

    /// A customer's plan and receipts: amounts, due days (or none).
    fn facts() -> impl Strategy<Value = (Vec<Installment>, Vec<Receipt>)> {
        let installments = proptest::collection::vec((1i64..100_000, proptest::option::of(0u32..60)), 1..8);
        let receipts = proptest::collection::vec(1i64..150_000, 1..6);
        (installments, receipts).prop_map(|(plan, paid)| {
            let plan = plan
                .into_iter()
                .enumerate()
                .map(|(i, (fen, due))| installment(i as u128, fen, due))
                .collect();
            let paid = paid
                .into_iter()
                .enumerate()
                .map(|(i, fen)| receipt(100 + i as u128, fen))
                .collect();
            (plan, paid)
        })
    }

    proptest! {
        #[test]
        fn allocations_never_exceed_what_is_owed_or_received_and_always_reconcile((plan, receipts) in facts()) {
            let mut allocations = Vec::new();
            let mut next = 0;
            for r in &receipts {
                let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
                let proposed = ledger.oldest_first(r);
                prop_assert_eq!(ledger.check(r.id, &proposed), Ok(()));
                book(&mut allocations, r, &proposed, &mut next);
            }
            let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
            for i in &plan {
                prop_assert!(ledger.outstanding(i) >= 0 && ledger.outstanding(i) <= i.fen);
            }
            for r in &receipts {
                prop_assert!(ledger.unallocated(r) >= 0);
            }
            // Received money is either settling installments or an advance.
            let planned: i64 = plan.iter().map(|i| i.fen).sum();
            let received: i64 = receipts.iter().map(|r| r.fen).sum();
            let balance = ledger.balance(id(CUSTOMER), Currency::CNY, day(30));
            prop_assert_eq!(balance.received, received);
            prop_assert_eq!(planned - balance.owed + balance.advance, received);
            // Money left unallocated only while nothing is owed.
            prop_assert!(balance.advance == 0 || balance.owed == 0);
        }

        #[test]
        fn undoing_an_allocation_restores_the_state_before_it_exactly(
            (plan, receipts) in facts(),
            pick in any::<proptest::sample::Index>(),
        ) {
            let mut allocations = Vec::new();
            let mut next = 0;
            for r in &receipts {
                let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
                let proposed = ledger.oldest_first(r);
                book(&mut allocations, r, &proposed, &mut next);
            }
            prop_assume!(!allocations.is_empty());
            let undone = allocations[pick.index(allocations.len())].clone();
            let without: Vec<Allocation> = allocations.iter().filter(|a| a.id != undone.id).cloned().collect();
            let mut with_reversal = allocations.clone();
            let ledger = Ledger::new(&plan, &receipts, &allocations, &[]);
            prop_assert!(ledger.may_reverse(undone.id).is_ok());
            with_reversal.push(reversal(&undone, id(9_000), day(40)));
            let (a, b) = (
                Ledger::new(&plan, &receipts, &without, &[]),
                Ledger::new(&plan, &receipts, &with_reversal, &[]),
            );
            for i in &plan {
                prop_assert_eq!(a.outstanding(i), b.outstanding(i));
                prop_assert_eq!(a.status(i, day(30)), b.status(i, day(30)));
            }
            for r in &receipts {
                prop_assert_eq!(a.unallocated(r), b.unallocated(r));
            }
            prop_assert_eq!(
                a.balance(id(CUSTOMER), Currency::CNY, day(30)),
                b.balance(id(CUSTOMER), Currency::CNY, day(30))
            );
        }
    }
}
