//! Printed documents: the company's templates (HTML with minijinja
//! placeholders, designed by an admin), the facts a template is filled
//! with, and rendering. The app renders offline; the server renders the
//! sample when a template is saved, so a broken template is refused there
//! with its reason.

use super::capitals::capitals;
use super::document::{totals, Line, Quantity};
use super::dunning::Level;
use super::receivable::{Installment, Method, Receipt};
use super::records::{Contract, Delivery, PrintKind, Quote};
use super::statement::{OpenItem, Statement};
use crate::pipeline::Money;
use chrono::NaiveDate;
use minijinja::{AutoEscape, Environment};
use serde::{Deserialize, Serialize};

/// Longest template an admin may save, in bytes.
pub const MAX_TEMPLATE: usize = 64 * 1024;

/// How much work rendering one document may take (minijinja's fuel): a
/// loop an admin wrote by mistake stops with an error, not a hung page.
const FUEL: u64 = 200_000;

/// The company as printed at the top of every document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Letterhead {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    /// 统一社会信用代码.
    #[serde(default)]
    pub tax_id: String,
    /// Where customers pay: bank and account.
    #[serde(default)]
    pub bank: String,
}

/// The company's print templates; an empty one prints the built-in one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrintTemplates {
    #[serde(default)]
    pub letterhead: Letterhead,
    #[serde(default)]
    pub quote: String,
    #[serde(default)]
    pub contract: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub receipt: String,
    #[serde(default)]
    pub statement: String,
    #[serde(default)]
    pub dunning: String,
}

const BUILT_IN: &str = include_str!("print_template.html");

impl PrintTemplates {
    /// The template that prints `kind`.
    pub fn template(&self, kind: PrintKind) -> &str {
        let own = match kind {
            PrintKind::Quote => &self.quote,
            PrintKind::Contract => &self.contract,
            PrintKind::Delivery => &self.delivery,
            PrintKind::Receipt => &self.receipt,
            PrintKind::Statement => &self.statement,
            PrintKind::Dunning => &self.dunning,
        };
        if own.trim().is_empty() {
            BUILT_IN
        } else {
            own
        }
    }

    /// The built-in template, as a start for an admin's own.
    pub fn built_in() -> &'static str {
        BUILT_IN
    }

    /// Refuses a template too large, or one that does not render the
    /// sample document of its kind.
    pub fn check(&self) -> Result<(), String> {
        for kind in PrintKind::ALL {
            let template = self.template(kind);
            if template.len() > MAX_TEMPLATE {
                return Err(format!("a template is at most {} KB", MAX_TEMPLATE / 1024));
            }
            render(template, &PrintDoc::sample(kind, &self.letterhead))
                .map_err(|e| format!("the {} template does not print: {e}", kind.as_str()))?;
        }
        Ok(())
    }
}

impl PrintKind {
    pub const ALL: [PrintKind; 6] = [
        PrintKind::Quote,
        PrintKind::Contract,
        PrintKind::Delivery,
        PrintKind::Receipt,
        PrintKind::Statement,
        PrintKind::Dunning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PrintKind::Quote => "quote",
            PrintKind::Contract => "contract",
            PrintKind::Delivery => "delivery",
            PrintKind::Receipt => "receipt",
            PrintKind::Statement => "statement",
            PrintKind::Dunning => "dunning",
        }
    }

    pub fn parse(s: &str) -> Option<PrintKind> {
        PrintKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The document's printed title.
    fn title(self) -> &'static str {
        match self {
            PrintKind::Quote => "报价单",
            PrintKind::Contract => "销售合同",
            PrintKind::Delivery => "发货单",
            PrintKind::Receipt => "收款收据",
            PrintKind::Statement => "对账单",
            PrintKind::Dunning => "催款函",
        }
    }
}

/// One printed line, every figure already written out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrintLine {
    pub no: usize,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    /// "5%" or empty.
    pub discount: String,
    pub amount: String,
    pub tax_rate: String,
    pub planned_delivery: String,
}

/// One installment of a contract's plan, printed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrintInstallment {
    pub no: u16,
    pub amount: String,
    pub due: String,
}

/// One open installment on a statement or a dunning letter.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrintItem {
    pub contract: String,
    pub no: u16,
    pub due: String,
    pub planned: String,
    pub received: String,
    pub owed: String,
    /// Days past due, or empty when not yet due.
    pub days_overdue: String,
}

/// One month of a statement's expected payments.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrintMonth {
    /// "2027-01".
    pub month: String,
    pub amount: String,
    /// The part projected from a planned delivery, or empty.
    pub projected: String,
}

/// What a template is filled with. Amounts are written out (¥12,345.67)
/// and in capitals (壹万贰仟叁佰肆拾伍元陆角柒分).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrintDoc {
    pub kind: &'static str,
    pub title: &'static str,
    pub company: Letterhead,
    pub customer: String,
    pub number: String,
    pub date: String,
    pub currency: String,
    pub lines: Vec<PrintLine>,
    pub total: String,
    pub total_capitals: String,
    pub tax: String,
    pub valid_until: String,
    pub terms: String,
    pub notes: String,
    pub installments: Vec<PrintInstallment>,
    /// A delivery's warehouse; a receipt's payer and method.
    pub warehouse: String,
    pub payer: String,
    pub method: String,
    pub reference: String,
    /// A statement's or a dunning letter's open installments.
    pub items: Vec<PrintItem>,
    /// What is owed, past due, and paid ahead (a statement).
    pub owed: String,
    pub overdue: String,
    pub advance: String,
    /// Expected payments month by month (a statement), and after them.
    pub months: Vec<PrintMonth>,
    pub later: String,
    /// A dunning letter's level, as the company named it.
    pub level: String,
    /// The letter is a courteous reminder before the due date.
    pub reminder: bool,
}

/// A quantity as printed: 3, 1.5, 0.125.
pub fn quantity_text(q: Quantity) -> String {
    let whole = q.0 / 1000;
    match q.0 % 1000 {
        0 => whole.to_string(),
        part => format!("{whole}.{part:03}").trim_end_matches('0').to_owned(),
    }
}

fn percent(bp: u32) -> String {
    match bp {
        0 => String::new(),
        bp if bp % 100 == 0 => format!("{}%", bp / 100),
        bp => format!("{}.{}%", bp / 100, format!("{:02}", bp % 100).trim_end_matches('0')),
    }
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).grouped()
}

fn method_text(m: Method) -> &'static str {
    match m {
        Method::BankTransfer => "银行转账",
        Method::Cash => "现金",
        Method::Cheque => "支票",
        Method::AcceptanceBill => "承兑汇票",
        Method::WechatPay => "微信支付",
        Method::Alipay => "支付宝",
    }
}

fn items_of(items: &[OpenItem], as_of: NaiveDate) -> Vec<PrintItem> {
    items
        .iter()
        .map(|i| PrintItem {
            contract: i.contract.clone(),
            no: i.number,
            due: i.due.map(|d| d.to_string()).unwrap_or_else(|| "待定".into()),
            planned: yuan(i.planned),
            received: yuan(i.taken),
            owed: yuan(i.owed),
            days_overdue: match i.due.map(|d| (as_of - d).num_days()) {
                Some(days) if days > 0 => days.to_string(),
                _ => String::new(),
            },
        })
        .collect()
}

fn lines_of(lines: &[Line]) -> (Vec<PrintLine>, i64, i64) {
    let figures = totals(lines).unwrap_or_default();
    let printed = lines
        .iter()
        .enumerate()
        .map(|(i, l)| PrintLine {
            no: i + 1,
            description: l.description.clone(),
            quantity: quantity_text(l.quantity),
            unit_price: yuan(l.unit_fen),
            discount: percent(l.discount_bp),
            amount: figures.lines.get(i).copied().map(yuan).unwrap_or_default(),
            tax_rate: percent(l.tax_bp),
            planned_delivery: l.planned_delivery.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    (printed, figures.amount, figures.tax)
}

impl PrintDoc {
    fn new(kind: PrintKind, company: &Letterhead, customer: &str) -> PrintDoc {
        PrintDoc {
            kind: kind.as_str(),
            title: kind.title(),
            company: company.clone(),
            customer: customer.to_owned(),
            ..PrintDoc::default()
        }
    }

    fn with_total(mut self, total: i64, tax: i64) -> PrintDoc {
        self.total = yuan(total);
        self.total_capitals = capitals(total);
        self.tax = yuan(tax);
        self
    }

    pub fn quote(quote: &Quote, customer: &str, company: &Letterhead) -> PrintDoc {
        let (lines, total, tax) = lines_of(&quote.lines);
        PrintDoc {
            number: match quote.number.as_str() {
                "" => format!("V{}", quote.version),
                n => format!("{n} V{}", quote.version),
            },
            date: quote.date.to_string(),
            currency: quote.currency.to_string(),
            lines,
            valid_until: quote.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            terms: quote.terms.clone(),
            notes: quote.notes.clone(),
            ..PrintDoc::new(PrintKind::Quote, company, customer)
        }
        .with_total(total, tax)
    }

    pub fn contract(contract: &Contract, plan: &[Installment], customer: &str, company: &Letterhead) -> PrintDoc {
        let (lines, total, tax) = lines_of(&contract.lines);
        let mut plan: Vec<&Installment> = plan.iter().filter(|i| i.contract_id == Some(contract.id)).collect();
        plan.sort_by_key(|i| i.number);
        PrintDoc {
            number: contract.number.clone(),
            date: contract.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            currency: contract.currency.to_string(),
            lines,
            notes: contract.notes.clone(),
            installments: plan
                .into_iter()
                .map(|i| PrintInstallment {
                    no: i.number,
                    amount: yuan(i.fen),
                    due: i.due.map(|d| d.to_string()).unwrap_or_default(),
                })
                .collect(),
            ..PrintDoc::new(PrintKind::Contract, company, customer)
        }
        .with_total(total, tax)
    }

    /// A delivery note: the contract's lines as delivered this time.
    pub fn delivery(delivery: &Delivery, contract: &Contract, customer: &str, company: &Letterhead) -> PrintDoc {
        let lines = delivery
            .lines
            .iter()
            .enumerate()
            .map(|(i, d)| PrintLine {
                no: i + 1,
                description: contract
                    .lines
                    .iter()
                    .find(|l| l.id == Some(d.line_id))
                    .map(|l| l.description.clone())
                    .unwrap_or_default(),
                quantity: quantity_text(d.quantity),
                ..PrintLine::default()
            })
            .collect();
        PrintDoc {
            number: contract.number.clone(),
            date: delivery.date.to_string(),
            lines,
            warehouse: delivery.warehouse.clone(),
            notes: delivery.notes.clone(),
            ..PrintDoc::new(PrintKind::Delivery, company, customer)
        }
    }

    pub fn receipt(receipt: &Receipt, customer: &str, company: &Letterhead) -> PrintDoc {
        PrintDoc {
            date: receipt.date.to_string(),
            currency: receipt.currency.to_string(),
            payer: receipt.payer.clone(),
            method: method_text(receipt.method).to_owned(),
            reference: receipt.reference.clone(),
            ..PrintDoc::new(PrintKind::Receipt, company, customer)
        }
        .with_total(receipt.fen, 0)
    }

    /// A customer statement as of its date: open items, totals, and
    /// what is expected month by month.
    pub fn statement(st: &Statement, customer: &str, company: &Letterhead) -> PrintDoc {
        let months = st
            .months
            .iter()
            .enumerate()
            .map(|(m, start)| PrintMonth {
                month: start.format("%Y-%m").to_string(),
                amount: yuan(st.expected.months.get(m).copied().unwrap_or(0)),
                projected: match st.expected.projected.get(m).copied().unwrap_or(0) {
                    0 => String::new(),
                    fen => yuan(fen),
                },
            })
            .collect();
        PrintDoc {
            date: st.as_of.to_string(),
            items: items_of(&st.items, st.as_of),
            owed: yuan(st.owed),
            overdue: yuan(st.overdue),
            advance: yuan(st.advance),
            months,
            later: yuan(st.expected.later + st.expected.undated),
            ..PrintDoc::new(PrintKind::Statement, company, customer)
        }
        .with_total(st.owed - st.advance, 0)
    }

    /// A dunning letter: the installments it lists, and their sum in
    /// capitals. Its level's days tell a reminder (before the due date)
    /// from a demand.
    pub fn dunning(
        level: &Level,
        date: NaiveDate,
        items: &[OpenItem],
        customer: &str,
        company: &Letterhead,
    ) -> PrintDoc {
        let owed: i64 = items.iter().map(|i| i.owed).sum();
        PrintDoc {
            date: date.to_string(),
            items: items_of(items, date),
            overdue: yuan(owed),
            level: level.name.clone(),
            reminder: level.days < 0,
            ..PrintDoc::new(PrintKind::Dunning, company, customer)
        }
        .with_total(owed, 0)
    }

    /// A made-up document of `kind`, for a template's preview and check.
    pub fn sample(kind: PrintKind, company: &Letterhead) -> PrintDoc {
        let line = PrintLine {
            no: 1,
            description: "液压阀 HV-200".into(),
            quantity: "10".into(),
            unit_price: yuan(1_234_567),
            discount: "5%".into(),
            amount: yuan(11_728_387),
            tax_rate: "13%".into(),
            planned_delivery: "2027-01-15".into(),
        };
        PrintDoc {
            number: "2026-0001".into(),
            date: "2026-12-07".into(),
            currency: "CNY".into(),
            lines: vec![line],
            valid_until: "2026-12-31".into(),
            terms: "款到发货".into(),
            notes: "示例".into(),
            installments: vec![PrintInstallment {
                no: 1,
                amount: yuan(11_728_387),
                due: "2027-01-31".into(),
            }],
            warehouse: "苏州仓".into(),
            payer: "华信机械".into(),
            method: method_text(Method::BankTransfer).into(),
            reference: "BK-0001".into(),
            items: vec![PrintItem {
                contract: "HT-2026-018".into(),
                no: 1,
                due: "2026-11-07".into(),
                planned: yuan(11_728_387),
                received: yuan(1_728_387),
                owed: yuan(10_000_000),
                days_overdue: "30".into(),
            }],
            owed: yuan(10_000_000),
            overdue: yuan(10_000_000),
            advance: yuan(0),
            months: vec![PrintMonth {
                month: "2027-01".into(),
                amount: yuan(5_000_000),
                projected: yuan(5_000_000),
            }],
            later: yuan(0),
            level: if kind == PrintKind::Dunning {
                "催款函".into()
            } else {
                String::new()
            },
            ..PrintDoc::new(kind, company, "华信机械有限公司")
        }
        .with_total(11_728_387, 1_349_301)
    }
}

/// Fills `template` with `doc`; every value is HTML-escaped.
pub fn render(template: &str, doc: &PrintDoc) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_fuel(Some(FUEL));
    env.render_str(template, doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::document::QuoteStatus;
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn company() -> Letterhead {
        Letterhead {
            name: "营盘示范有限公司".into(),
            ..Letterhead::default()
        }
    }

    fn quote() -> Quote {
        Quote {
            id: Uuid::nil(),
            customer_id: Uuid::nil(),
            number: "Q-7".into(),
            version: 2,
            supersedes: None,
            status: QuoteStatus::Sent,
            currency: Default::default(),
            lines: vec![Line {
                description: "液压阀 <HV>".into(),
                quantity: Quantity(1_500),
                unit_fen: 823_078,
                ..Line::default()
            }],
            date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            valid_until: None,
            terms: String::new(),
            notes: String::new(),
        }
    }

    #[test]
    fn a_quote_prints_its_lines_total_and_capitals_escaped() {
        let html = render(
            PrintTemplates::built_in(),
            &PrintDoc::quote(&quote(), "华信机械", &company()),
        )
        .unwrap();
        assert!(html.contains("营盘示范有限公司"));
        assert!(html.contains("报价单"));
        assert!(html.contains("Q-7 V2"));
        assert!(html.contains("1.5"), "{html}");
        assert!(html.contains("¥12,346.17"), "1.5 × ¥8,230.78 to the fen");
        assert!(html.contains("壹万贰仟叁佰肆拾陆元壹角柒分"));
        assert!(html.contains("液压阀 &lt;HV&gt;"), "what people typed is escaped");
    }

    #[test]
    fn a_statement_and_a_dunning_letter_print_their_items_and_sums() {
        use crate::money::forecast::ForecastRow;
        use crate::money::statement::{OpenItem, Statement};
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let item = OpenItem {
            installment_id: Uuid::nil(),
            contract: "HT-7".into(),
            number: 2,
            due: Some(day(1)),
            planned: 3_000_000,
            taken: 1_000_000,
            owed: 2_000_000,
            overdue: true,
        };
        let st = Statement {
            customer_id: Uuid::nil(),
            as_of: day(7),
            items: vec![item.clone()],
            owed: 2_000_000,
            overdue: 2_000_000,
            advance: 50_000,
            months: vec![day(1), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()],
            expected: ForecastRow {
                overdue: 2_000_000,
                months: vec![0, 700_000],
                projected: vec![0, 700_000],
                ..ForecastRow::default()
            },
        };
        let html = render(
            PrintTemplates::built_in(),
            &PrintDoc::statement(&st, "华信机械", &company()),
        )
        .unwrap();
        assert!(html.contains("对账单"));
        assert!(
            html.contains("HT-7") && html.contains("¥20,000") && html.contains(">6</td>"),
            "{html}"
        );
        // Owed less the advance: ¥19,500.
        assert!(html.contains("¥19,500") && html.contains("壹万玖仟伍佰元整"), "{html}");
        assert!(html.contains("2027-01") && html.contains("¥7,000"));
        let levels = crate::money::dunning::default_levels();
        let letter = PrintDoc::dunning(&levels[1], day(7), std::slice::from_ref(&item), "华信机械", &company());
        let html = render(PrintTemplates::built_in(), &letter).unwrap();
        assert!(html.contains("逾期通知") && html.contains("贰万元整"), "{html}");
        assert!(html.contains("已逾期未付"));
        let reminder = PrintDoc::dunning(&levels[0], day(7), &[item], "华信机械", &company());
        let html = render(PrintTemplates::built_in(), &reminder).unwrap();
        assert!(
            html.contains("付款提醒") && html.contains("即将到期") && !html.contains("已逾期未付"),
            "{html}"
        );
    }

    #[test]
    fn every_kind_prints_with_the_built_in_template() {
        assert_eq!(PrintTemplates::default().check(), Ok(()));
    }

    #[test]
    fn a_broken_or_endless_template_is_refused_with_its_reason() {
        let broken = PrintTemplates {
            quote: "{% for l in lines %}".into(),
            ..PrintTemplates::default()
        };
        assert!(broken.check().unwrap_err().contains("quote template"));
        let endless = PrintTemplates {
            receipt: "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}".into(),
            ..PrintTemplates::default()
        };
        assert!(endless.check().is_err());
        let huge = PrintTemplates {
            contract: "x".repeat(MAX_TEMPLATE + 1),
            ..PrintTemplates::default()
        };
        assert!(huge.check().unwrap_err().contains("KB"));
    }

    #[test]
    fn quantities_print_without_trailing_zeros() {
        assert_eq!(quantity_text(Quantity(3_000)), "3");
        assert_eq!(quantity_text(Quantity(1_500)), "1.5");
        assert_eq!(quantity_text(Quantity(125)), "0.125");
        assert_eq!(percent(1300), "13%");
        assert_eq!(percent(550), "5.5%");
    }
}
