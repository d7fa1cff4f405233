//! Money reports as the server answers them for many customers at once:
//! each customer's aging or forecast row with its name and owner, and the
//! sums per rep, team and company. The rows come from [`super::aging`] and
//! [`super::forecast`]; this module only names and adds them up.

use super::aging::{AgingRow, Behind, Boundaries, Concentration, Subtotal};
use super::forecast::ForecastRow;
use super::statement::Statement;
use crate::ids::{TeamId, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Whose a row is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Whose {
    pub customer_id: Uuid,
    pub name: String,
    /// None: the pool's.
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
}

/// One customer's aging, named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingLine {
    pub whose: Whose,
    pub row: AgingRow,
}

/// The aging of every customer the asker sees, as of a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgingReport {
    pub as_of: NaiveDate,
    /// The company's bucket boundaries (days past due).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u32>))]
    pub boundaries: Boundaries,
    /// Largest total first.
    pub customers: Vec<AgingLine>,
    pub reps: Vec<Subtotal>,
    pub teams: Vec<Subtotal>,
    pub company: Subtotal,
    pub concentration: Vec<Concentration>,
}

impl AgingReport {
    /// The report over `lines`, with its sums.
    pub fn of(as_of: NaiveDate, boundaries: Boundaries, mut lines: Vec<AgingLine>) -> AgingReport {
        lines.sort_by_key(|l| (std::cmp::Reverse(l.row.total), l.whose.customer_id));
        let reps = super::aging::subtotals(lines.iter().map(|l| (l.whose.owner_id.map(|o| o.0), &l.row)));
        let teams = super::aging::subtotals(lines.iter().map(|l| (l.whose.team_id.map(|t| t.0), &l.row)));
        let mut company = Subtotal {
            buckets: vec![0; boundaries.buckets()],
            ..Subtotal::default()
        };
        for line in &lines {
            company.add(&line.row);
        }
        let rows: Vec<AgingRow> = lines.iter().map(|l| l.row.clone()).collect();
        AgingReport {
            as_of,
            boundaries,
            concentration: super::aging::concentration(&rows),
            customers: lines,
            reps,
            teams,
            company,
        }
    }
}

/// One customer's forecast, named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastLine {
    pub whose: Whose,
    pub row: ForecastRow,
}

/// The forecast of every customer the asker sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastReport {
    pub as_of: NaiveDate,
    /// The first day of each month.
    pub months: Vec<NaiveDate>,
    pub customers: Vec<ForecastLine>,
    /// Every customer's rows added up.
    pub total: ForecastRow,
}

impl ForecastReport {
    pub fn of(as_of: NaiveDate, months: Vec<NaiveDate>, mut lines: Vec<ForecastLine>) -> ForecastReport {
        lines.sort_by(|a, b| {
            a.whose
                .name
                .cmp(&b.whose.name)
                .then(a.whose.customer_id.cmp(&b.whose.customer_id))
        });
        let mut total = ForecastRow {
            months: vec![0; months.len()],
            projected: vec![0; months.len()],
            ..ForecastRow::default()
        };
        for line in &lines {
            let row = &line.row;
            total.overdue = total.overdue.saturating_add(row.overdue);
            total.later = total.later.saturating_add(row.later);
            total.undated = total.undated.saturating_add(row.undated);
            for (sum, fen) in total.months.iter_mut().zip(&row.months) {
                *sum = sum.saturating_add(*fen);
            }
            for (sum, fen) in total.projected.iter_mut().zip(&row.projected) {
                *sum = sum.saturating_add(*fen);
            }
        }
        ForecastReport {
            as_of,
            months,
            customers: lines,
            total,
        }
    }
}

/// One customer's aging opened up: its statement and what is behind each
/// bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerAging {
    pub whose: Whose,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u32>))]
    pub boundaries: Boundaries,
    pub statement: Statement,
    pub behind: Vec<Behind>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(customer: u128, owner: Option<u128>, buckets: Vec<i64>) -> AgingLine {
        AgingLine {
            whose: Whose {
                customer_id: Uuid::from_u128(customer),
                owner_id: owner.map(|o| UserId(Uuid::from_u128(o))),
                ..Whose::default()
            },
            row: AgingRow {
                customer_id: Uuid::from_u128(customer),
                total: buckets.iter().sum(),
                buckets,
                ..AgingRow::default()
            },
        }
    }

    #[test]
    fn reps_and_the_company_add_up_to_their_customers() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let report = AgingReport::of(
            day,
            Boundaries::default(),
            vec![
                line(1, Some(10), vec![100, 0, 50, 0, 0, 0]),
                line(2, Some(10), vec![0, 0, 0, 0, 0, 700]),
                line(3, None, vec![-30, 0, 0, 0, 0, 0]),
            ],
        );
        assert_eq!(
            report.customers[0].whose.customer_id,
            Uuid::from_u128(2),
            "largest first"
        );
        assert_eq!(report.company.total, 820);
        assert_eq!(report.company.buckets, vec![70, 0, 50, 0, 0, 700]);
        assert_eq!(report.reps.len(), 2);
        let rep = report.reps.iter().find(|r| r.id == Some(Uuid::from_u128(10))).unwrap();
        assert_eq!((rep.customers, rep.total), (2, 850));
        let pool = report.reps.iter().find(|r| r.id.is_none()).unwrap();
        assert_eq!(pool.total, -30);
        assert_eq!(report.concentration.len(), 2, "only customers owing net");
    }
}
