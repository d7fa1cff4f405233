//! The sales pipeline (销售漏斗): leads (线索) not yet customers, and
//! opportunities (商机) moving through the company's stages to won or lost.

use crate::ids::UserId;
use crate::validate::{Email, LongText, Name, Phone, ShortText};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The stage every won opportunity is in.
pub const WON: &str = "won";
/// The stage every lost opportunity is in.
pub const LOST: &str = "lost";

/// An open stage of the funnel, as the company names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    /// Stable key stored on opportunities.
    pub key: String,
    /// What people see.
    pub name: String,
    /// The usual chance of winning from here, in percent.
    pub probability: u8,
}

/// The company's funnel: its open stages in order; won and lost always
/// follow them, so every part of the system knows what a won deal is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub stages: Vec<Stage>,
}

impl Default for Funnel {
    fn default() -> Self {
        let stage = |key: &str, name: &str, probability| Stage {
            key: key.into(),
            name: name.into(),
            probability,
        };
        Funnel {
            stages: vec![
                stage("initial", "初步接洽 Initial contact", 10),
                stage("needs", "需求确认 Needs", 30),
                stage("proposal", "方案报价 Proposal", 50),
                stage("negotiation", "商务谈判 Negotiation", 75),
            ],
        }
    }
}

/// Where an opportunity stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Open,
    Won,
    Lost,
}

impl Funnel {
    /// Every column of the board: the open stages, then won and lost.
    pub fn columns(&self) -> Vec<(String, String)> {
        let mut columns: Vec<(String, String)> = self.stages.iter().map(|s| (s.key.clone(), s.name.clone())).collect();
        columns.push((WON.into(), "赢单 Won".into()));
        columns.push((LOST.into(), "输单 Lost".into()));
        columns
    }

    pub fn standing(stage: &str) -> Standing {
        match stage {
            WON => Standing::Won,
            LOST => Standing::Lost,
            _ => Standing::Open,
        }
    }

    /// The chance of winning an opportunity in `stage` (an explicit
    /// probability on the opportunity wins over this).
    pub fn probability(&self, stage: &str) -> u8 {
        match Self::standing(stage) {
            Standing::Won => 100,
            Standing::Lost => 0,
            Standing::Open => self.stages.iter().find(|s| s.key == stage).map_or(0, |s| s.probability),
        }
    }

    /// The stage an opportunity starts in.
    pub fn first(&self) -> &str {
        self.stages.first().map_or(WON, |s| s.key.as_str())
    }

    pub fn check(&self) -> Result<(), String> {
        if self.stages.is_empty() || self.stages.len() > 10 {
            return Err("the funnel needs between 1 and 10 open stages".into());
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.stages {
            if s.name.trim().is_empty() || s.name.chars().count() > 40 {
                return Err("every stage needs a name of at most 40 characters".into());
            }
            let key_ok = !s.key.is_empty()
                && s.key.len() <= 40
                && s.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok || s.key == WON || s.key == LOST {
                return Err(format!(
                    "stage key {:?} must be lowercase letters, digits or _ and not won or lost",
                    s.key
                ));
            }
            if !seen.insert(&s.key) {
                return Err(format!("stage key {:?} is used twice", s.key));
            }
            if s.probability > 100 {
                return Err(format!("{}: a probability is at most 100%", s.name));
            }
        }
        Ok(())
    }
}

/// An amount of money in fen (分), written and read as yuan ("12500.50").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Money(i64);

impl Money {
    /// Parses "12,500.5", "12500", "¥12500.50"; refuses negatives and more
    /// than two decimals.
    pub fn parse(raw: &str) -> Result<Money, String> {
        let refuse = || format!("{raw:?} is not an amount: write it like 12500 or 12500.50");
        let text: String = raw
            .trim()
            .trim_start_matches(['¥', '￥'])
            .chars()
            .filter(|c| *c != ',' && *c != '，')
            .collect();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || whole.len() > 13 {
            return Err(refuse());
        }
        if fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(refuse());
        }
        let yuan: i64 = whole.parse().map_err(|_| refuse())?;
        let fen: i64 = format!("{fraction:0<2}").parse().map_err(|_| refuse())?;
        Ok(Money(yuan * 100 + fen))
    }

    pub fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// As people read an amount: "¥1,600,000", "¥12,500.50".
    pub fn grouped(self) -> String {
        let yuan = (self.0 / 100).unsigned_abs().to_string();
        let mut text = String::from(if self.0 < 0 { "-¥" } else { "¥" });
        for (i, digit) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                text.push(',');
            }
            text.push(digit);
        }
        match (self.0 % 100).abs() {
            0 => text,
            fen => format!("{text}.{fen:02}"),
        }
    }

    /// Short, in 万 (ten thousands) from ¥10,000 up, as a Chinese reader
    /// expects where space is short: "¥160万", "¥1.25万"; smaller amounts
    /// as [`Money::grouped`].
    pub fn short_zh(self) -> String {
        const WAN_FEN: i64 = 10_000 * 100;
        if self.0.abs() < WAN_FEN {
            return self.grouped();
        }
        // Hundredths of a 万, rounded half away from zero.
        let hundredths = (self.0.abs() + WAN_FEN / 200) / (WAN_FEN / 100);
        let (whole, part) = (hundredths / 100, hundredths % 100);
        let sign = if self.0 < 0 { "-" } else { "" };
        let number = match part {
            0 => whole.to_string(),
            p if p % 10 == 0 => format!("{whole}.{}", p / 10),
            p => format!("{whole}.{p:02}"),
        };
        format!("{sign}¥{number}万")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 % 100 {
            0 => write!(f, "{}", self.0 / 100),
            c => write!(f, "{}.{c:02}", self.0 / 100),
        }
    }
}

impl TryFrom<String> for Money {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Money::parse(&s)
    }
}

impl From<Money> for String {
    fn from(m: Money) -> String {
        m.to_string()
    }
}

/// A percentage, 0–100, written as text in forms ("60").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "u8")]
pub struct Percent(u8);

impl Percent {
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<serde_json::Value> for Percent {
    type Error = String;
    fn try_from(v: serde_json::Value) -> Result<Self, Self::Error> {
        let n = match &v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().trim_end_matches('%').trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= 100 => Ok(Percent(n as u8)),
            _ => Err(format!("probability {v} must be a whole number from 0 to 100")),
        }
    }
}

impl From<Percent> for u8 {
    fn from(p: Percent) -> u8 {
        p.0
    }
}

/// A sales opportunity at a customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: Name,
    /// A funnel stage key, `won` or `lost`.
    pub stage: ShortText,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub close_date: Option<NaiveDate>,
    /// Overrides the stage's usual probability.
    #[serde(default)]
    pub probability: Option<Percent>,
    #[serde(default)]
    pub notes: Option<LongText>,
}

impl Opportunity {
    /// The chance of winning it, in percent.
    pub fn probability(&self, funnel: &Funnel) -> u8 {
        match Funnel::standing(self.stage.as_str()) {
            Standing::Open => self
                .probability
                .map_or_else(|| funnel.probability(self.stage.as_str()), Percent::get),
            _ => funnel.probability(self.stage.as_str()),
        }
    }

    /// The amount weighted by the chance of winning it, in fen.
    pub fn weighted_fen(&self, funnel: &Funnel) -> i64 {
        self.amount
            .map_or(0, |a| a.fen() * i64::from(self.probability(funnel)) / 100)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    #[default]
    Open,
    /// Became a customer (`customer_id`).
    Converted,
    /// Not worth pursuing.
    Dropped,
}

/// A lead: a person or company that may become a customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: Uuid,
    /// The person's name.
    pub name: Name,
    #[serde(default)]
    pub company: Option<Name>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<Email>,
    /// Where it came from (trade fair, website, referral …).
    #[serde(default)]
    pub source: Option<ShortText>,
    #[serde(default)]
    pub notes: Option<LongText>,
    #[serde(default)]
    pub status: LeadStatus,
    /// The customer it became.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// Who works the lead.
    #[serde(default)]
    pub owner_id: Option<UserId>,
}

impl Lead {
    /// The customer's name a conversion proposes: the company, else the
    /// person (an individual customer).
    pub fn customer_name(&self) -> &str {
        self.company.as_ref().unwrap_or(&self.name).as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_with_thousands_grouped() {
        let cases = [
            (0, "¥0"),
            (99, "¥0.99"),
            (100_000, "¥1,000"),
            (160_000_000, "¥1,600,000"),
            (1_250_050, "¥12,500.50"),
            (-123_456_700, "-¥1,234,567"),
        ];
        for (fen, text) in cases {
            assert_eq!(Money::from_fen(fen).grouped(), text);
        }
    }

    #[test]
    fn money_in_wan_where_space_is_short() {
        let cases = [
            (999_999, "¥9,999.99"),
            (1_000_000, "¥1万"),
            (12_500_000, "¥12.5万"),
            (12_540_000, "¥12.54万"),
            (12_545_000, "¥12.55万"),
            (160_000_000, "¥160万"),
            (-160_000_000, "-¥160万"),
        ];
        for (fen, text) in cases {
            assert_eq!(Money::from_fen(fen).short_zh(), text);
        }
    }
    use serde_json::json;

    #[test]
    fn money_reads_what_people_write_and_keeps_fen_exact() {
        assert_eq!(Money::parse("12,500.5").unwrap().fen(), 1_250_050);
        assert_eq!(Money::parse("¥800").unwrap().fen(), 80_000);
        assert_eq!(Money::parse("0.07").unwrap().to_string(), "0.07");
        assert_eq!(Money::parse("1250.50").unwrap().to_string(), "1250.50");
        for bad in ["-5", "12.345", "abc", "", "1.2.3", "99999999999999"] {
            assert!(Money::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn probability_comes_from_the_stage_unless_set() {
        let funnel = Funnel::default();
        let mut o: Opportunity = serde_json::from_value(json!({
            "id": Uuid::nil(), "customer_id": Uuid::nil(), "name": "年度采购",
            "stage": "proposal", "amount": "200000"
        }))
        .unwrap();
        assert_eq!(o.probability(&funnel), 50);
        assert_eq!(o.weighted_fen(&funnel), 10_000_000);
        o.probability = Some(Percent(80));
        assert_eq!(o.probability(&funnel), 80);
        o.stage = ShortText::parse(WON).unwrap();
        assert_eq!(o.probability(&funnel), 100);
        o.stage = ShortText::parse("retired_stage").unwrap();
        o.probability = None;
        assert_eq!(o.probability(&funnel), 0);
    }

    #[test]
    fn percent_accepts_form_text_and_refuses_over_100() {
        assert_eq!(serde_json::from_value::<Percent>(json!("60")).unwrap().get(), 60);
        assert_eq!(serde_json::from_value::<Percent>(json!(35)).unwrap().get(), 35);
        assert!(serde_json::from_value::<Percent>(json!("120")).is_err());
        assert!(serde_json::from_value::<Percent>(json!("lots")).is_err());
    }

    #[test]
    fn funnel_columns_end_in_won_and_lost_and_bad_funnels_are_refused() {
        let funnel = Funnel::default();
        let keys: Vec<String> = funnel.columns().into_iter().map(|c| c.0).collect();
        assert_eq!(keys, ["initial", "needs", "proposal", "negotiation", "won", "lost"]);
        assert!(funnel.check().is_ok());
        assert_eq!(funnel.first(), "initial");
        let mut twice = funnel.clone();
        twice.stages[1].key = "initial".into();
        assert!(twice.check().unwrap_err().contains("twice"));
        let mut reserved = funnel.clone();
        reserved.stages[0].key = WON.into();
        assert!(reserved.check().is_err());
        assert!(Funnel { stages: vec![] }.check().is_err());
    }

    #[test]
    fn a_lead_converts_to_its_company_or_to_the_person() {
        let lead: Lead =
            serde_json::from_value(json!({"id": Uuid::nil(), "name": "王芳", "company": "华信科技"})).unwrap();
        assert_eq!(lead.customer_name(), "华信科技");
        let person: Lead = serde_json::from_value(json!({"id": Uuid::nil(), "name": "王芳"})).unwrap();
        assert_eq!(person.customer_name(), "王芳");
        assert_eq!(person.status, LeadStatus::Open);
    }
}
