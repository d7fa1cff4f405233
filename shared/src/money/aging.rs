//! Aging (账龄): what customers owe as of a date, by how long past due.
//!
//! As of date `A`, an installment still owes its planned amount less the
//! allocations and credit notes dated on or before `A` (a written-off one
//! owes nothing). It falls in a bucket by `d = A − due` in days:
//! - *not yet due*: `d ≤ 0`, or no due date yet;
//! - then one bucket per boundary `b₁ < b₂ < …`: the first holds
//!   `1 ≤ d ≤ b₁`, the next `b₁ < d ≤ b₂`, and so on (both ends as
//!   written: 30 days past due is in 1–30, 31 in 31–60);
//! - the last holds `d > bₙ` (over 180 days by default).
//!
//! An allocation counts from its own date, or its receipt's if later.
//! Money received on or before `A` and not allocated by then (an advance,
//! less refunds dated by then) is the customer's, not owed: it counts
//! negative, aged by the receipt's own date. So every customer's buckets
//! add up to what it owes net, as of `A`. Receipts dated after `A` are
//! shown beside, in a column of their own, and counted nowhere else.

use super::receivable::{Allocation, Credit, Credited, Installment, Receipt};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The most boundaries a company may set.
pub const MAX_BOUNDARIES: usize = 8;

/// Days past due where one bucket ends and the next begins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u32>", into = "Vec<u32>")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Boundaries(Vec<u32>);

impl Default for Boundaries {
    /// Within 30, 31–60, 61–90, 91–180 and over 180 days.
    fn default() -> Boundaries {
        Boundaries(vec![30, 60, 90, 180])
    }
}

impl TryFrom<Vec<u32>> for Boundaries {
    type Error = String;
    fn try_from(days: Vec<u32>) -> Result<Boundaries, String> {
        if days.is_empty() || days.len() > MAX_BOUNDARIES {
            return Err(format!("give between 1 and {MAX_BOUNDARIES} aging boundaries"));
        }
        if days[0] == 0 || days.windows(2).any(|w| w[0] >= w[1]) || days[days.len() - 1] > 3650 {
            return Err("aging boundaries are days past due, rising, between 1 and 3650".into());
        }
        Ok(Boundaries(days))
    }
}

impl From<Boundaries> for Vec<u32> {
    fn from(b: Boundaries) -> Vec<u32> {
        b.0
    }
}

impl Boundaries {
    pub fn days(&self) -> &[u32] {
        &self.0
    }

    /// How many buckets: not yet due, one per boundary, and past the last.
    pub fn buckets(&self) -> usize {
        self.0.len() + 2
    }

    /// Bucket `i`'s range of days past due: "1–30", "181+"; empty for the
    /// first, not yet due.
    pub fn range(&self, i: usize) -> String {
        match i {
            0 => String::new(),
            i if i <= self.0.len() => {
                let from = if i == 1 { 1 } else { self.0[i - 2] + 1 };
                format!("{from}–{}", self.0[i - 1])
            }
            _ => format!("{}+", self.0.last().map_or(1, |b| b + 1)),
        }
    }

    /// The bucket of an amount `d` days past due.
    pub fn bucket(&self, d: i64) -> usize {
        if d <= 0 {
            return 0;
        }
        self.0
            .iter()
            .position(|b| d <= i64::from(*b))
            .map_or(self.0.len() + 1, |i| i + 1)
    }
}

/// One customer's aging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingRow {
    pub customer_id: Uuid,
    /// Fen per bucket (see [`Boundaries::bucket`]); advances negative.
    pub buckets: Vec<i64>,
    /// The sum of the buckets: owed less advances, as of the date.
    pub total: i64,
    /// Received after the as-of date: beside, not in the total.
    pub received_after: i64,
    /// The oldest day past due among what is still owed (0: none overdue).
    pub oldest_days: i64,
}

/// The facts aging reads: confirmed receipts only.
pub struct Facts<'a> {
    pub installments: &'a [Installment],
    pub receipts: &'a [Receipt],
    pub allocations: &'a [Allocation],
    pub credits: &'a [Credit],
}

/// What was taken off each installment (allocations and credit notes) and
/// out of each receipt (allocations and refunds) by `as_of`. Money settles
/// nothing before it arrives: an allocation counts from its own date, or
/// its receipt's if later.
pub(super) fn taken_by(facts: &Facts<'_>, as_of: NaiveDate) -> (HashMap<Uuid, i64>, HashMap<Uuid, i64>) {
    let arrived: HashMap<Uuid, NaiveDate> = facts.receipts.iter().map(|r| (r.id, r.date)).collect();
    let effective = |a: &Allocation| arrived.get(&a.receipt_id).map_or(a.date, |r| a.date.max(*r));
    let mut settled: HashMap<Uuid, i64> = HashMap::new();
    let mut spent: HashMap<Uuid, i64> = HashMap::new();
    for a in facts.allocations.iter().filter(|a| effective(a) <= as_of) {
        *settled.entry(a.installment_id).or_default() += a.fen;
        *spent.entry(a.receipt_id).or_default() += a.fen;
    }
    for c in facts.credits.iter().filter(|c| c.date <= as_of) {
        match c.against {
            Credited::Installment(id) => *settled.entry(id).or_default() += c.fen,
            Credited::Receipt(id) => *spent.entry(id).or_default() += c.fen,
        }
    }
    (settled, spent)
}

/// Every customer's aging as of `as_of`, by customer id. A customer with
/// nothing owed, no advance and nothing received after is left out.
pub fn age(facts: &Facts<'_>, as_of: NaiveDate, boundaries: &Boundaries) -> Vec<AgingRow> {
    let by_then = |date: NaiveDate| date <= as_of;
    let (settled, spent) = taken_by(facts, as_of);
    let mut rows: BTreeMap<Uuid, AgingRow> = BTreeMap::new();
    fn row(rows: &mut BTreeMap<Uuid, AgingRow>, customer: Uuid, buckets: usize) -> &mut AgingRow {
        rows.entry(customer).or_insert_with(|| AgingRow {
            customer_id: customer,
            buckets: vec![0; buckets],
            ..AgingRow::default()
        })
    }
    let n = boundaries.buckets();
    for i in facts.installments.iter().filter(|i| !i.written_off) {
        let owed = i.fen - settled.get(&i.id).copied().unwrap_or(0);
        if owed == 0 {
            continue;
        }
        let days = i.due.map_or(0, |due| (as_of - due).num_days());
        let r = row(&mut rows, i.customer_id, n);
        r.buckets[boundaries.bucket(days)] += owed;
        if owed > 0 {
            r.oldest_days = r.oldest_days.max(days);
        }
    }
    for receipt in facts.receipts {
        if !by_then(receipt.date) {
            row(&mut rows, receipt.customer_id, n).received_after += receipt.fen;
            continue;
        }
        let advance = receipt.fen - spent.get(&receipt.id).copied().unwrap_or(0);
        if advance != 0 {
            let days = (as_of - receipt.date).num_days();
            row(&mut rows, receipt.customer_id, n).buckets[boundaries.bucket(days)] -= advance;
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.total = r.buckets.iter().sum();
            r
        })
        .collect()
}

/// One customer's place among those owing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Concentration {
    pub customer_id: Uuid,
    /// What it owes, net of advances.
    pub total: i64,
    /// Its share of everything owed, in hundredths of a percent (rounded).
    pub share_bp: u32,
    /// What it owes past due.
    pub overdue: i64,
    pub oldest_days: i64,
}

/// Which customers hold the largest share of what is owed, largest first
/// (ties: the older debt first); customers owing nothing net are left out.
pub fn concentration(rows: &[AgingRow]) -> Vec<Concentration> {
    let owed: i128 = rows.iter().map(|r| i128::from(r.total.max(0))).sum();
    let mut ranked: Vec<Concentration> = rows
        .iter()
        .filter(|r| r.total > 0)
        .map(|r| Concentration {
            customer_id: r.customer_id,
            total: r.total,
            // To the nearest hundredth of a percent.
            share_bp: u32::try_from((i128::from(r.total) * 20_000 + owed) / (2 * owed.max(1))).unwrap_or(10_000),
            overdue: r.buckets.iter().skip(1).sum(),
            oldest_days: r.oldest_days,
        })
        .collect();
    ranked.sort_by_key(|c| {
        (
            std::cmp::Reverse(c.total),
            std::cmp::Reverse(c.oldest_days),
            c.customer_id,
        )
    });
    ranked
}

/// What makes up one cell of a customer's aging: an installment still
/// owed, or money received and not allocated (negative).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Behind {
    /// The installment, or the receipt of an advance.
    pub id: Uuid,
    pub advance: bool,
    /// Its due date, or the receipt's date.
    pub date: Option<NaiveDate>,
    /// What it counts in the cell: owed, or minus the advance.
    pub fen: i64,
    pub days: i64,
    pub bucket: usize,
}

/// The installments and advances behind a customer's aging as of
/// `as_of`, each with its bucket: they add up to [`age`]'s row, bucket by
/// bucket. `facts` are one customer's.
pub fn behind(facts: &Facts<'_>, as_of: NaiveDate, boundaries: &Boundaries) -> Vec<Behind> {
    let (settled, spent) = taken_by(facts, as_of);
    let owed = facts.installments.iter().filter(|i| !i.written_off).filter_map(|i| {
        let fen = i.fen - settled.get(&i.id).copied().unwrap_or(0);
        let days = i.due.map_or(0, |due| (as_of - due).num_days());
        (fen != 0).then(|| Behind {
            id: i.id,
            advance: false,
            date: i.due,
            fen,
            days,
            bucket: boundaries.bucket(days),
        })
    });
    let advances = facts.receipts.iter().filter(|r| r.date <= as_of).filter_map(|r| {
        let fen = r.fen - spent.get(&r.id).copied().unwrap_or(0);
        let days = (as_of - r.date).num_days();
        (fen != 0).then(|| Behind {
            id: r.id,
            advance: true,
            date: Some(r.date),
            fen: -fen,
            days,
            bucket: boundaries.bucket(days),
        })
    });
    let mut items: Vec<Behind> = owed.chain(advances).collect();
    items.sort_by_key(|b| (b.bucket, std::cmp::Reverse(b.days), b.id));
    items
}

/// Aging added up over a group of customers (a rep's, a team's, the
/// company's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subtotal {
    /// The rep or the team (none: the pool's customers, or the company).
    pub id: Option<Uuid>,
    pub customers: u32,
    pub buckets: Vec<i64>,
    pub total: i64,
    pub received_after: i64,
    pub oldest_days: i64,
}

impl Subtotal {
    pub fn add(&mut self, row: &AgingRow) {
        if self.buckets.len() < row.buckets.len() {
            self.buckets.resize(row.buckets.len(), 0);
        }
        for (sum, fen) in self.buckets.iter_mut().zip(&row.buckets) {
            *sum = sum.saturating_add(*fen);
        }
        self.customers += 1;
        self.total = self.total.saturating_add(row.total);
        self.received_after = self.received_after.saturating_add(row.received_after);
        self.oldest_days = self.oldest_days.max(row.oldest_days);
    }
}

/// Rows added up by `key` (rep, team), in key order.
pub fn subtotals<'a>(rows: impl IntoIterator<Item = (Option<Uuid>, &'a AgingRow)>) -> Vec<Subtotal> {
    let mut groups: BTreeMap<Option<Uuid>, Subtotal> = BTreeMap::new();
    for (key, row) in rows {
        groups
            .entry(key)
            .or_insert_with(|| Subtotal {
                id: key,
                ..Subtotal::default()
            })
            .add(row);
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(d)
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n + 1)
    }

    const C: u128 = 900;

    fn installment(n: u128, fen: i64, due: Option<i64>) -> Installment {
        Installment {
            id: id(n),
            customer_id: id(C),
            fen,
            due: due.map(day),
            ..Installment::default()
        }
    }

    fn receipt(n: u128, fen: i64, date: i64) -> Receipt {
        Receipt {
            id: id(n),
            customer_id: id(C),
            fen,
            date: day(date),
            confirmed: true,
            ..Receipt::default()
        }
    }

    fn allocation(n: u128, receipt: u128, installment: u128, fen: i64, date: i64) -> Allocation {
        Allocation {
            id: id(n),
            customer_id: id(C),
            receipt_id: id(receipt),
            installment_id: id(installment),
            fen,
            date: day(date),
            reverses: None,
        }
    }

    #[test]
    fn the_largest_and_oldest_debts_rank_first_with_their_share() {
        let row = |n: u128, buckets: Vec<i64>, oldest| AgingRow {
            customer_id: id(n),
            total: buckets.iter().sum(),
            buckets,
            received_after: 0,
            oldest_days: oldest,
        };
        let rows = [
            row(1, vec![100, 0, 0, 0, 0, 0], 0),
            row(2, vec![0, 0, 0, 0, 0, 300], 200),
            row(3, vec![0, 300, 0, 0, 0, 0], 10),
            row(4, vec![0, -50, 0, 0, 0, 0], 0),
        ];
        let ranked = concentration(&rows);
        let order: Vec<Uuid> = ranked.iter().map(|c| c.customer_id).collect();
        assert_eq!(order, [id(2), id(3), id(1)], "an advance owes nothing");
        assert_eq!(ranked[0].share_bp, 4286, "300 of 700");
        assert_eq!((ranked[0].overdue, ranked[2].overdue), (300, 0));
    }

    #[test]
    fn buckets_are_named_by_their_days() {
        let b = Boundaries::default();
        let names: Vec<String> = (0..b.buckets()).map(|i| b.range(i)).collect();
        assert_eq!(names, ["", "1–30", "31–60", "61–90", "91–180", "181+"]);
    }

    #[test]
    fn bucket_edges_are_inclusive_as_documented() {
        let b = Boundaries::default();
        let cases = [
            (-5, 0),
            (0, 0),
            (1, 1),
            (30, 1),
            (31, 2),
            (60, 2),
            (61, 3),
            (90, 3),
            (91, 4),
            (180, 4),
            (181, 5),
        ];
        for (d, bucket) in cases {
            assert_eq!(b.bucket(d), bucket, "{d} days");
        }
        assert!(Boundaries::try_from(vec![30, 30]).is_err());
        assert!(Boundaries::try_from(vec![]).is_err());
        assert!(Boundaries::try_from(vec![0, 10]).is_err());
    }

    /// A hand-computed table: as of day 100, one installment due day 40
    /// (60 days past due), ¥1,000 of ¥3,000 received on day 50; one due
    /// day 120 (not yet due); one with no date; a credit note of ¥200 on
    /// the first dated day 90; a receipt of ¥500 on day 95 not yet
    /// allocated (an advance, 5 days old); a receipt on day 101 (after).
    #[test]
    fn a_hand_computed_table() {
        let installments = [
            installment(1, 300_000, Some(40)),
            installment(2, 200_000, Some(120)),
            installment(3, 50_000, None),
        ];
        let receipts = [
            receipt(10, 100_000, 50),
            receipt(11, 50_000, 95),
            receipt(12, 70_000, 101),
        ];
        let allocations = [
            allocation(20, 10, 1, 100_000, 50),
            // Allocated after the as-of date: not yet counted.
            allocation(21, 12, 2, 70_000, 101),
        ];
        let credits = [Credit {
            id: id(30),
            customer_id: id(C),
            against: Credited::Installment(id(1)),
            fen: 20_000,
            date: day(90),
            reason: "折让".into(),
            by: None,
        }];
        let facts = Facts {
            installments: &installments,
            receipts: &receipts,
            allocations: &allocations,
            credits: &credits,
        };
        let rows = age(&facts, day(100), &Boundaries::default());
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        // Not yet due: 200,000 + 50,000; 1–30: the advance, −50,000;
        // 31–60: 300,000 − 100,000 − 20,000.
        assert_eq!(r.buckets, [250_000, -50_000, 180_000, 0, 0, 0]);
        assert_eq!(r.total, 380_000);
        assert_eq!(r.received_after, 70_000);
        assert_eq!(r.oldest_days, 60);
    }

    #[test]
    fn month_ends_and_leap_days_count_real_days() {
        let installments = [installment(1, 100, Some(58))]; // 2026-02-28
        let facts = Facts {
            installments: &installments,
            receipts: &[],
            allocations: &[],
            credits: &[],
        };
        // 2026-03-30 is 30 days after 2026-02-28: still 1–30.
        let rows = age(
            &facts,
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap(),
            &Boundaries::default(),
        );
        assert_eq!(rows[0].buckets[1], 100);
        let leap = [Installment {
            due: NaiveDate::from_ymd_opt(2028, 2, 29),
            ..installment(1, 100, None)
        }];
        let facts = Facts {
            installments: &leap,
            ..facts
        };
        let rows = age(
            &facts,
            NaiveDate::from_ymd_opt(2028, 3, 31).unwrap(),
            &Boundaries::default(),
        );
        assert_eq!((rows[0].buckets[2], rows[0].oldest_days), (100, 31));
    }

    proptest! {
        /// For random plans, receipts and allocations, at any as-of date:
        /// the buckets add up to the total, which is what was planned less
        /// what was allocated and credited by then, less the advances.
        #[test]
        fn buckets_always_reconcile(
            plans in prop::collection::vec((1i64..1_000_000, prop::option::of(0i64..400)), 1..8),
            paid in prop::collection::vec((1i64..1_000_000, 0i64..400), 0..6),
            picks in prop::collection::vec((0usize..8, 0usize..6, 1i64..500_000, 0i64..400), 0..12),
            as_of in 0i64..420,
        ) {
            let installments: Vec<Installment> =
                plans.iter().enumerate().map(|(n, (fen, due))| installment(n as u128, *fen, *due)).collect();
            let receipts: Vec<Receipt> =
                paid.iter().enumerate().map(|(n, (fen, date))| receipt(100 + n as u128, *fen, *date)).collect();
            let allocations: Vec<Allocation> = picks
                .iter()
                .enumerate()
                .filter(|(_, (i, r, _, _))| *i < installments.len() && *r < receipts.len())
                .map(|(n, (i, r, fen, date))| allocation(200 + n as u128, 100 + *r as u128, *i as u128, *fen, *date))
                .collect();
            let facts = Facts { installments: &installments, receipts: &receipts, allocations: &allocations, credits: &[] };
            let at = day(as_of);
            let rows = age(&facts, at, &Boundaries::default());
            let total: i64 = rows.iter().map(|r| r.total).sum();
            let buckets: i64 = rows.iter().flat_map(|r| r.buckets.iter()).sum();
            let planned: i64 = installments.iter().map(|i| i.fen).sum();
            let received: i64 = receipts.iter().filter(|r| r.date <= at).map(|r| r.fen).sum();
            prop_assert_eq!(buckets, total);
            // Owed less advances is planned less everything received by then.
            prop_assert_eq!(total, planned - received);
            let after: i64 = receipts.iter().filter(|r| r.date > at).map(|r| r.fen).sum();
            prop_assert_eq!(rows.iter().map(|r| r.received_after).sum::<i64>(), after);
            // Every cell is what the drill-down lists behind it.
            let mut cells = vec![0i64; Boundaries::default().buckets()];
            for b in behind(&facts, at, &Boundaries::default()) {
                cells[b.bucket] += b.fen;
            }
            let row_cells = rows.first().map_or(vec![0; cells.len()], |r| r.buckets.clone());
            prop_assert_eq!(cells, row_cells);
            let company = subtotals(rows.iter().map(|r| (None, r)));
            prop_assert_eq!(company.first().map_or(0, |s| s.total), total);
        }
    }
}
