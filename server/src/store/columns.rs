//! How domain values sit in columns, the same for both backends: ids as
//! text, times as bigint milliseconds, records as JSON text. Nothing here
//! talks to a database.

use super::{StoreError, StoreResult};
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::user::{Role, User};

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

pub(super) fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(format!("bad id {s:?}: {e}")))
}

pub(super) fn parse_entity(s: &str) -> StoreResult<EntityKind> {
    EntityKind::parse(s).ok_or_else(|| corrupt(format!("unknown entity {s:?}")))
}

pub(super) fn make_user(
    id: &str,
    username: String,
    display_name: String,
    role: &str,
    team_id: Option<String>,
    active: bool,
) -> StoreResult<User> {
    Ok(User {
        id: UserId(parse_uuid(id)?),
        username,
        display_name,
        role: Role::parse(role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?,
        team_id: team_id.as_deref().map(parse_uuid).transpose()?.map(TeamId),
        active,
    })
}

/// Customers carry fields only the server keeps, in their own columns (set
/// in bulk when customers change hands); a record's JSON is overlaid with
/// them whenever it is read.
pub(super) fn overlay_server_fields(
    entity: EntityKind,
    data: &mut serde_json::Map<String, serde_json::Value>,
    owner: Option<&str>,
    owner_since: Option<i64>,
    last_activity: Option<i64>,
    last_won: Option<i64>,
    open_contract: bool,
) {
    if entity != EntityKind::Customer {
        return;
    }
    let time = |ms: Option<i64>| {
        ms.and_then(chrono::DateTime::from_timestamp_millis)
            .map_or(serde_json::Value::Null, |t| serde_json::json!(t))
    };
    data.insert("owner_id".into(), owner.map_or(serde_json::Value::Null, |o| o.into()));
    data.insert("owner_since".into(), time(owner_since));
    data.insert("last_activity_at".into(), time(last_activity));
    data.insert("last_won_at".into(), time(last_won));
    data.insert("open_contract".into(), open_contract.into());
}

/// A server-made record's fields, for storing it like any other record.
pub(super) fn fields_of(record: &impl serde::Serialize) -> StoreResult<serde_json::Map<String, serde_json::Value>> {
    match serde_json::to_value(record).map_err(corrupt)? {
        serde_json::Value::Object(map) => Ok(map),
        other => Err(corrupt(format!("record is not an object: {other}"))),
    }
}

/// A customer's name as the search box folds it, stored for searching in
/// SQL; other records have none.
pub(super) fn search_name(entity: EntityKind, data: &FieldMap) -> Option<String> {
    (entity == EntityKind::Customer)
        .then(|| yingpan_shared::search::fold(data.get("name").and_then(|n| n.as_str()).unwrap_or("")))
}

/// A `LIKE` pattern (escape character `!`, which means the same in every
/// backend's string literals, unlike `\`) finding `word` anywhere.
pub(super) fn contains_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(super) fn unique_violation(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what.to_owned()),
        _ => StoreError::Db(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_found_anywhere_and_like_wildcards_in_it_are_plain_characters() {
        assert_eq!(contains_pattern("华信"), "%华信%");
        assert_eq!(contains_pattern("100%_a!b\\c"), "%100!%!_a!!b\\c%");
    }

    #[test]
    fn customers_are_named_for_search_as_the_search_box_folds() {
        let data: FieldMap = serde_json::from_value(serde_json::json!({"name": "ＡＢＣ 华信-科技"})).unwrap();
        assert_eq!(search_name(EntityKind::Customer, &data).as_deref(), Some("abc华信科技"));
        assert_eq!(search_name(EntityKind::Contact, &data), None);
        assert_eq!(search_name(EntityKind::Customer, &FieldMap::new()).as_deref(), Some(""));
    }
}
