//! Conflict records: a value that lost a concurrent edit, kept so that the
//! people concerned can see it and re-apply it. Created by the server, synced
//! like any record, dismissed by deleting.

use crate::entity::EntityKind;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: Uuid,
    /// The customer the edited record belongs to (or is).
    pub customer_id: Uuid,
    /// The record that was edited.
    pub entity: EntityKind,
    pub record_id: Uuid,
    pub field: String,
    /// The value now in the record (`null` if the record was deleted).
    pub kept: Value,
    /// The value that lost.
    pub lost: Value,
    /// Who wrote the kept value, and who the lost one.
    pub kept_by: Option<UserId>,
    pub lost_by: Option<UserId>,
    pub at: DateTime<Utc>,
    /// The record was deleted before the losing edit arrived.
    #[serde(default)]
    pub record_deleted: bool,
}
