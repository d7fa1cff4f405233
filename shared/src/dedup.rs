//! Collision prevention (防撞单): the normal forms under which two customer
//! records are compared, and how alike two customers are. The same rules run
//! in the browser (offline check against the cache) and on the server
//! (company-wide check).

use crate::entity::FieldMap;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Provinces and big cities as they prefix or annotate company names.
const REGIONS: [&str; 60] = [
    "北京",
    "上海",
    "天津",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "宁波",
    "无锡",
    "厦门",
    "青岛",
    "大连",
    "沈阳",
    "长沙",
    "郑州",
    "济南",
    "合肥",
    "福州",
    "昆明",
    "东莞",
    "佛山",
    "哈尔滨",
    "长春",
    "石家庄",
    "中国",
];

/// Chinese legal forms, longest first so the longest one is taken off.
const CJK_SUFFIXES: [&str; 8] = [
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "分公司",
    "集团",
    "公司",
];

/// English legal-form words, taken off the end of a name word by word.
const LATIN_SUFFIXES: [&str; 11] = [
    "co",
    "ltd",
    "limited",
    "company",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "group",
    "plc",
];

/// A company name reduced to what tells companies apart: its distinctive
/// core, and the region it names (if any), which is compared separately.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameKey {
    pub core: String,
    pub region: Option<String>,
}

/// Simplified script, half-width characters, lower-case Latin.
pub fn fold_script(name: &str) -> String {
    crate::script::simplified(name)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The region a piece of text names ("北京", "北京市", "广东省"), if any.
fn region_of(text: &str) -> Option<&'static str> {
    let bare = text.trim_end_matches(['市', '省']);
    REGIONS.into_iter().find(|r| *r == bare)
}

/// Reduces a company name to its [`NameKey`]:
/// `北京华信科技有限公司`, `华信科技（北京）有限公司` and `北京華信科技有限公司`
/// all become core `华信科技`, region `北京`.
pub fn name_key(name: &str) -> NameKey {
    folded_name_key(&fold_script(name))
}

/// [`name_key`] of a name already passed through [`fold_script`] (which is
/// the slow part, so a caller that needs both folds once).
pub fn folded_name_key(folded: &str) -> NameKey {
    // A region in parentheses anywhere: 华信科技(北京)有限公司.
    let mut region = None;
    let mut rest = String::with_capacity(folded.len());
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '(' {
            let inner: String = chars.by_ref().take_while(|c| *c != ')').collect();
            match region_of(inner.trim()) {
                Some(r) => region = region.or(Some(r)),
                None => {
                    rest.push(' ');
                    rest.push_str(&inner);
                    rest.push(' ');
                }
            }
        } else {
            rest.push(c);
        }
    }
    // English legal-form words at the end, while words are still apart.
    let mut words: Vec<&str> = rest
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    while words.len() > 1 && words.last().is_some_and(|w| LATIN_SUFFIXES.contains(w)) {
        words.pop();
    }
    let mut core: String = without_legal_form(&words.concat()).to_owned();
    // A region written first: 北京华信科技, 北京市华信科技.
    if let Some(r) = REGIONS.iter().filter(|r| core.starts_with(*r)).max_by_key(|r| r.len()) {
        let after = core[r.len()..].trim_start_matches(['市', '省']);
        if after.chars().count() >= 2 {
            region = region.or(Some(r));
            core = after.to_owned();
        }
    }
    NameKey {
        core,
        region: region.filter(|r| *r != "中国").map(str::to_owned),
    }
}

/// `name` without the Chinese legal forms at its end (also repeated:
/// 集团有限公司), never emptied: `公司` alone stays.
pub fn without_legal_form(name: &str) -> &str {
    let mut rest = name;
    while let Some(suffix) = CJK_SUFFIXES.iter().find(|s| rest.ends_with(*s) && rest.len() > s.len()) {
        rest = &rest[..rest.len() - suffix.len()];
    }
    rest
}

/// Whether `text` is nothing but legal forms (`有限公司`, `股份有限公司`,
/// `Co., Ltd.`): words that tell no company from another.
pub fn is_legal_form(text: &str) -> bool {
    let folded = fold_script(text);
    let mut words = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some()
        && words.all(|word| {
            let mut rest = word;
            while let Some(suffix) = CJK_SUFFIXES.iter().find(|s| rest.ends_with(*s)) {
                rest = &rest[..rest.len() - suffix.len()];
            }
            rest.is_empty() || LATIN_SUFFIXES.contains(&word)
        })
}

/// A phone number as digits without the country code or the leading trunk
/// zero: `+86 10 6234-5678`, `010-62345678` and `(010) 62345678` agree.
/// `None` when there are too few digits to mean a number.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = fold_script(phone).chars().filter(char::is_ascii_digit).collect();
    let national = if let Some(rest) = digits.strip_prefix("0086") {
        rest
    } else if digits.len() > 11 && digits.starts_with("86") {
        &digits[2..]
    } else {
        &digits
    };
    let national = national.trim_start_matches('0');
    (national.len() >= 5).then(|| national.to_owned())
}

/// An email address trimmed and lower-cased; `None` unless it looks like one.
pub fn email_key(email: &str) -> Option<String> {
    let e = fold_script(email.trim());
    let (user, domain) = e.split_once('@')?;
    (!user.is_empty() && domain.contains('.')).then(|| e.clone())
}

/// How alike two customers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Likeness {
    Different,
    /// Worth a look before creating another record.
    Possible,
    /// The same company under the normalisation rules.
    Same,
}

/// Above this name similarity two names are a possible duplicate.
pub const POSSIBLE_AT: f32 = 0.8;

/// The character pairs of a core, each once: what the server indexes to find
/// candidates quickly (a one-character core is its own gram).
pub fn name_grams(key: &NameKey) -> Vec<String> {
    let chars: Vec<char> = key.core.chars().collect();
    let mut grams: Vec<String> = match chars.len() {
        0 => Vec::new(),
        1 => vec![key.core.clone()],
        _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
    };
    grams.sort();
    grams.dedup();
    grams
}

/// What the duplicate check knows of a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerKeys {
    pub name: NameKey,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl CustomerKeys {
    pub fn of(name: &str, phone: Option<&str>, email: Option<&str>) -> CustomerKeys {
        CustomerKeys {
            name: name_key(name),
            phone: phone.and_then(phone_key),
            email: email.and_then(email_key),
        }
    }
}

impl CustomerKeys {
    /// Whether these keys say enough to be checked against the whole
    /// company: a name core of at least two Chinese characters or four
    /// others, or a whole phone number (7+ digits), or an email address.
    /// Anything less would make the duplicate check a company directory.
    pub fn meaningful(&self) -> bool {
        let core = &self.name.core;
        let cjk = core.chars().filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c)).count();
        let name_says_enough = cjk >= 2 || core.chars().count() >= 4;
        let whole_phone = self.phone.as_ref().is_some_and(|p| p.len() >= 7);
        name_says_enough || whole_phone || self.email.is_some()
    }
}

/// Compares a new customer with an existing one: the names decide, and the
/// same phone or email makes any pair at least a possible duplicate.
pub fn compare(new: &CustomerKeys, existing: &CustomerKeys) -> (Likeness, f32) {
    let (likeness, score) = compare_names(&new.name, &existing.name);
    let same_contact = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    if likeness < Likeness::Possible
        && (same_contact(&new.phone, &existing.phone) || same_contact(&new.email, &existing.email))
    {
        return (Likeness::Possible, score.max(0.85));
    }
    (likeness, score)
}

/// Company policy for an exact duplicate of an existing customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DuplicatePolicy {
    /// Create it, and flag it for the rep and their manager.
    #[default]
    Warn,
    /// Refuse it, saying who has the existing customer.
    Block,
}

/// Pairs at least this alike are flagged when a customer is created.
pub const FLAG_AT: f32 = 0.85;

/// Whether a new customer this alike an existing one gets a "possible
/// duplicate" flag for its owner and their manager.
pub fn worth_flagging(likeness: Likeness, score: f32) -> bool {
    likeness == Likeness::Same || (likeness == Likeness::Possible && score >= FLAG_AT)
}

/// A server-made note under a new customer: it looks like an existing one.
/// Dismissed ("not a duplicate") by deleting it, or resolved by a merge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateFlag {
    pub id: Uuid,
    /// The new customer.
    pub customer_id: Uuid,
    pub existing_id: Uuid,
    pub existing_name: String,
    #[serde(default)]
    pub existing_owner: Option<UserId>,
    pub likeness: Likeness,
    pub score: f32,
    pub at: DateTime<Utc>,
}

/// Customer fields a merge chooses between.
pub const MERGED_FIELDS: [&str; 10] = [
    "kind", "name", "phone", "email", "industry", "region", "address", "notes", "grade", "locked",
];

/// Which record's value a merge keeps for a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Keep {
    Survivor,
    Merged,
}

/// The survivor's fields after merging `merged` into it: a field takes the
/// value `choices` names; without a choice, the survivor's value, or the
/// merged record's when the survivor has none. Other fields stay the
/// survivor's.
pub fn merged_fields(survivor: &FieldMap, merged: &FieldMap, choices: &BTreeMap<String, Keep>) -> FieldMap {
    let mut out = survivor.clone();
    let empty = |v: Option<&Value>| v.is_none_or(|v| v.is_null() || v.as_str() == Some(""));
    for field in MERGED_FIELDS {
        let take_merged = match choices.get(field) {
            Some(Keep::Merged) => true,
            Some(Keep::Survivor) => false,
            None => empty(survivor.get(field)) && !empty(merged.get(field)),
        };
        if take_merged {
            out.insert(field.into(), merged.get(field).cloned().unwrap_or(Value::Null));
        }
    }
    out
}

/// Whether `role` may merge two customers (or undo a merge). A merge
/// removes a customer, and removing customers is a manager's act: a rep
/// releases a customer to the pool and asks their manager to merge.
pub fn may_merge(role: crate::user::Role) -> Result<(), &'static str> {
    match role {
        crate::user::Role::Manager | crate::user::Role::Admin => Ok(()),
        _ => Err("merging customers is for managers; ask yours to merge these two"),
    }
}

/// How long a merge can be undone.
pub const UNDO_DAYS: i64 = 30;

/// A merge, as the survivor's timeline shows it (server-made).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    pub id: Uuid,
    /// The survivor.
    pub customer_id: Uuid,
    pub merged_id: Uuid,
    pub merged_name: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub undone_at: Option<DateTime<Utc>>,
}

/// Whether a merge made at `at` may still be undone at `now`.
pub fn may_undo(record: &MergeRecord, now: DateTime<Utc>) -> Result<(), String> {
    if record.undone_at.is_some() {
        return Err("this merge was already undone".into());
    }
    if now - record.at > chrono::Duration::days(UNDO_DAYS) {
        return Err(format!("a merge can be undone for {UNDO_DAYS} days; this one is older"));
    }
    Ok(())
}

/// The survivor's fields after undoing a merge: each field the merge changed
/// goes back, unless someone has changed it since (their edit stands).
pub fn unmerged_fields(current: &FieldMap, before: &FieldMap, after: &FieldMap) -> FieldMap {
    let mut out = current.clone();
    for field in MERGED_FIELDS {
        let (b, a) = (before.get(field), after.get(field));
        if b != a && current.get(field) == a {
            out.insert(field.into(), b.cloned().unwrap_or(Value::Null));
        }
    }
    out
}

/// Why a customer was refused under [`DuplicatePolicy::Block`].
pub fn duplicate_refusal(existing: &str, owner: Option<&str>) -> String {
    match owner {
        Some(owner) => format!(
            "{existing} is already a customer, owned by {owner}; ask them or your manager instead of adding it again"
        ),
        None => format!("{existing} is already a customer, in the pool; claim it instead of adding it again"),
    }
}

/// Character-pair (bigram) overlap of two cores, 0 to 1 (Dice coefficient).
fn bigram_similarity(a: &str, b: &str) -> f32 {
    let pairs = |s: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = s.chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, mut pb) = (pairs(a), pairs(b));
    if pa.is_empty() || pb.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let total = pa.len() + pb.len();
    let mut shared = 0;
    for p in pa {
        if let Some(i) = pb.iter().position(|q| *q == p) {
            pb.swap_remove(i);
            shared += 1;
        }
    }
    2.0 * shared as f32 / total as f32
}

/// Compares two company names: the same core in the same (or an unnamed)
/// region is the same company; one core inside the other (a short form,
/// 华信科技 for 华信科技发展) or nearly the same core is a possible
/// duplicate; a real character of difference (华信 vs 华新) is not.
/// Returns the likeness and a score from 0 to 1.
pub fn compare_names(a: &NameKey, b: &NameKey) -> (Likeness, f32) {
    if a.core.is_empty() || b.core.is_empty() {
        return (Likeness::Different, 0.0);
    }
    let regions_agree = match (&a.region, &b.region) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    if a.core == b.core {
        // The same name in another city is often another company (or a
        // branch): worth a look while typing, not a flag.
        return if regions_agree {
            (Likeness::Same, 1.0)
        } else {
            (Likeness::Possible, 0.7)
        };
    }
    // Numbers tell apart what is otherwise alike: 第一分店 / 第二分店 aside,
    // 客户10 and 客户100, 1号店 and 2号店 are different customers.
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let (da, db) = (digits(&a.core), digits(&b.core));
    if !da.is_empty() && !db.is_empty() && da != db {
        return (Likeness::Different, bigram_similarity(&a.core, &b.core));
    }
    let (short, long) = if a.core.chars().count() <= b.core.chars().count() {
        (&a.core, &b.core)
    } else {
        (&b.core, &a.core)
    };
    let score = bigram_similarity(&a.core, &b.core);
    if (short.chars().count() >= 2 && long.contains(short.as_str())) || score >= POSSIBLE_AT {
        let score = if regions_agree { score.max(0.8) } else { 0.7 };
        return (Likeness::Possible, score);
    }
    (Likeness::Different, score)
}

#[cfg(test)]
mod meaningful_queries {
    use super::CustomerKeys;

    #[test]
    fn a_check_needs_a_real_name_phone_or_email() {
        assert!(CustomerKeys::of("华信", None, None).meaningful());
        assert!(!CustomerKeys::of("华", None, None).meaningful());
        assert!(!CustomerKeys::of("abc", None, None).meaningful());
        assert!(CustomerKeys::of("acme", None, None).meaningful());
        assert!(!CustomerKeys::of("", Some("13800"), None).meaningful());
        assert!(CustomerKeys::of("", Some("010-62345678"), None).meaningful());
        assert!(CustomerKeys::of("", None, Some("li@huaxin.cn")).meaningful());
    }
}

#[cfg(test)]
mod merge_rights {
    use super::may_merge;
    use crate::user::Role;

    #[test]
    fn only_managers_and_admins_merge() {
        assert!(may_merge(Role::Manager).is_ok());
        assert!(may_merge(Role::Admin).is_ok());
        assert!(may_merge(Role::Rep).is_err());
        assert!(may_merge(Role::Finance).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(core: &str, region: Option<&str>) -> NameKey {
        NameKey {
            core: core.into(),
            region: region.map(str::to_owned),
        }
    }

    #[test]
    fn legal_suffixes_regions_width_and_script_are_folded_away() {
        let want = key("华信科技", Some("北京"));
        for name in [
            "北京华信科技有限公司",
            "华信科技（北京）有限公司",
            "华信科技(北京)有限公司",
            "北京市华信科技股份有限公司",
            "北京華信科技有限公司",
            "北京 华信科技 有限责任公司",
            "北京华信科技集团有限公司",
        ] {
            assert_eq!(name_key(name), want, "{name}");
        }
        assert_eq!(name_key("华信科技"), key("华信科技", None));
    }

    #[test]
    fn english_legal_forms_and_case_are_folded_away() {
        for name in [
            "Huaxin Technology Co., Ltd.",
            "HUAXIN TECHNOLOGY COMPANY LIMITED",
            "Huaxin Technology Inc.",
            "ｈｕａｘｉｎ　ｔｅｃｈｎｏｌｏｇｙ　Ｃｏ．，Ｌｔｄ．",
        ] {
            assert_eq!(name_key(name).core, "huaxintechnology", "{name}");
        }
        // A word that merely ends like a legal form stays whole.
        assert_eq!(name_key("Costco").core, "costco");
        assert_eq!(name_key("Deco Ltd").core, "deco");
    }

    #[test]
    fn same_core_is_the_same_customer_and_a_real_difference_is_not() {
        let same = compare_names(&name_key("北京华信科技有限公司"), &name_key("华信科技（北京）有限公司"));
        assert_eq!(same, (Likeness::Same, 1.0));
        let (likeness, _) = compare_names(&name_key("北京华信科技有限公司"), &name_key("北京华新科技有限公司"));
        assert_eq!(likeness, Likeness::Different, "华信 and 华新 are two companies");
        let (likeness, _) = compare_names(&name_key("北京华信科技有限公司"), &name_key("上海华信科技有限公司"));
        assert_eq!(likeness, Likeness::Possible, "same name, another city: worth a look");
        let (likeness, score) = compare_names(&name_key("北京华信科技有限公司"), &name_key("上海华信科技有限公司"));
        assert!(!worth_flagging(likeness, score), "but not a flag");
    }

    #[test]
    fn different_numbers_are_different_customers() {
        assert_eq!(
            compare_names(&name_key("客户10"), &name_key("客户100")).0,
            Likeness::Different
        );
        assert_eq!(
            compare_names(&name_key("华信1号店"), &name_key("华信2号店")).0,
            Likeness::Different
        );
        assert_eq!(
            compare_names(&name_key("华信"), &name_key("华信2号店")).0,
            Likeness::Possible
        );
    }

    #[test]
    fn a_short_form_finds_the_full_name() {
        let (likeness, _) = compare_names(&name_key("华信科技"), &name_key("北京华信科技发展有限公司"));
        assert_eq!(likeness, Likeness::Possible);
        let (likeness, _) = compare_names(&name_key("华信"), &name_key("北京华新科技发展有限公司"));
        assert_eq!(likeness, Likeness::Different);
    }

    #[test]
    fn legal_forms_alone_are_recognised() {
        for text in [
            "有限公司",
            "股份有限公司",
            "集团有限公司",
            "Co., Ltd.",
            "ＣＯ．，ＬＴＤ",
            "inc",
        ] {
            assert!(is_legal_form(text), "{text}");
        }
        for text in ["有限", "华信有限公司", "huaxin co", "", "，"] {
            assert!(!is_legal_form(text), "{text}");
        }
        assert_eq!(without_legal_form("华信科技股份有限公司"), "华信科技");
        assert_eq!(without_legal_form("公司"), "公司");
    }

    #[test]
    fn grams_cover_the_core_once_each() {
        assert_eq!(name_grams(&name_key("北京华信科技有限公司")), ["信科", "华信", "科技"]);
        assert_eq!(name_grams(&key("信", None)), ["信"]);
        assert!(name_grams(&key("", None)).is_empty());
    }

    #[test]
    fn same_phone_or_email_makes_a_possible_duplicate() {
        let a = CustomerKeys::of("华信科技", Some("010-62345678"), None);
        let b = CustomerKeys::of("北京远景贸易有限公司", Some("+86 10 6234 5678"), None);
        assert_eq!(compare(&a, &b).0, Likeness::Possible);
        let c = CustomerKeys::of("北京远景贸易有限公司", None, Some("info@yj.cn"));
        assert_eq!(compare(&a, &c).0, Likeness::Different);
    }

    #[test]
    fn merge_keeps_chosen_values_and_fills_gaps_from_the_merged_record() {
        let map = |v: serde_json::Value| v.as_object().unwrap().clone();
        let survivor =
            map(serde_json::json!({"id": "a", "name": "华信科技", "phone": null, "region": "北京", "owner_id": "x"}));
        let merged = map(
            serde_json::json!({"id": "b", "name": "北京华信科技有限公司", "phone": "010-62345678", "region": "海淀"}),
        );
        let mut choices = BTreeMap::new();
        choices.insert("name".to_owned(), Keep::Merged);
        let out = merged_fields(&survivor, &merged, &choices);
        assert_eq!(out["name"], "北京华信科技有限公司", "chosen");
        assert_eq!(out["phone"], "010-62345678", "a gap filled");
        assert_eq!(out["region"], "北京", "the survivor's by default");
        assert_eq!((out["id"].as_str(), out["owner_id"].as_str()), (Some("a"), Some("x")));
    }

    #[test]
    fn undo_restores_what_the_merge_changed_but_not_later_edits() {
        let map = |v: serde_json::Value| v.as_object().unwrap().clone();
        let before = map(serde_json::json!({"name": "华信", "phone": null, "region": "北京"}));
        let after = map(serde_json::json!({"name": "北京华信科技", "phone": "010-1", "region": "北京"}));
        let now = map(serde_json::json!({"name": "北京华信科技", "phone": "010-2", "region": "海淀"}));
        let out = unmerged_fields(&now, &before, &after);
        assert_eq!(out["name"], "华信", "changed by the merge: back");
        assert_eq!(out["phone"], "010-2", "edited since: kept");
        assert_eq!(out["region"], "海淀");
    }

    #[test]
    fn merges_can_be_undone_for_thirty_days_once() {
        let at: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut record = MergeRecord {
            id: Uuid::nil(),
            customer_id: Uuid::nil(),
            merged_id: Uuid::nil(),
            merged_name: "x".into(),
            by: UserId(Uuid::nil()),
            at,
            undone_at: None,
        };
        assert!(may_undo(&record, at + chrono::Duration::days(30)).is_ok());
        assert!(may_undo(&record, at + chrono::Duration::days(31)).is_err());
        record.undone_at = Some(at);
        assert!(may_undo(&record, at).is_err());
    }

    #[test]
    fn only_close_matches_are_flagged() {
        assert!(worth_flagging(Likeness::Same, 1.0));
        assert!(worth_flagging(Likeness::Possible, 0.9));
        assert!(!worth_flagging(Likeness::Possible, 0.8));
        assert!(!worth_flagging(Likeness::Different, 0.5));
    }

    #[test]
    fn phones_agree_whatever_the_format() {
        let want = Some("1062345678".to_owned());
        for phone in [
            "010-62345678",
            "+86 10 6234 5678",
            "(010) 62345678",
            "0086-10-62345678",
            "０１０－６２３４５６７８",
        ] {
            assert_eq!(phone_key(phone), want, "{phone}");
        }
        assert_eq!(phone_key("+86 138 0013 8000"), Some("13800138000".into()));
        assert_eq!(phone_key("138-0013-8000"), Some("13800138000".into()));
        assert_eq!(phone_key("n/a"), None);
    }

    #[test]
    fn emails_agree_ignoring_case_and_width() {
        assert_eq!(email_key(" Wang.Fang@HuaXin.CN "), Some("wang.fang@huaxin.cn".into()));
        assert_eq!(email_key("ｗａｎｇ＠ｈｕａｘｉｎ．ｃｎ"), Some("wang@huaxin.cn".into()));
        assert_eq!(email_key("not an email"), None);
    }
}
