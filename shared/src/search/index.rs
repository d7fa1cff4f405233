//! The search over a rep's customers and their contacts, kept up to date
//! record by record: a change re-keys only the record it touches, and every
//! keystroke only runs a [`Query`] over the keys, newest customer first,
//! stopping once it has a screenful. A contact found leads to its customer.

use super::key::{Query, SearchKey};
use crate::contact::Contact;
use crate::customer::Customer;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A contact under its customer's entry.
struct ContactKey {
    id: Uuid,
    name: String,
    key: SearchKey,
}

/// One customer's keys. A contact can arrive before its customer: its
/// entry then has no key of its own and is not found until the customer is.
#[derive(Default)]
struct Entry {
    key: Option<SearchKey>,
    contacts: Vec<ContactKey>,
}

/// Customers and their contacts under search keys, ordered newest first
/// (ids are UUIDv7, so a larger id is a newer customer).
#[derive(Default)]
pub struct CustomerSearch {
    entries: BTreeMap<Uuid, Entry>,
    /// Each contact's customer, to find its key when it changes or goes.
    contact_of: HashMap<Uuid, Uuid>,
    customers: usize,
}

/// A customer found, and the name of the contact it was found by (`None`:
/// by itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit<'a> {
    pub customer: Uuid,
    pub via: Option<&'a str>,
}

/// What a search found: at most the number asked for, newest first, and
/// whether there were more.
#[derive(Debug, PartialEq, Eq)]
pub struct Found<'a> {
    pub hits: Vec<Hit<'a>>,
    pub more: bool,
}

impl CustomerSearch {
    /// Keys for `customers` and `contacts`.
    pub fn build<'a>(
        customers: impl IntoIterator<Item = &'a Customer>,
        contacts: impl IntoIterator<Item = &'a Contact>,
    ) -> CustomerSearch {
        let mut search = CustomerSearch::default();
        for c in customers {
            search.put_customer(c);
        }
        for c in contacts {
            search.put_contact(c);
        }
        search
    }

    /// How many customers are searchable.
    pub fn len(&self) -> usize {
        self.customers
    }

    pub fn is_empty(&self) -> bool {
        self.customers == 0
    }

    /// Adds a customer or re-keys a changed one.
    pub fn put_customer(&mut self, customer: &Customer) {
        let entry = self.entries.entry(customer.id).or_default();
        if entry.key.is_none() {
            self.customers += 1;
        }
        entry.key = Some(SearchKey::of(
            customer.name.as_str(),
            &[text(&customer.phone)],
            &[text(&customer.region), text(&customer.industry), text(&customer.email)],
        ));
    }

    /// Forgets a customer and its contacts.
    pub fn remove_customer(&mut self, id: Uuid) {
        if let Some(entry) = self.entries.remove(&id) {
            if entry.key.is_some() {
                self.customers -= 1;
            }
            for contact in entry.contacts {
                self.contact_of.remove(&contact.id);
            }
        }
    }

    /// Adds a contact or re-keys a changed one (also when it moved to
    /// another customer).
    pub fn put_contact(&mut self, contact: &Contact) {
        self.remove_contact(contact.id);
        let key = SearchKey::of(
            contact.name.as_str(),
            &[text(&contact.phone)],
            &[text(&contact.title), text(&contact.email)],
        );
        self.entries
            .entry(contact.customer_id)
            .or_default()
            .contacts
            .push(ContactKey {
                id: contact.id,
                name: contact.name.as_str().to_owned(),
                key,
            });
        self.contact_of.insert(contact.id, contact.customer_id);
    }

    pub fn remove_contact(&mut self, id: Uuid) {
        let Some(customer) = self.contact_of.remove(&id) else {
            return;
        };
        if let Some(entry) = self.entries.get_mut(&customer) {
            entry.contacts.retain(|c| c.id != id);
            if entry.key.is_none() && entry.contacts.is_empty() {
                self.entries.remove(&customer);
            }
        }
    }

    /// The first `limit` customers `query` finds, newest first; one found
    /// only through a contact names that contact.
    pub fn find(&self, query: &Query, limit: usize) -> Found<'_> {
        let mut hits = Vec::new();
        for (id, entry) in self.entries.iter().rev() {
            let Some(key) = &entry.key else { continue };
            let via = if key.matches(query) {
                None
            } else if let Some(contact) = entry.contacts.iter().find(|c| c.key.matches(query)) {
                Some(contact.name.as_str())
            } else {
                continue;
            };
            if hits.len() == limit {
                return Found { hits, more: true };
            }
            hits.push(Hit { customer: *id, via });
        }
        Found { hits, more: false }
    }
}

fn text<T: AsRef<str>>(field: &Option<T>) -> &str {
    field.as_ref().map_or("", AsRef::as_ref)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Ids in creation order: `ids()[2]` is the newest.
    fn ids() -> Vec<Uuid> {
        (1..=4u128)
            .map(|n| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n))
            .collect()
    }

    fn customers() -> Vec<Customer> {
        let ids = ids();
        [
            json!({"id": ids[0], "name": "北京华信科技有限公司", "phone": "010-6234 5678", "region": "北京"}),
            json!({"id": ids[1], "name": "上海华新贸易有限公司", "region": "上海"}),
            json!({"id": ids[2], "name": "深圳博远电子有限公司"}),
        ]
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
    }

    fn contact(id: u128, customer: Uuid, name: &str, title: Option<&str>) -> Contact {
        serde_json::from_value(
            json!({"id": Uuid::from_u128(id), "customer_id": customer, "name": name, "title": title}),
        )
        .unwrap()
    }

    fn contacts() -> Vec<Contact> {
        let ids = ids();
        vec![
            contact(1, ids[2], "张伟", Some("采购经理")),
            contact(2, ids[0], "李华", None),
            contact(3, ids[3], "张伟", None),
        ]
    }

    fn search() -> CustomerSearch {
        CustomerSearch::build(&customers(), &contacts())
    }

    /// Positions in `ids()` of the customers found, with the contact named.
    fn found_in(search: &CustomerSearch, typed: &str) -> Vec<(usize, Option<String>)> {
        let ids = ids();
        search
            .find(&Query::parse(typed), 100)
            .hits
            .into_iter()
            .map(|h| {
                (
                    ids.iter().position(|i| *i == h.customer).unwrap(),
                    h.via.map(str::to_owned),
                )
            })
            .collect()
    }

    fn found(typed: &str) -> Vec<(usize, Option<String>)> {
        found_in(&search(), typed)
    }

    #[test]
    fn customers_are_found_newest_first() {
        assert_eq!(found("bjhx"), [(0, None)]);
        assert_eq!(found("huaxin"), [(1, None), (0, None)]);
        assert_eq!(found(""), [(2, None), (1, None), (0, None)]);
        assert!(found("有限公司").is_empty());
    }

    #[test]
    fn a_contact_leads_to_its_customer_and_is_named() {
        assert_eq!(found("zhangwei"), [(2, Some("张伟".to_owned()))]);
        assert_eq!(found("采购"), [(2, Some("张伟".to_owned()))]);
    }

    #[test]
    fn a_customer_found_itself_is_not_attributed_to_a_contact() {
        // 李华 (li hua) and 北京华信 (bei jing hua xin) both hold "hua".
        assert_eq!(found("hua"), [(1, None), (0, None)]);
        assert_eq!(found("lihua"), [(0, Some("李华".to_owned()))]);
    }

    #[test]
    fn a_search_stops_at_its_limit_and_says_there_is_more() {
        let search = search();
        let first = search.find(&Query::All, 2);
        assert_eq!(first.hits.len(), 2);
        assert!(first.more);
        let all = search.find(&Query::All, 3);
        assert_eq!(all.hits.len(), 3);
        assert!(!all.more, "exactly the limit found is not more");
    }

    #[test]
    fn a_change_re_keys_only_that_record() {
        let mut search = search();
        let mut renamed = customers()[0].clone();
        renamed.name = "杭州恒达机械有限公司".to_owned().try_into().unwrap();
        search.put_customer(&renamed);
        assert!(found_in(&search, "bjhx").is_empty());
        assert_eq!(found_in(&search, "hzhd"), [(0, None)]);
        assert_eq!(search.len(), 3, "re-keying does not count twice");
        // A contact moved to another customer leads there instead.
        let ids = ids();
        search.put_contact(&contact(2, ids[1], "李华", None));
        assert_eq!(found_in(&search, "lihua"), [(1, Some("李华".to_owned()))]);
        search.remove_contact(Uuid::from_u128(2));
        assert!(found_in(&search, "lihua").is_empty());
    }

    #[test]
    fn a_contact_before_its_customer_is_found_once_the_customer_arrives() {
        let ids = ids();
        let mut search = search();
        assert!(found_in(&search, "zhangwei").iter().all(|(i, _)| *i != 3));
        let late: Customer = serde_json::from_value(json!({"id": ids[3], "name": "成都锦程物流有限公司"})).unwrap();
        search.put_customer(&late);
        assert_eq!(found_in(&search, "zhangwei")[0], (3, Some("张伟".to_owned())));
        search.remove_customer(ids[3]);
        assert_eq!(search.len(), 3);
        assert_eq!(found_in(&search, "zhangwei"), [(2, Some("张伟".to_owned()))]);
    }
}
