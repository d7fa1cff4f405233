//! Payment terms (付款条件): a template of installments that, applied to a
//! contract's amount, makes its receivable plan.
//!
//! Each installment takes a share of the amount (a percentage, a fixed
//! amount, or the balance) and falls due an offset after a date basis (the
//! contract's date, the delivery, the acceptance, or the invoice). The last
//! installment takes what the others leave, so rounding never leaves a fen
//! behind: 33.33 % + 33.33 % + 33.34 % of ¥30,000.01 plan exactly
//! ¥30,000.01.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most installments a plan may have.
pub const MAX_INSTALLMENTS: usize = 36;

/// The largest amount a plan may spread, in fen (¥10 trillion): far above
/// any contract, and far below where sums of amounts could overflow.
pub const MAX_FEN: i64 = 1_000_000_000_000_000;

/// How much of the contract an installment takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Share {
    /// Hundredths of a percent of the amount (3333 = 33.33 %), rounded to
    /// the nearest fen, halves up.
    Percent { basis_points: u32 },
    /// A fixed amount, in fen.
    Fixed { fen: i64 },
    /// Whatever the other installments leave; only the last may be this.
    Balance,
}

/// The event an installment's due date counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateBasis {
    Contract,
    Delivery,
    Acceptance,
    Invoice,
}

/// How long after its basis date an installment falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Offset {
    /// N days after the basis date (0: on it).
    Days { days: u16 },
    /// N days after the end of the basis date's month (月结 N 天).
    DaysAfterMonthEnd { days: u16 },
    /// The last day of the month N months after the basis date's month
    /// (0: the end of that same month).
    EndOfMonth { months: u8 },
}

/// One installment of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermLine {
    pub share: Share,
    pub basis: DateBasis,
    pub offset: Offset,
}

/// One installment of a contract's plan: its amount, and when it falls due
/// (known once its basis event has a date).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedInstallment {
    pub fen: i64,
    pub basis: DateBasis,
    pub offset: Offset,
}

/// Payment terms a company starts from, by name: everything on signing;
/// 30 % on signing and the balance 30 days after delivery; 30 % on
/// signing, 60 % on delivery and 10 % a year after acceptance (质保金);
/// everything 30 days after the end of the delivery's month (月结30天).
pub fn presets() -> Vec<(&'static str, Vec<TermLine>)> {
    let line = |share, basis, offset| TermLine { share, basis, offset };
    let days = |days| Offset::Days { days };
    let percent = |basis_points| Share::Percent { basis_points };
    vec![
        ("款到发货", vec![line(Share::Balance, DateBasis::Contract, days(0))]),
        (
            "30% 预付，发货后 30 天付清",
            vec![
                line(percent(3000), DateBasis::Contract, days(0)),
                line(Share::Balance, DateBasis::Delivery, days(30)),
            ],
        ),
        (
            "3-6-1（质保金一年）",
            vec![
                line(percent(3000), DateBasis::Contract, days(0)),
                line(percent(6000), DateBasis::Delivery, days(0)),
                line(Share::Balance, DateBasis::Acceptance, days(365)),
            ],
        ),
        (
            "月结 30 天",
            vec![line(
                Share::Balance,
                DateBasis::Delivery,
                Offset::DaysAfterMonthEnd { days: 30 },
            )],
        ),
    ]
}

/// Why a template does not fit an amount.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("payment terms need at least one installment")]
    Empty,
    #[error("payment terms may have at most {MAX_INSTALLMENTS} installments")]
    TooMany,
    #[error("only the last installment may take the balance")]
    BalanceNotLast,
    #[error("installment {0} takes nothing: give it a share above zero")]
    Nothing(usize),
    #[error("a percentage is at most 100 %")]
    OverHundredPercent,
    #[error("the amount must be between zero and ¥10 trillion")]
    OutOfRange,
    #[error("the installments take {planned} fen of {amount}: they must add up to the whole amount (or end with a balance installment)")]
    DoesNotAddUp { planned: i64, amount: i64 },
    #[error("the installments before the balance already take {planned} fen of {amount}")]
    Exceeds { planned: i64, amount: i64 },
}

/// `share` of `amount`, rounded to the nearest fen, halves up.
fn share_of(amount: i64, basis_points: u32) -> i64 {
    let exact = i128::from(amount) * i128::from(basis_points);
    // Non-negative amounts only (checked by the caller).
    ((exact + 5_000) / 10_000) as i64
}

/// Expands terms over a contract's `amount` (fen) into its installments.
/// Their amounts always add up to `amount` exactly: a balance installment
/// takes what the others leave; without one, the shares must cover the
/// whole amount and the last installment takes the rounding.
pub fn expand(lines: &[TermLine], amount: i64) -> Result<Vec<PlannedInstallment>, TermsError> {
    if lines.is_empty() {
        return Err(TermsError::Empty);
    }
    if lines.len() > MAX_INSTALLMENTS {
        return Err(TermsError::TooMany);
    }
    if !(0..=MAX_FEN).contains(&amount) {
        return Err(TermsError::OutOfRange);
    }
    let last = lines.len() - 1;
    let mut fens = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let fen = match line.share {
            Share::Balance if i != last => return Err(TermsError::BalanceNotLast),
            Share::Balance => 0,
            Share::Percent { basis_points } if basis_points > 10_000 => return Err(TermsError::OverHundredPercent),
            Share::Percent { basis_points: 0 } | Share::Fixed { fen: ..=0 } => return Err(TermsError::Nothing(i + 1)),
            Share::Percent { basis_points } => share_of(amount, basis_points),
            Share::Fixed { fen } if fen > MAX_FEN => return Err(TermsError::OutOfRange),
            Share::Fixed { fen } => fen,
        };
        fens.push(fen);
    }
    let planned = fens.iter().try_fold(0i64, |sum, f| sum.checked_add(*f));
    let Some(planned) = planned else {
        return Err(TermsError::Exceeds {
            planned: i64::MAX,
            amount,
        });
    };
    let left = amount - planned;
    if lines[last].share == Share::Balance {
        if left <= 0 {
            return Err(TermsError::Exceeds { planned, amount });
        }
        fens[last] = left;
    } else {
        // Without a balance the shares must cover the amount exactly, before
        // rounding: fixed amounts plus percentages of it make all of it.
        let exact = lines.iter().fold(0i128, |sum, line| {
            sum + match line.share {
                Share::Percent { basis_points } => i128::from(amount) * i128::from(basis_points),
                Share::Fixed { fen } => i128::from(fen) * 10_000,
                Share::Balance => 0,
            }
        });
        if exact != i128::from(amount) * 10_000 {
            return Err(TermsError::DoesNotAddUp { planned, amount });
        }
        // Rounding leaves at most half a fen per percentage: the last
        // installment takes it.
        fens[last] += left;
    }
    if let Some(i) = fens.iter().position(|f| *f <= 0) {
        return Err(TermsError::Nothing(i + 1));
    }
    Ok(lines
        .iter()
        .zip(fens)
        .map(|(line, fen)| PlannedInstallment {
            fen,
            basis: line.basis,
            offset: line.offset,
        })
        .collect())
}

/// The date an installment falls due, `offset` after its basis event on
/// `basis`; `None` past the calendar's end.
pub fn due_date(basis: NaiveDate, offset: Offset) -> Option<NaiveDate> {
    match offset {
        Offset::Days { days } => basis.checked_add_days(Days::new(u64::from(days))),
        Offset::DaysAfterMonthEnd { days } => month_end(basis, 0)?.checked_add_days(Days::new(u64::from(days))),
        Offset::EndOfMonth { months } => month_end(basis, months),
    }
}

/// The last day of the month `months` after `day`'s month.
fn month_end(day: NaiveDate, months: u8) -> Option<NaiveDate> {
    let first = day.with_day(1)?;
    first.checked_add_months(Months::new(u32::from(months) + 1))?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_plans_any_amount_to_the_fen() {
        for (name, lines) in presets() {
            for amount in [100_i64, 99, 3_000_001, 1_234_567_891] {
                let plan = expand(&lines, amount).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(plan.iter().map(|p| p.fen).sum::<i64>(), amount, "{name}");
            }
        }
    }
    use proptest::prelude::*;

    fn line(share: Share) -> TermLine {
        TermLine {
            share,
            basis: DateBasis::Contract,
            offset: Offset::Days { days: 0 },
        }
    }

    fn percent(basis_points: u32) -> TermLine {
        line(Share::Percent { basis_points })
    }

    fn fens(plan: &[PlannedInstallment]) -> Vec<i64> {
        plan.iter().map(|p| p.fen).collect()
    }

    #[test]
    fn thirds_of_thirty_thousand_plan_exactly_thirty_thousand() {
        let thirds = [percent(3333), percent(3333), percent(3334)];
        assert_eq!(
            fens(&expand(&thirds, 3_000_000).unwrap()),
            [999_900, 999_900, 1_000_200]
        );
        // A fen that does not divide: the last takes it.
        assert_eq!(
            fens(&expand(&thirds, 3_000_001).unwrap()),
            [999_900, 999_900, 1_000_201]
        );
        let with_balance = [percent(3333), percent(3333), line(Share::Balance)];
        assert_eq!(
            fens(&expand(&with_balance, 3_000_000).unwrap()),
            [999_900, 999_900, 1_000_200]
        );
    }

    #[test]
    fn a_deposit_then_the_balance_on_delivery() {
        let terms = [
            line(Share::Fixed { fen: 500_000 }),
            TermLine {
                share: Share::Balance,
                basis: DateBasis::Delivery,
                offset: Offset::DaysAfterMonthEnd { days: 30 },
            },
        ];
        let plan = expand(&terms, 1_234_567).unwrap();
        assert_eq!(fens(&plan), [500_000, 734_567]);
        assert_eq!(plan[1].basis, DateBasis::Delivery);
    }

    #[test]
    fn terms_that_do_not_fit_the_amount_are_refused_with_a_reason() {
        let cases: [(Vec<TermLine>, i64, TermsError); 7] = [
            (vec![], 100, TermsError::Empty),
            (
                vec![line(Share::Balance), percent(5000)],
                100,
                TermsError::BalanceNotLast,
            ),
            (
                vec![percent(6000), percent(3000)],
                10_000,
                TermsError::DoesNotAddUp {
                    planned: 9_000,
                    amount: 10_000,
                },
            ),
            (
                vec![line(Share::Fixed { fen: 900 }), line(Share::Balance)],
                500,
                TermsError::Exceeds {
                    planned: 900,
                    amount: 500,
                },
            ),
            (
                vec![percent(10_000), line(Share::Balance)],
                500,
                TermsError::Exceeds {
                    planned: 500,
                    amount: 500,
                },
            ),
            (vec![percent(0), line(Share::Balance)], 500, TermsError::Nothing(1)),
            (vec![percent(10_001)], 500, TermsError::OverHundredPercent),
        ];
        for (terms, amount, error) in cases {
            assert_eq!(expand(&terms, amount), Err(error.clone()), "{error}");
        }
        assert_eq!(expand(&[percent(10_000)], -1), Err(TermsError::OutOfRange));
        assert_eq!(expand(&[percent(10_000)], MAX_FEN + 1), Err(TermsError::OutOfRange));
        // Shares that cover the amount only after rounding do not.
        assert!(matches!(
            expand(&[percent(6000), percent(6000)], 3),
            Err(TermsError::DoesNotAddUp { .. })
        ));
        assert!(matches!(
            expand(&[percent(5000)], 1),
            Err(TermsError::DoesNotAddUp { .. })
        ));
        // An installment that rounds to nothing is refused.
        assert_eq!(expand(&[percent(100), percent(9900)], 1), Err(TermsError::Nothing(1)));
        assert_eq!(
            expand(&vec![percent(100); MAX_INSTALLMENTS + 1], 1),
            Err(TermsError::TooMany)
        );
    }

    #[test]
    fn due_dates_for_every_offset_across_month_ends_and_leap_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let cases = [
            (d(2026, 1, 31), Offset::Days { days: 30 }, d(2026, 3, 2)),
            (d(2026, 1, 31), Offset::Days { days: 0 }, d(2026, 1, 31)),
            (d(2026, 1, 15), Offset::DaysAfterMonthEnd { days: 30 }, d(2026, 3, 2)),
            (d(2028, 1, 15), Offset::DaysAfterMonthEnd { days: 30 }, d(2028, 3, 1)),
            (d(2026, 12, 5), Offset::DaysAfterMonthEnd { days: 0 }, d(2026, 12, 31)),
            (d(2026, 1, 31), Offset::EndOfMonth { months: 1 }, d(2026, 2, 28)),
            (d(2028, 1, 31), Offset::EndOfMonth { months: 1 }, d(2028, 2, 29)),
            (d(2027, 11, 30), Offset::EndOfMonth { months: 3 }, d(2028, 2, 29)),
            (d(2026, 12, 1), Offset::EndOfMonth { months: 0 }, d(2026, 12, 31)),
            (d(2026, 12, 31), Offset::EndOfMonth { months: 12 }, d(2027, 12, 31)),
        ];
        for (basis, offset, due) in cases {
            assert_eq!(due_date(basis, offset), Some(due), "{basis} + {offset:?}");
        }
        assert_eq!(due_date(NaiveDate::MAX, Offset::Days { days: 1 }), None);
    }

    /// Percentages that add up to 100 %, in 1 to 12 installments.
    fn hundred_percent() -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::vec(1u32..10_000, 0..11).prop_map(|mut cuts| {
            cuts.sort_unstable();
            cuts.dedup();
            let mut shares = Vec::new();
            let mut last = 0;
            for cut in cuts.into_iter().chain([10_000]) {
                shares.push(cut - last);
                last = cut;
            }
            shares
        })
    }

    proptest! {
        #[test]
        fn a_plan_always_adds_up_to_the_contract_amount(
            shares in hundred_percent(),
            amount in 1_000i64..1_000_000_000_000,
            fixed in proptest::collection::vec(1i64..1_000_000, 0..4),
            balance in any::<bool>(),
        ) {
            // Percentages covering the amount, the last taking the rounding.
            let terms: Vec<TermLine> = shares.iter().map(|b| percent(*b)).collect();
            let plan = expand(&terms, amount).unwrap();
            prop_assert_eq!(plan.iter().map(|p| p.fen).sum::<i64>(), amount);
            prop_assert!(plan.iter().all(|p| p.fen >= 0));
            // Fixed amounts and some percentages before a balance.
            let mut terms: Vec<TermLine> = fixed.iter().map(|f| line(Share::Fixed { fen: *f })).collect();
            terms.extend(shares.iter().take(shares.len() - 1).map(|b| percent(*b)));
            if balance || terms.is_empty() {
                terms.push(line(Share::Balance));
            }
            if let Ok(plan) = expand(&terms, amount) {
                prop_assert_eq!(plan.iter().map(|p| p.fen).sum::<i64>(), amount);
                prop_assert!(plan.iter().all(|p| p.fen > 0));
            }
        }
    }
}
