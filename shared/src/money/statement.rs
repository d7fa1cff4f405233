//! A customer statement (对账单): its open items as of a date and what it
//! is expected to pay in the coming months, with totals that always agree
//! with the items (a rep prints it at the customer's office, offline).

use super::aging::{taken_by, Facts};
use super::forecast::{forecast, ForecastRow};
use super::records::Contract;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One installment still owed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenItem {
    pub installment_id: Uuid,
    /// The contract's number or title, for the customer to recognise.
    pub contract: String,
    pub number: u16,
    pub due: Option<NaiveDate>,
    pub planned: i64,
    /// Received or credited by the date.
    pub taken: i64,
    pub owed: i64,
    pub overdue: bool,
}

/// A customer's statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statement {
    pub customer_id: Uuid,
    pub as_of: NaiveDate,
    pub items: Vec<OpenItem>,
    /// The sum of the items' `owed`.
    pub owed: i64,
    /// The part of `owed` past due.
    pub overdue: i64,
    /// Received by the date and not allocated (the customer's credit).
    pub advance: i64,
    /// The forecast months (first days) and this customer's row.
    pub months: Vec<NaiveDate>,
    pub expected: ForecastRow,
}

/// `customer`'s statement as of `as_of`, with a forecast of `months`
/// months. `facts` may hold other customers' records: they are left out.
pub fn statement(
    facts: &Facts<'_>,
    contracts: &[Contract],
    customer: Uuid,
    as_of: NaiveDate,
    months: u32,
) -> Statement {
    let (taken, spent) = taken_by(facts, as_of);
    let mut items: Vec<OpenItem> = facts
        .installments
        .iter()
        .filter(|i| i.customer_id == customer && !i.written_off)
        .filter_map(|i| {
            let took = taken.get(&i.id).copied().unwrap_or(0);
            let owed = i.fen - took;
            (owed > 0).then(|| OpenItem {
                installment_id: i.id,
                contract: contracts
                    .iter()
                    .find(|c| Some(c.id) == i.contract_id)
                    .map(|c| {
                        if c.number.is_empty() {
                            c.title.clone()
                        } else {
                            c.number.clone()
                        }
                    })
                    .unwrap_or_default(),
                number: i.number,
                due: i.due,
                planned: i.fen,
                taken: took,
                owed,
                overdue: i.due.is_some_and(|d| d < as_of),
            })
        })
        .collect();
    items.sort_by_key(|i| (i.due.is_none(), i.due, i.contract.clone(), i.number));
    let advance = facts
        .receipts
        .iter()
        .filter(|r| r.customer_id == customer && r.date <= as_of)
        .map(|r| (r.fen - spent.get(&r.id).copied().unwrap_or(0)).max(0))
        .sum();
    let table = forecast(facts, contracts, as_of, months);
    let expected = table
        .rows
        .into_iter()
        .find(|r| r.customer_id == customer)
        .unwrap_or_else(|| ForecastRow {
            customer_id: customer,
            months: vec![0; table.months.len()],
            projected: vec![0; table.months.len()],
            ..ForecastRow::default()
        });
    Statement {
        customer_id: customer,
        as_of,
        owed: items.iter().map(|i| i.owed).sum(),
        overdue: items.iter().filter(|i| i.overdue).map(|i| i.owed).sum(),
        items,
        advance,
        months: table.months,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::receivable::{Allocation, Installment, Receipt};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    const C: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);

    fn installment(n: u128, customer: Uuid, fen: i64, due: NaiveDate) -> Installment {
        Installment {
            id: Uuid::from_u128(n),
            customer_id: customer,
            fen,
            due: Some(due),
            number: n as u16,
            ..Installment::default()
        }
    }

    #[test]
    fn a_statement_lists_what_is_owed_and_its_totals_agree() {
        let installments = [
            installment(10, C, 30_000, d(11, 1)),
            installment(11, C, 70_000, d(12, 31)),
            installment(12, OTHER, 99_999, d(11, 1)),
        ];
        let receipts = [Receipt {
            id: Uuid::from_u128(20),
            customer_id: C,
            fen: 50_000,
            date: d(11, 5),
            confirmed: true,
            ..Receipt::default()
        }];
        let allocations = [Allocation {
            id: Uuid::from_u128(21),
            customer_id: C,
            receipt_id: Uuid::from_u128(20),
            installment_id: Uuid::from_u128(10),
            fen: 20_000,
            date: d(11, 5),
            reverses: None,
        }];
        let facts = Facts {
            installments: &installments,
            receipts: &receipts,
            allocations: &allocations,
            credits: &[],
        };
        let s = statement(&facts, &[], C, d(12, 7), 3);
        assert_eq!(s.items.len(), 2, "another customer's items are not on it");
        assert_eq!((s.items[0].owed, s.items[0].overdue), (10_000, true));
        assert_eq!((s.items[1].owed, s.items[1].overdue), (70_000, false));
        assert_eq!((s.owed, s.overdue, s.advance), (80_000, 10_000, 30_000));
        assert_eq!(s.expected.overdue, s.overdue, "the forecast agrees with the items");
        assert_eq!(
            s.expected.months.iter().sum::<i64>() + s.expected.later,
            s.owed - s.overdue
        );
    }
}
