//! Contacts: the people at a customer.

use crate::validate::{Email, LongText, Name, Phone, ShortText};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person at a customer. Belongs to exactly one customer and is visible to
/// whoever may see that customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: Name,
    #[serde(default)]
    pub title: Option<ShortText>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<Email>,
    /// WeChat or another instant-messaging id.
    #[serde(default)]
    pub im_id: Option<ShortText>,
    #[serde(default)]
    pub birthday: Option<NaiveDate>,
    #[serde(default)]
    pub notes: Option<LongText>,
}
