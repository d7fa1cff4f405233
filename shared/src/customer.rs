//! Customers: companies and individuals a team sells to.

use crate::ids::UserId;
use crate::validate::{Email, LongText, Name, Phone, ShortText};
use crate::visit::GeoPoint;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Customer grade (客户分级), A best. Set by hand until automatic grading
/// exists; the pool rules may treat grades differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::A, Grade::B, Grade::C, Grade::D];

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }
}

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
    pub grade: Option<Grade>,
    /// Where the customer is, for check-in distances (set from a good
    /// check-in, with the rep's confirmation).
    #[serde(default)]
    pub location: Option<GeoPoint>,
    /// Kept by its owner: never returned to the pool automatically. Only a
    /// manager or an admin may lock or unlock.
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// When the current owner got the customer (kept by the server).
    #[serde(default)]
    pub owner_since: Option<DateTime<Utc>>,
    /// The latest activity's time (kept by the server).
    #[serde(default)]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// When a deal with the customer was last won (kept by the server), so
    /// a device tells "returning to the pool soon" from the same facts as
    /// the server's automatic return.
    #[serde(default)]
    pub last_won_at: Option<DateTime<Utc>>,
    /// Whether a contract with the customer is open (kept by the server):
    /// an open contract keeps the customer out of the pool.
    #[serde(default)]
    pub open_contract: bool,
}

/// Fields of a customer that only the server sets.
pub const SERVER_FIELDS: [&str; 5] = [
    "owner_id",
    "owner_since",
    "last_activity_at",
    "last_won_at",
    "open_contract",
];
