//! Money statistics for a year: what was received, raised and settled
//! each month, refunds, and what was received by payment method and by
//! rep. Drawn as charts in the app, with the numbers beside them.
//!
//! - *received*: confirmed receipts, by their date;
//! - *raised*: installments, by their due date (undated ones are not yet
//!   raised);
//! - *settled*: allocations, by the date they count from (their own, or
//!   their receipt's if later), reversals counting negative;
//! - *refunded*: refunds (credits against a receipt), by their date;
//! - *paid*: payments to suppliers ([`super::payable`]), by their date.

use super::aging::Facts;
use super::payable::Payment;
use super::receivable::{Credited, Method};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// One month's figures, in fen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthFigures {
    pub received: i64,
    pub raised: i64,
    pub settled: i64,
    pub refunded: i64,
    /// Paid to suppliers.
    #[serde(default)]
    pub paid: i64,
}

/// A year's money statistics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub year: i32,
    /// January to December.
    pub months: Vec<MonthFigures>,
    /// Received in the year by payment method, largest first.
    pub by_method: Vec<(Method, i64)>,
    /// Received in the year by the customer's rep (none: the pool's),
    /// largest first.
    pub by_rep: Vec<(Option<Uuid>, i64)>,
    /// Paid to suppliers in the year by payment method, largest first.
    #[serde(default)]
    pub paid_by_method: Vec<(Method, i64)>,
    /// The year's totals.
    pub total: MonthFigures,
}

/// Adds one customer's facts for `year` to `stats`; `rep` is the
/// customer's rep.
pub fn add(stats: &mut Stats, facts: &Facts<'_>, rep: Option<Uuid>) {
    if stats.months.len() != 12 {
        stats.months = vec![MonthFigures::default(); 12];
    }
    let year = stats.year;
    let month = |d: NaiveDate| (d.year() == year).then(|| d.month0() as usize);
    let mut by_method: HashMap<Method, i64> = stats.by_method.iter().copied().collect();
    let mut by_rep: HashMap<Option<Uuid>, i64> = stats.by_rep.iter().copied().collect();
    let arrived: HashMap<Uuid, NaiveDate> = facts.receipts.iter().map(|r| (r.id, r.date)).collect();
    for r in facts.receipts.iter().filter(|r| r.confirmed) {
        if let Some(m) = month(r.date) {
            stats.months[m].received = stats.months[m].received.saturating_add(r.fen);
            let slot = by_method.entry(r.method).or_default();
            *slot = slot.saturating_add(r.fen);
            let slot = by_rep.entry(rep).or_default();
            *slot = slot.saturating_add(r.fen);
        }
    }
    for i in facts.installments {
        if let Some(m) = i.due.and_then(month) {
            stats.months[m].raised = stats.months[m].raised.saturating_add(i.fen);
        }
    }
    for a in facts.allocations {
        let counts_from = arrived.get(&a.receipt_id).map_or(a.date, |r| a.date.max(*r));
        if let Some(m) = month(counts_from) {
            stats.months[m].settled = stats.months[m].settled.saturating_add(a.fen);
        }
    }
    for c in facts.credits {
        if let (Credited::Receipt(_), Some(m)) = (c.against, month(c.date)) {
            stats.months[m].refunded = stats.months[m].refunded.saturating_add(c.fen);
        }
    }
    stats.by_method = ranked(by_method);
    stats.by_rep = ranked(by_rep);
    total(stats);
}

/// Adds payments to suppliers for `stats`' year.
pub fn add_payments(stats: &mut Stats, payments: &[Payment]) {
    if stats.months.len() != 12 {
        stats.months = vec![MonthFigures::default(); 12];
    }
    let mut by_method: HashMap<Method, i64> = stats.paid_by_method.iter().copied().collect();
    for p in payments.iter().filter(|p| p.date.year() == stats.year) {
        let m = p.date.month0() as usize;
        stats.months[m].paid = stats.months[m].paid.saturating_add(p.fen);
        let slot = by_method.entry(p.method).or_default();
        *slot = slot.saturating_add(p.fen);
    }
    stats.paid_by_method = ranked(by_method);
    total(stats);
}

fn total(stats: &mut Stats) {
    stats.total = stats.months.iter().fold(MonthFigures::default(), |t, m| MonthFigures {
        received: t.received.saturating_add(m.received),
        raised: t.raised.saturating_add(m.raised),
        settled: t.settled.saturating_add(m.settled),
        refunded: t.refunded.saturating_add(m.refunded),
        paid: t.paid.saturating_add(m.paid),
    });
}

fn ranked<K: Ord + Copy>(sums: HashMap<K, i64>) -> Vec<(K, i64)> {
    let mut ranked: Vec<(K, i64)> = sums.into_iter().collect::<BTreeMap<_, _>>().into_iter().collect();
    ranked.sort_by_key(|(k, fen)| (std::cmp::Reverse(*fen), *k));
    ranked
}

/// A bar's length, 0 to `full`, for `fen` against the largest `max`.
pub fn bar(fen: i64, max: i64, full: u32) -> u32 {
    if fen <= 0 || max <= 0 {
        return 0;
    }
    let scaled = i128::from(fen) * i128::from(full) / i128::from(max);
    u32::try_from(scaled.clamp(1, i128::from(full))).unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::receivable::{Allocation, Credit, Installment, Receipt};
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_year_by_month_method_and_rep() {
        let c = Uuid::from_u128(1);
        let installments = [Installment {
            id: Uuid::from_u128(10),
            customer_id: c,
            fen: 50_000,
            due: Some(day(3, 31)),
            ..Installment::default()
        }];
        let receipt = |n: u128, fen: i64, date: NaiveDate, method: Method, confirmed: bool| Receipt {
            id: Uuid::from_u128(n),
            customer_id: c,
            fen,
            date,
            method,
            confirmed,
            ..Receipt::default()
        };
        let receipts = [
            receipt(20, 30_000, day(3, 5), Method::BankTransfer, true),
            receipt(21, 25_000, day(4, 1), Method::Cash, true),
            receipt(22, 99_000, day(4, 2), Method::Cash, false),
            receipt(
                23,
                7_000,
                NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                Method::Cash,
                true,
            ),
        ];
        // Allocated in February, but the money came in March: it counts
        // in March.
        let allocations = [Allocation {
            id: Uuid::from_u128(30),
            customer_id: c,
            receipt_id: Uuid::from_u128(20),
            installment_id: Uuid::from_u128(10),
            fen: 30_000,
            date: day(2, 20),
            reverses: None,
        }];
        let credits = [Credit {
            id: Uuid::from_u128(40),
            customer_id: c,
            against: Credited::Receipt(Uuid::from_u128(21)),
            fen: 5_000,
            date: day(4, 3),
            reason: "多付退回".into(),
            by: None,
        }];
        let facts = Facts {
            installments: &installments,
            receipts: &receipts,
            allocations: &allocations,
            credits: &credits,
        };
        let mut stats = Stats {
            year: 2026,
            ..Stats::default()
        };
        let rep = Some(Uuid::from_u128(7));
        add(&mut stats, &facts, rep);
        assert_eq!(
            stats.months[2],
            MonthFigures {
                received: 30_000,
                raised: 50_000,
                settled: 30_000,
                refunded: 0,
                paid: 0
            }
        );
        assert_eq!(
            stats.months[3],
            MonthFigures {
                received: 25_000,
                raised: 0,
                settled: 0,
                refunded: 5_000,
                paid: 0
            }
        );
        assert_eq!(
            stats.by_method,
            [(Method::BankTransfer, 30_000), (Method::Cash, 25_000)]
        );
        assert_eq!(stats.by_rep, [(rep, 55_000)]);
        assert_eq!(stats.total.received, 55_000, "unconfirmed and last year's left out");
    }

    #[test]
    fn payments_to_suppliers_count_by_month_and_method() {
        let pay = |fen: i64, m: u32, method: Method| Payment {
            id: Uuid::now_v7(),
            supplier_id: Uuid::from_u128(3),
            currency: crate::money::Currency::CNY,
            fen,
            date: day(m, 15),
            method,
            reference: String::new(),
            notes: String::new(),
            by: None,
        };
        let mut stats = Stats {
            year: 2026,
            ..Stats::default()
        };
        let last_year = Payment {
            date: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            ..pay(1, 1, Method::Cash)
        };
        add_payments(
            &mut stats,
            &[
                pay(40_000, 2, Method::BankTransfer),
                pay(10_000, 2, Method::Cheque),
                pay(5_000, 9, Method::BankTransfer),
                last_year,
            ],
        );
        assert_eq!(stats.months[1].paid, 50_000);
        assert_eq!(stats.months[8].paid, 5_000);
        assert_eq!(stats.total.paid, 55_000, "last year's left out");
        assert_eq!(
            stats.paid_by_method,
            [(Method::BankTransfer, 45_000), (Method::Cheque, 10_000)]
        );
        assert_eq!(stats.total.received, 0, "payments are not receipts");
    }

    proptest! {
        /// Whatever the receipts, the months, the methods and the reps
        /// each add up to the year's total received.
        #[test]
        fn every_view_adds_up_to_the_total(
            paid in prop::collection::vec((1i64..10_000_000, 0u32..365, 0usize..6, 0u128..3), 0..40),
        ) {
            let methods = [Method::BankTransfer, Method::Cash, Method::Cheque, Method::AcceptanceBill, Method::WechatPay, Method::Alipay];
            let mut stats = Stats { year: 2026, ..Stats::default() };
            for (n, (fen, d, method, rep)) in paid.iter().enumerate() {
                let receipts = [Receipt {
                    id: Uuid::from_u128(n as u128),
                    customer_id: Uuid::from_u128(*rep),
                    fen: *fen,
                    date: day(1, 1) + chrono::Days::new(u64::from(*d)),
                    method: methods[*method],
                    confirmed: true,
                    ..Receipt::default()
                }];
                let facts = Facts { installments: &[], receipts: &receipts, allocations: &[], credits: &[] };
                add(&mut stats, &facts, Some(Uuid::from_u128(*rep)));
            }
            let total: i64 = paid.iter().map(|p| p.0).sum();
            prop_assert_eq!(stats.total.received, total);
            prop_assert_eq!(stats.months.iter().map(|m| m.received).sum::<i64>(), total);
            prop_assert_eq!(stats.by_method.iter().map(|m| m.1).sum::<i64>(), total);
            prop_assert_eq!(stats.by_rep.iter().map(|m| m.1).sum::<i64>(), total);
        }
    }

    #[test]
    fn bars_are_scaled_and_never_vanish() {
        assert_eq!(bar(50, 100, 200), 100);
        assert_eq!(bar(1, 1_000_000, 200), 1, "a small amount still shows");
        assert_eq!(bar(0, 100, 200), 0);
        assert_eq!(bar(i64::MAX, i64::MAX, 200), 200);
    }
}
