//! The receivables forecast (应收账款预计表): what each customer is
//! expected to pay in each of the next months, as of a date.
//!
//! For each installment still owed as of `A` (its planned amount less what
//! was allocated and credited by then, as in [`super::aging`]):
//! - dated (its basis event happened): due before `A`, it is overdue and
//!   goes on its own line, never into a coming month; otherwise in the
//!   month of the date a collector expects the money, else of its due
//!   date;
//! - not dated yet (waiting for delivery or acceptance): projected from the
//!   contract's last planned delivery date plus the installment's offset,
//!   and marked projected; a projection already past counts in the first
//!   month (it is late, not overdue); with no planned delivery it is
//!   undated. Once the delivery is posted the installment has its due date
//!   and counts once, as dated.
//!
//! Months run from `A`'s month (from `A` on) for `months` months; what
//! falls after is "later". The same facts and date always give the same
//! table.

use super::aging::{taken_by, Facts};
use super::receivable::Installment;
use super::records::Contract;
use super::terms::due_date;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The most months a forecast looks ahead.
pub const MAX_MONTHS: u32 = 12;

/// One customer's expected payments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastRow {
    pub customer_id: Uuid,
    /// Past due as of the date and not received.
    pub overdue: i64,
    /// Fen expected in each month, the first being the as-of date's.
    pub months: Vec<i64>,
    /// The part of each month's amount that is projected.
    pub projected: Vec<i64>,
    /// Expected after the last month.
    pub later: i64,
    /// Waiting for an event with no planned date.
    pub undated: i64,
}

/// The forecast: its months (the first day of each) and one row per
/// customer with anything still owed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forecast {
    pub months: Vec<NaiveDate>,
    pub rows: Vec<ForecastRow>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// When an undated installment is expected: its contract's last planned
/// delivery, plus its offset.
fn projected_date(installment: &Installment, contracts: &HashMap<Uuid, &Contract>) -> Option<NaiveDate> {
    let contract = contracts.get(&installment.contract_id?)?;
    let delivery = contract.lines.iter().filter_map(|l| l.planned_delivery).max()?;
    due_date(delivery, installment.offset?)
}

/// The forecast as of `as_of` for `months` months (at most
/// [`MAX_MONTHS`]).
pub fn forecast(facts: &Facts<'_>, contracts: &[Contract], as_of: NaiveDate, months: u32) -> Forecast {
    let months = months.clamp(1, MAX_MONTHS);
    let first = month_start(as_of);
    let starts: Vec<NaiveDate> = (0..months)
        .filter_map(|m| first.checked_add_months(chrono::Months::new(m)))
        .collect();
    let month_of = |d: NaiveDate| {
        let start = month_start(d);
        starts.iter().position(|s| *s == start)
    };
    let contracts: HashMap<Uuid, &Contract> = contracts.iter().map(|c| (c.id, c)).collect();
    let (taken, _) = taken_by(facts, as_of);
    let mut rows: BTreeMap<Uuid, ForecastRow> = BTreeMap::new();
    for i in facts.installments.iter().filter(|i| !i.written_off) {
        let amount = i.fen - taken.get(&i.id).copied().unwrap_or(0);
        if amount <= 0 {
            continue;
        }
        let row = rows.entry(i.customer_id).or_insert_with(|| ForecastRow {
            customer_id: i.customer_id,
            months: vec![0; starts.len()],
            projected: vec![0; starts.len()],
            ..ForecastRow::default()
        });
        match i.due {
            Some(due) => {
                if due < as_of {
                    row.overdue += amount;
                } else {
                    match month_of(i.expected.unwrap_or(due).max(as_of)) {
                        Some(m) => row.months[m] += amount,
                        None => row.later += amount,
                    }
                }
            }
            None => match projected_date(i, &contracts) {
                Some(date) => match month_of(date.max(as_of)) {
                    Some(m) => {
                        row.months[m] += amount;
                        row.projected[m] += amount;
                    }
                    None => row.later += amount,
                },
                None => row.undated += amount,
            },
        }
    }
    Forecast {
        months: starts,
        rows: rows.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::document::{Line, Quantity};
    use crate::money::receivable::{Allocation, Credit, Credited, Receipt};
    use crate::money::terms::{DateBasis, Offset};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const C: Uuid = Uuid::from_u128(7);
    const K: Uuid = Uuid::from_u128(8);

    fn installment(n: u128, fen: i64, due: Option<NaiveDate>, offset: Option<Offset>) -> Installment {
        Installment {
            id: Uuid::from_u128(n),
            customer_id: C,
            fen,
            due,
            contract_id: Some(K),
            basis: Some(if due.is_some() {
                DateBasis::Contract
            } else {
                DateBasis::Delivery
            }),
            offset,
            ..Installment::default()
        }
    }

    fn contract(planned: Option<NaiveDate>) -> Contract {
        Contract {
            id: K,
            customer_id: C,
            number: String::new(),
            title: "供货".into(),
            quote_id: None,
            status: crate::money::records::ContractStatus::Active,
            currency: Default::default(),
            lines: vec![Line {
                id: Some(Uuid::from_u128(9)),
                description: "阀".into(),
                quantity: Quantity(1000),
                unit_fen: 1,
                planned_delivery: planned,
                ..Line::default()
            }],
            signed_on: Some(d(2026, 10, 1)),
            terms: Vec::new(),
            allow_over_delivery: false,
            notes: String::new(),
        }
    }

    /// As of 2026-12-07, three months (Dec, Jan, Feb): an installment due
    /// Nov 20 partly paid (overdue 300); one due Dec 31 (December); one due
    /// Dec 10 that a collector expects Jan 15 (January); one waiting for a
    /// delivery planned Jan 20, due 30 days after (projected, February);
    /// one due in May (later).
    #[test]
    fn a_hand_computed_forecast() {
        let installments = [
            installment(1, 1_000, Some(d(2026, 11, 20)), None),
            installment(2, 2_000, Some(d(2026, 12, 31)), None),
            Installment {
                expected: Some(d(2027, 1, 15)),
                ..installment(3, 500, Some(d(2026, 12, 10)), None)
            },
            installment(4, 4_000, None, Some(Offset::Days { days: 30 })),
            installment(5, 800, Some(d(2027, 5, 1)), None),
        ];
        let receipts = [Receipt {
            id: Uuid::from_u128(20),
            customer_id: C,
            fen: 700,
            date: d(2026, 11, 25),
            confirmed: true,
            ..Receipt::default()
        }];
        let allocations = [Allocation {
            id: Uuid::from_u128(21),
            customer_id: C,
            receipt_id: Uuid::from_u128(20),
            installment_id: Uuid::from_u128(1),
            fen: 700,
            date: d(2026, 11, 25),
            reverses: None,
        }];
        let facts = Facts {
            installments: &installments,
            receipts: &receipts,
            allocations: &allocations,
            credits: &[],
        };
        let planned = [contract(Some(d(2027, 1, 20)))];
        let f = forecast(&facts, &planned, d(2026, 12, 7), 3);
        assert_eq!(f.months, [d(2026, 12, 1), d(2027, 1, 1), d(2027, 2, 1)]);
        let row = &f.rows[0];
        assert_eq!(row.overdue, 300);
        assert_eq!(row.months, [2_000, 500, 4_000]);
        assert_eq!(row.projected, [0, 0, 4_000]);
        assert_eq!((row.later, row.undated), (800, 0));
        // The same facts and date give the same table.
        assert_eq!(forecast(&facts, &planned, d(2026, 12, 7), 3), f);
        // Without a planned delivery the installment is undated.
        let f = forecast(&facts, &[contract(None)], d(2026, 12, 7), 3);
        assert_eq!((f.rows[0].months[2], f.rows[0].undated), (0, 4_000));
    }

    #[test]
    fn a_posted_delivery_turns_a_projection_into_a_date_counted_once() {
        let waiting = installment(4, 4_000, None, Some(Offset::Days { days: 30 }));
        let dated = Installment {
            due: Some(d(2027, 1, 19)),
            ..waiting.clone()
        };
        let planned = [contract(Some(d(2027, 1, 20)))];
        for (installment, projected) in [(waiting, 4_000), (dated, 0)] {
            let facts = Facts {
                installments: std::slice::from_ref(&installment),
                receipts: &[],
                allocations: &[],
                credits: &[],
            };
            let f = forecast(&facts, &planned, d(2026, 12, 7), 3);
            let total: i64 = f.rows[0].months.iter().sum::<i64>() + f.rows[0].later + f.rows[0].overdue;
            assert_eq!(total, 4_000, "counted once");
            assert_eq!(f.rows[0].projected.iter().sum::<i64>(), projected);
        }
    }

    #[test]
    fn credit_notes_lower_what_is_expected_and_settled_ones_drop_out() {
        let installments = [installment(1, 1_000, Some(d(2026, 12, 20)), None)];
        let credits = [Credit {
            id: Uuid::from_u128(30),
            customer_id: C,
            against: Credited::Installment(Uuid::from_u128(1)),
            fen: 1_000,
            date: d(2026, 12, 1),
            reason: "折让".into(),
            by: None,
        }];
        let facts = Facts {
            installments: &installments,
            receipts: &[],
            allocations: &[],
            credits: &credits,
        };
        assert!(forecast(&facts, &[], d(2026, 12, 7), 3).rows.is_empty());
        // Before the credit note it was expected in December.
        let f = forecast(&facts, &[], d(2026, 11, 30), 3);
        assert_eq!(f.rows[0].months[1], 1_000);
    }
}
