//! Sync wire types. New fields get `#[serde(default)]` so old clients and new
//! servers keep talking.

use crate::entity::{EntityKind, FieldMap};
use crate::ids::ClientId;
use crate::merge::FieldConflict;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest number of mutations one push may carry.
pub const MAX_PUSH_BATCH: usize = 500;
/// Largest page a pull returns.
pub const MAX_PULL_LIMIT: u32 = 1000;

/// One local change, queued in the client's outbox until the server has
/// acknowledged it. `(client_id, seq)` identifies it for idempotency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    pub seq: u64,
    pub entity: EntityKind,
    pub id: Uuid,
    #[serde(flatten)]
    pub op: Op,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Op {
    /// A new record with all its fields.
    Create {
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        fields: FieldMap,
    },
    /// Changed fields, with the values the client saw before changing them.
    Update {
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        fields: FieldMap,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        base: FieldMap,
    },
    /// Soft delete: the record becomes a tombstone.
    Delete,
    /// Take a customer from the pool (customers only). Exactly one of two
    /// reps claiming the same customer wins; the other is rejected.
    Claim,
    /// Give a customer back to the pool (customers only), saying why.
    Release { reason: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub client_id: ClientId,
    pub mutations: Vec<Mutation>,
}

/// What happened to a pushed mutation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MutationStatus {
    /// Applied as sent.
    Applied,
    /// Applied, but some field had been changed by someone else meanwhile;
    /// the replaced values were kept as conflicts.
    Conflicted,
    /// Not applied; `message` says why.
    Rejected,
}

impl MutationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MutationStatus::Applied => "applied",
            MutationStatus::Conflicted => "conflicted",
            MutationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Applied, Self::Conflicted, Self::Rejected]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub seq: u64,
    pub status: MutationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<FieldConflict>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// A position in the server's change stream. `0` means "from the start".
pub type Cursor = i64;

/// One record as it is now, or its removal from the client's cache. A
/// removed customer takes its contacts, activities and conflicts with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub entity: EntityKind,
    pub id: Uuid,
    pub seq: Cursor,
    /// `None`: the record was deleted, or left this user's view (its owner
    /// changed); drop it from the cache.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<FieldMap>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Pass this back as `since` on the next pull.
    pub cursor: Cursor,
    /// More changes are waiting: pull again straight away.
    pub has_more: bool,
    /// The server does not know the cursor sent (a restored backup, a
    /// replaced database): drop the cache, keep the outbox, pull from 0.
    #[serde(default)]
    pub reset: bool,
    /// On a pull from the start: how many records there are in all, for a
    /// progress bar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mutation_wire_shape_is_flat_and_tagged() {
        let id = Uuid::now_v7();
        let m: Mutation = serde_json::from_value(json!({
            "seq": 3, "entity": "customer", "id": id,
            "op": "update", "fields": {"name": "华信"}, "base": {"name": "华新"}
        }))
        .unwrap();
        assert_eq!(m.seq, 3);
        assert!(matches!(m.op, Op::Update { .. }));
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["op"], "update");
    }

    #[test]
    fn update_without_base_is_accepted_as_blind_write() {
        let m: Mutation = serde_json::from_value(json!({
            "seq": 1, "entity": "contact", "id": Uuid::now_v7(), "op": "update", "fields": {}
        }))
        .unwrap();
        assert!(matches!(m.op, Op::Update { base, .. } if base.is_empty()));
    }
}
