//! The search over a rep's customers and their contacts: keys built once
//! per cache version, then every keystroke only runs a [`Query`] over them.
//! A contact found leads to its customer.

use super::key::{Query, SearchKey};
use crate::entity::FieldMap;
use serde_json::Value;
use std::collections::HashMap;

struct ContactKey {
    /// Position of the contact's customer.
    customer: usize,
    name: String,
    key: SearchKey,
}

/// Customers (in the order given) and their contacts, under search keys.
#[derive(Default)]
pub struct CustomerSearch {
    customers: Vec<SearchKey>,
    contacts: Vec<ContactKey>,
}

/// A customer found: its position in the list the search was built from,
/// and the name of the contact it was found by (`None`: by itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit<'a> {
    pub customer: usize,
    pub via: Option<&'a str>,
}

impl CustomerSearch {
    /// Keys for `customers` and for those of `contacts` whose customer is
    /// among them.
    pub fn build(customers: &[FieldMap], contacts: &[FieldMap]) -> CustomerSearch {
        let text = |r: &FieldMap, f: &str| r.get(f).and_then(Value::as_str).unwrap_or_default().to_owned();
        let position: HashMap<String, usize> = customers.iter().enumerate().map(|(i, c)| (text(c, "id"), i)).collect();
        CustomerSearch {
            customers: customers.iter().map(SearchKey::customer).collect(),
            contacts: contacts
                .iter()
                .filter_map(|c| {
                    Some(ContactKey {
                        customer: *position.get(&text(c, "customer_id"))?,
                        name: text(c, "name"),
                        key: SearchKey::contact(c),
                    })
                })
                .collect(),
        }
    }

    /// The customers `query` finds, in the order they were given; one found
    /// only through a contact names that contact.
    pub fn find(&self, query: &Query) -> Vec<Hit<'_>> {
        // None: not found; Some(None): found itself; Some(Some(i)): by contact i.
        let mut found: Vec<Option<Option<usize>>> = self
            .customers
            .iter()
            .map(|k| k.matches(query).then_some(None))
            .collect();
        for (i, contact) in self.contacts.iter().enumerate() {
            let slot = &mut found[contact.customer];
            if slot.is_none() && contact.key.matches(query) {
                *slot = Some(Some(i));
            }
        }
        found
            .into_iter()
            .enumerate()
            .filter_map(|(customer, how)| {
                how.map(|via| Hit {
                    customer,
                    via: via.map(|i| self.contacts[i].name.as_str()),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(value: Value) -> FieldMap {
        value.as_object().unwrap().clone()
    }

    fn customers() -> Vec<FieldMap> {
        vec![
            record(json!({"id": "c1", "name": "北京华信科技有限公司", "phone": "010-6234 5678", "region": "北京"})),
            record(json!({"id": "c2", "name": "上海华新贸易有限公司", "region": "上海"})),
            record(json!({"id": "c3", "name": "深圳博远电子有限公司"})),
        ]
    }

    fn contacts() -> Vec<FieldMap> {
        vec![
            record(json!({"id": "p1", "customer_id": "c3", "name": "张伟", "title": "采购经理"})),
            record(json!({"id": "p2", "customer_id": "c1", "name": "李华"})),
            record(json!({"id": "p3", "customer_id": "gone", "name": "张伟"})),
        ]
    }

    fn found(typed: &str) -> Vec<(usize, Option<String>)> {
        let search = CustomerSearch::build(&customers(), &contacts());
        search
            .find(&Query::parse(typed))
            .into_iter()
            .map(|h| (h.customer, h.via.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn customers_are_found_in_the_order_given() {
        assert_eq!(found("bjhx"), [(0, None)]);
        assert_eq!(found("huaxin"), [(0, None), (1, None)]);
        assert_eq!(found(""), [(0, None), (1, None), (2, None)]);
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
        assert_eq!(found("hua"), [(0, None), (1, None)]);
        assert_eq!(found("lihua"), [(0, Some("李华".to_owned()))]);
    }
}
