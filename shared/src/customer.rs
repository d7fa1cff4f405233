//! Customers: companies and individuals a team sells to.

use crate::ids::UserId;
use crate::validate::{Email, LongText, Name, Phone, ShortText};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Company,
    Individual,
}

/// A customer record as synced. `owner_id` is `None` for a customer in the
/// pool; ownership changes only through the server's ownership rules, never
/// through an ordinary field edit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: Uuid,
    #[serde(default)]
    pub kind: CustomerKind,
    pub name: Name,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<Email>,
    #[serde(default)]
    pub industry: Option<ShortText>,
    #[serde(default)]
    pub region: Option<ShortText>,
    #[serde(default)]
    pub address: Option<LongText>,
    #[serde(default)]
    pub notes: Option<LongText>,
    #[serde(default)]
    pub owner_id: Option<UserId>,
}
