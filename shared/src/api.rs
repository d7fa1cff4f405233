//! The REST wire contract besides sync: login, the error shape, the pool
//! and the manager console.

use crate::dedup::Likeness;
use crate::ids::UserId;
use crate::ownership::OwnershipChange;
use crate::pool::Handover;
use crate::user::User;
use crate::validate::Name;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Opaque bearer token; the server keeps only its hash.
    pub token: String,
    pub user: User,
    /// The user must choose a new password before anything else works.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Every error the API returns has this shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unauthorized`, `validation`.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

/// What the server answers with HTTP 401 and this code: the account was
/// closed (the rep left). The app hands in its remaining facts, then drops
/// everything it cached.
pub const ACCOUNT_CLOSED: &str = "account_closed";

/// What the server answers with HTTP 503 and this code (and a
/// `Retry-After`): it is overloaded, and the request may be sent again
/// after the wait. A 503 without it came from something in between.
pub const BUSY: &str = "busy";

/// `POST /api/customers/{id}/owner`: give a customer to another rep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOwner {
    /// `null` releases the customer to the pool.
    pub owner_id: Option<UserId>,
}

/// `POST /api/teams` and `PUT /api/teams/{id}`: a team's name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamName {
    pub name: Name,
}

/// `POST /api/users/{id}/departure`: close a rep's account and hand over
/// their book. Without `confirm` nothing changes and the plan comes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartureRequest {
    #[serde(flatten)]
    pub handover: Handover,
    #[serde(default)]
    pub confirm: bool,
}

/// Who gets what from a departing rep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandoverPlan {
    pub customers: u64,
    /// Customers with their contacts, activities and history: every record
    /// that changes hands.
    pub records: u64,
    pub shares: Vec<HandoverShare>,
    /// Whether it was carried out (`confirm`) or is only a preview.
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HandoverShare {
    /// `None`: the pool.
    pub to: Option<UserId>,
    pub customers: u64,
    /// The receiver's book afterwards.
    pub owned_after: u64,
    /// Some of the customers' names, for the preview.
    pub sample: Vec<String>,
}

/// `GET /api/team`: the manager console's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamOverview {
    pub members: Vec<MemberStats>,
    pub pool: PoolOverview,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberStats {
    pub user: User,
    pub customers: u64,
    pub activities_7d: u64,
    pub activities_30d: u64,
    pub claims_30d: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolOverview {
    pub size: u64,
    /// The last weeks, newest first.
    pub weeks: Vec<PoolWeek>,
    /// Team customers that go back to the pool within the warning period.
    pub returning: Vec<Returning>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolWeek {
    pub start: DateTime<Utc>,
    /// Customers that went into the pool.
    pub inflow: u64,
    /// Customers taken out of it.
    pub outflow: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Returning {
    pub customer_id: Uuid,
    pub name: String,
    pub owner: UserId,
    pub at: DateTime<Utc>,
}

/// `GET /api/ownership`: one entry of the ownership history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnershipEntry {
    #[serde(flatten)]
    pub change: OwnershipChange,
    pub customer_name: String,
}

/// `GET /api/duplicates?name=&phone=&email=`: an existing customer like the
/// one being entered. Someone else's customer shows only its name and owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateCandidate {
    pub id: Uuid,
    pub name: String,
    pub likeness: Likeness,
    pub score: f32,
    /// `None`: in the pool.
    pub owner: Option<UserId>,
    pub owner_name: Option<String>,
    /// Whether the asker may open it.
    pub visible: bool,
}

/// `POST /api/customers/{survivor}/merge`: merge another customer into this
/// one. `keep` picks, per field, whose value stays; unlisted fields keep the
/// survivor's value, or the merged one's where the survivor has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeRequest {
    pub merged: Uuid,
    #[serde(default)]
    pub keep: std::collections::BTreeMap<String, crate::dedup::Keep>,
}

/// `GET /api/customers/archived`: a customer a manager or admin archived,
/// which they may bring back with `POST /api/customers/{id}/restore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArchivedCustomer {
    pub id: Uuid,
    pub name: String,
    /// `None`: it was in the pool.
    pub owner: Option<UserId>,
    /// When it was archived.
    pub at: DateTime<Utc>,
    /// Who archived it.
    pub by: Option<UserId>,
}
