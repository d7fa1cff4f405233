//! Activities (联系记录): calls, emails, messages, visits and notes logged
//! against a customer. They are facts: recorded once, never edited away.

use crate::ids::UserId;
use crate::validate::LongText;
use crate::visit::{check_out, Visit};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    /// WeChat or another instant messenger.
    Im,
    Visit,
    #[default]
    Note,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: Uuid,
    pub customer_id: Uuid,
    #[serde(default)]
    pub kind: ActivityKind,
    pub content: LongText,
    /// When it happened (device time for offline records).
    pub at: DateTime<Utc>,
    /// The contact spoken to, if any.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// When to follow up next.
    #[serde(default)]
    pub next_follow_up: Option<NaiveDate>,
    /// Who recorded it; set by the server from the session, never changed,
    /// also when the customer changes hands.
    #[serde(default)]
    pub by: Option<UserId>,
    /// For a visit: where the rep checked in, and when they left.
    #[serde(default)]
    pub visit: Option<Visit>,
}

impl Activity {
    /// Rules across fields, after each field was parsed on its own.
    pub fn check(&self) -> Result<(), String> {
        if let Some(visit) = &self.visit {
            if self.kind != ActivityKind::Visit {
                return Err("only a visit can carry a check-in".into());
            }
            if let Some(end) = visit.ended_at {
                check_out(self.at, end)?;
            }
        }
        Ok(())
    }
}
