//! The customer list's search over this device's cache: the cached
//! customers, newest first, under a [`CustomerSearch`] of them and their
//! contacts. Built once per cache version, so a keystroke only runs the
//! query (the rules are `yingpan_shared::search`).

use crate::db::LocalDb;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::search::CustomerSearch;

/// The cached customers and the search over them.
pub struct CachedCustomers {
    /// Newest first.
    pub customers: Vec<FieldMap>,
    pub search: CustomerSearch,
}

impl CachedCustomers {
    pub async fn load(db: &LocalDb) -> CachedCustomers {
        let (customers, contacts) = read(db).await;
        CachedCustomers::index(customers, &contacts)
    }

    fn index(mut customers: Vec<FieldMap>, contacts: &[FieldMap]) -> CachedCustomers {
        // Ids are UUIDv7: sorting them descending puts the newest first.
        let id = |c: &FieldMap| c.get("id").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        customers.sort_by_cached_key(|c| std::cmp::Reverse(id(c)));
        let search = CustomerSearch::build(&customers, contacts);
        CachedCustomers { customers, search }
    }
}

/// The cached customers and contacts.
async fn read(db: &LocalDb) -> (Vec<FieldMap>, Vec<FieldMap>) {
    (
        db.all(EntityKind::Customer).await.unwrap_or_default(),
        db.all(EntityKind::Contact).await.unwrap_or_default(),
    )
}

#[cfg(all(test, feature = "bench"))]
mod bench;
