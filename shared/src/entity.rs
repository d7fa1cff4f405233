//! The synced entity kinds and what the sync engine needs to know about each:
//! how to validate a record, who its parent is, which fields are fixed.

use crate::activity::Activity;
use crate::conflict::Conflict;
use crate::contact::Contact;
use crate::customer::Customer;
use crate::dedup::{DuplicateFlag, MergeRecord};
use crate::money::dunning::Letter;
use crate::money::receivable::{Allocation, Credit, Installment, Receipt};
use crate::money::records::{Contract, Delivery, Print, Product, Quote};
use crate::ownership::OwnershipChange;
use crate::pipeline::{Lead, Opportunity};
use crate::pool::PoolEntry;
use crate::validate::ValidationError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use uuid::Uuid;

/// A record's fields as they travel: a JSON object.
pub type FieldMap = Map<String, Value>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EntityKind {
    Customer,
    Contact,
    Activity,
    Conflict,
    /// A change of a customer's owner (history).
    Ownership,
    /// What every rep sees of a customer in the pool.
    PoolEntry,
    /// A new customer that looks like an existing one.
    Duplicate,
    /// A merge of another customer into this one (history, undoable).
    Merge,
    /// A sales opportunity at a customer.
    Opportunity,
    /// Someone who may become a customer; owned like a customer.
    Lead,
    /// Something the company sells (every signed-in user sees them).
    Product,
    /// A price offer to a customer.
    Quote,
    /// A contract or order with a customer.
    Contract,
    /// Goods sent against a contract.
    Delivery,
    /// One installment of a contract's receivable plan.
    Installment,
    /// Money received from a customer.
    Receipt,
    /// Part of a receipt settling part of an installment (核销).
    Allocation,
    /// A refund or a credit note.
    Credit,
    /// A document printed (kept for the record).
    Print,
    /// A dunning letter (催款函) to a customer.
    Dunning,
}

impl EntityKind {
    pub const ALL: [EntityKind; 20] = [
        EntityKind::Customer,
        EntityKind::Contact,
        EntityKind::Activity,
        EntityKind::Conflict,
        EntityKind::Ownership,
        EntityKind::PoolEntry,
        EntityKind::Duplicate,
        EntityKind::Merge,
        EntityKind::Opportunity,
        EntityKind::Lead,
        EntityKind::Product,
        EntityKind::Quote,
        EntityKind::Contract,
        EntityKind::Delivery,
        EntityKind::Installment,
        EntityKind::Receipt,
        EntityKind::Allocation,
        EntityKind::Credit,
        EntityKind::Print,
        EntityKind::Dunning,
    ];

    /// The money kinds: finance changes them, and they hang under a
    /// customer (all but products).
    pub const MONEY: [EntityKind; 10] = [
        EntityKind::Product,
        EntityKind::Quote,
        EntityKind::Contract,
        EntityKind::Delivery,
        EntityKind::Installment,
        EntityKind::Receipt,
        EntityKind::Allocation,
        EntityKind::Credit,
        EntityKind::Print,
        EntityKind::Dunning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Customer => "customer",
            EntityKind::Contact => "contact",
            EntityKind::Activity => "activity",
            EntityKind::Conflict => "conflict",
            EntityKind::Ownership => "ownership",
            EntityKind::PoolEntry => "pool_entry",
            EntityKind::Duplicate => "duplicate",
            EntityKind::Merge => "merge",
            EntityKind::Opportunity => "opportunity",
            EntityKind::Lead => "lead",
            EntityKind::Product => "product",
            EntityKind::Quote => "quote",
            EntityKind::Contract => "contract",
            EntityKind::Delivery => "delivery",
            EntityKind::Installment => "installment",
            EntityKind::Receipt => "receipt",
            EntityKind::Allocation => "allocation",
            EntityKind::Credit => "credit",
            EntityKind::Print => "print",
            EntityKind::Dunning => "dunning",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_money(self) -> bool {
        EntityKind::MONEY.contains(&self)
    }

    /// The field naming the customer a child record belongs to. Children
    /// inherit their customer's visibility.
    pub fn parent_field(self) -> Option<&'static str> {
        match self {
            EntityKind::Customer | EntityKind::PoolEntry | EntityKind::Lead | EntityKind::Product => None,
            EntityKind::Quote
            | EntityKind::Contract
            | EntityKind::Delivery
            | EntityKind::Installment
            | EntityKind::Receipt
            | EntityKind::Allocation
            | EntityKind::Credit
            | EntityKind::Print
            | EntityKind::Dunning
            | EntityKind::Contact
            | EntityKind::Activity
            | EntityKind::Conflict
            | EntityKind::Ownership
            | EntityKind::Duplicate
            | EntityKind::Merge
            | EntityKind::Opportunity => Some("customer_id"),
        }
    }

    /// Fields an ordinary edit may not change.
    pub fn fixed_fields(self) -> &'static [&'static str] {
        match self {
            EntityKind::Customer => &["id", "owner_id", "owner_since", "last_activity_at"],
            EntityKind::Contact => &["id", "customer_id"],
            EntityKind::Activity => &["id", "customer_id", "at", "by"],
            EntityKind::Lead => &["id", "owner_id"],
            EntityKind::Product => &["id"],
            EntityKind::Quote => &["id", "customer_id", "supersedes", "version"],
            EntityKind::Contract => &["id", "customer_id", "quote_id"],
            EntityKind::Installment => &["id", "customer_id", "contract_id", "currency", "number"],
            EntityKind::Receipt => &["id", "customer_id", "by"],
            EntityKind::Dunning => &["id", "customer_id", "level", "installments", "date", "by"],
            EntityKind::Delivery | EntityKind::Allocation | EntityKind::Credit | EntityKind::Print => {
                &["id", "customer_id"]
            }
            EntityKind::Conflict
            | EntityKind::Ownership
            | EntityKind::PoolEntry
            | EntityKind::Duplicate
            | EntityKind::Merge
            | EntityKind::Opportunity => &["id", "customer_id"],
        }
    }

    /// Facts (activities) record what happened: created once, never edited
    /// or deleted, and so never in conflict.
    pub fn is_fact(self) -> bool {
        matches!(
            self,
            EntityKind::Activity
                | EntityKind::Delivery
                | EntityKind::Allocation
                | EntityKind::Credit
                | EntityKind::Print
        )
    }

    /// Records only the server creates; clients may only dismiss them.
    pub fn is_server_made(self) -> bool {
        matches!(
            self,
            EntityKind::Conflict
                | EntityKind::Ownership
                | EntityKind::PoolEntry
                | EntityKind::Duplicate
                | EntityKind::Merge
        )
    }

    /// Server-made records that can never be dismissed by a client.
    pub fn is_permanent(self) -> bool {
        matches!(self, EntityKind::Ownership | EntityKind::PoolEntry | EntityKind::Merge)
    }

    /// Records every signed-in user sees, whoever owns what: the pool's
    /// summaries, so reps can choose what to claim.
    pub fn is_public(self) -> bool {
        matches!(self, EntityKind::PoolEntry | EntityKind::Product)
    }

    /// Checks a record's fields and returns them in canonical form (trimmed,
    /// unknown fields dropped), or says what is wrong.
    pub fn canonicalize(self, id: Uuid, fields: &FieldMap) -> Result<FieldMap, ValidationError> {
        let mut fields = fields.clone();
        fields.insert("id".into(), Value::String(id.to_string()));
        match self {
            EntityKind::Customer => roundtrip::<Customer>(fields),
            EntityKind::Contact => roundtrip::<Contact>(fields),
            EntityKind::Activity => {
                let activity: Activity = typed(fields)?;
                activity.check().map_err(ValidationError::Record)?;
                untyped(&activity)
            }
            EntityKind::Conflict => roundtrip::<Conflict>(fields),
            EntityKind::Ownership => roundtrip::<OwnershipChange>(fields),
            EntityKind::PoolEntry => roundtrip::<PoolEntry>(fields),
            EntityKind::Duplicate => roundtrip::<DuplicateFlag>(fields),
            EntityKind::Merge => roundtrip::<MergeRecord>(fields),
            EntityKind::Opportunity => roundtrip::<Opportunity>(fields),
            EntityKind::Lead => roundtrip::<Lead>(fields),
            EntityKind::Product => checked::<Product>(fields, Product::check),
            EntityKind::Quote => checked::<Quote>(fields, |q| q.check().map(drop)),
            EntityKind::Contract => checked::<Contract>(fields, |c| c.check().map(drop)),
            EntityKind::Delivery => checked::<Delivery>(fields, Delivery::check),
            EntityKind::Installment => roundtrip::<Installment>(fields),
            EntityKind::Receipt => checked::<Receipt>(fields, |r| {
                r.payer = r.payer.trim().to_owned();
                r.reference = r.reference.trim().to_owned();
                match r.payer.chars().count() + r.reference.chars().count() {
                    0..=600 => Ok(()),
                    _ => Err("the payer and the reference are at most 300 characters each".into()),
                }
            }),
            EntityKind::Allocation => roundtrip::<Allocation>(fields),
            EntityKind::Credit => checked::<Credit>(fields, |c| {
                c.reason = c.reason.trim().to_owned();
                match c.reason.chars().count() {
                    0 => Err("give the reason for a refund or a credit note".into()),
                    1..=500 => Ok(()),
                    _ => Err("a reason is at most 500 characters".into()),
                }
            }),
            EntityKind::Print => roundtrip::<Print>(fields),
            // Its checks are the server's decision (`money::book`): it sets
            // nearly every field itself.
            EntityKind::Dunning => roundtrip::<Letter>(fields),
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads a record, checks (and tidies) it, and writes it back.
fn checked<T: Serialize + DeserializeOwned>(
    fields: FieldMap,
    check: impl FnOnce(&mut T) -> Result<(), String>,
) -> Result<FieldMap, ValidationError> {
    let mut record: T = typed(fields)?;
    check(&mut record).map_err(ValidationError::Record)?;
    untyped(&record)
}

fn roundtrip<T: Serialize + DeserializeOwned>(fields: FieldMap) -> Result<FieldMap, ValidationError> {
    untyped(&typed::<T>(fields)?)
}

fn typed<T: DeserializeOwned>(fields: FieldMap) -> Result<T, ValidationError> {
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| ValidationError::Record(readable_serde_error(&e.to_string())))
}

fn untyped<T: Serialize>(record: &T) -> Result<FieldMap, ValidationError> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ValidationError::Record("record is not an object".into())),
    }
}

/// serde_json appends " at line 1 column 57", which means nothing to a
/// person editing a form.
fn readable_serde_error(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> FieldMap {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn canonical_customer_is_trimmed_and_drops_unknown_fields() {
        let id = Uuid::now_v7();
        let out = EntityKind::Customer
            .canonicalize(id, &map(json!({"name": " 华信科技 ", "hack": 1})))
            .unwrap();
        assert_eq!(out["name"], "华信科技");
        assert_eq!(out["id"], id.to_string());
        assert!(!out.contains_key("hack"));
    }

    #[test]
    fn invalid_contact_is_refused_with_a_readable_message() {
        let err = EntityKind::Contact
            .canonicalize(
                Uuid::now_v7(),
                &map(json!({"customer_id": Uuid::now_v7(), "name": "王芳", "phone": "n/a"})),
            )
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not a valid phone number"), "{text}");
        assert!(!text.contains("line 1"), "{text}");
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Some(kind));
        }
    }
}
