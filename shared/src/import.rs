//! Importing customers from a spreadsheet: which column is which, what a
//! row becomes, and how each row relates to the customers already there.
//! The server reads the file (CSV or XLSX) and applies these rules.

use crate::dedup::{compare, CustomerKeys, Likeness};
use crate::entity::{EntityKind, FieldMap};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Most rows one import may hold.
pub const MAX_ROWS: usize = 5_000;

/// Customer fields and the column titles (Chinese and English) that name them.
const COLUMNS: [(&str, &[&str]); 7] = [
    (
        "name",
        &[
            "名称",
            "客户名称",
            "公司名称",
            "客户",
            "单位名称",
            "name",
            "company",
            "customer",
        ],
    ),
    (
        "phone",
        &["电话", "手机", "联系电话", "phone", "tel", "telephone", "mobile"],
    ),
    ("email", &["邮箱", "电子邮件", "邮件", "email", "e-mail", "mail"]),
    ("industry", &["行业", "所属行业", "industry"]),
    ("region", &["地区", "区域", "城市", "省份", "region", "city"]),
    ("address", &["地址", "详细地址", "address"]),
    ("notes", &["备注", "说明", "notes", "remark", "remarks"]),
];

/// Which of `columns` (a field and the titles that name it) each title of
/// `header` names, matched as the search box folds text (case, width,
/// traditional characters).
pub fn columns_named(header: &[String], columns: &[(&'static str, &[&str])]) -> Vec<Option<&'static str>> {
    header
        .iter()
        .map(|title| {
            let title = crate::search::fold(title);
            columns
                .iter()
                .find(|(_, names)| names.iter().any(|n| crate::search::fold(n) == title))
                .map(|(field, _)| *field)
        })
        .collect()
}

/// Which customer field each column fills (`None`: ignored). A file without
/// a name column cannot be imported; the message says which titles work.
pub fn map_header(header: &[String]) -> Result<Vec<Option<&'static str>>, String> {
    let mapping = columns_named(header, &COLUMNS);
    if !mapping.contains(&Some("name")) {
        return Err("the first row must name the columns, with one called 名称 (or 客户名称, name)".into());
    }
    Ok(mapping)
}

/// A row's cells as customer fields (blank cells left out).
pub fn row_fields(mapping: &[Option<&'static str>], cells: &[String]) -> FieldMap {
    let mut fields = FieldMap::new();
    for (field, cell) in mapping.iter().zip(cells) {
        if let (Some(field), cell) = (field, cell.trim()) {
            if !cell.is_empty() && !fields.contains_key(*field) {
                fields.insert((*field).into(), Value::String(cell.into()));
            }
        }
    }
    fields
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RowStatus {
    /// Not like any customer: will be created.
    New,
    /// The same as an existing customer: skipped or merged, as chosen.
    Same,
    /// Like an existing customer: created, and flagged for a look.
    Possible,
    /// The same as an earlier row of the file: skipped.
    Repeated,
    /// Cannot be imported; `message` says why.
    Invalid,
}

/// One row of the preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub status: RowStatus,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub existing_id: Option<Uuid>,
    #[serde(default)]
    pub existing_name: Option<String>,
    /// The existing customer's owner, by name (`None` with an id: the pool).
    #[serde(default)]
    pub existing_owner: Option<String>,
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub fields: FieldMap,
}

/// What to do with rows that are the same as an existing customer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExactRows {
    #[default]
    Skip,
    /// Fill the existing customer's empty fields from the row (where the
    /// importer may edit it).
    Merge,
}

impl ExactRows {
    /// As written in the import's query string (`exact=merge`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExactRows::Skip => "skip",
            ExactRows::Merge => "merge",
        }
    }
}

/// The preview, or with `done` the outcome, of an import.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows: Vec<ImportRow>,
    pub done: bool,
    pub created: usize,
    pub merged: usize,
    pub skipped: usize,
}

/// An existing customer a row is compared with.
pub struct Existing {
    pub id: Uuid,
    pub name: String,
    pub owner: Option<String>,
    pub keys: CustomerKeys,
}

/// Classifies a row: invalid rows say why; a row like an earlier row is a
/// repeat; otherwise the most alike existing customer decides.
pub fn classify(line: usize, fields: FieldMap, earlier: &[CustomerKeys], existing: &[Existing]) -> ImportRow {
    let name = fields
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut row = ImportRow {
        line,
        name,
        status: RowStatus::New,
        message: None,
        existing_id: None,
        existing_name: None,
        existing_owner: None,
        fields,
    };
    if let Err(e) = EntityKind::Customer.canonicalize(Uuid::nil(), &row.fields) {
        row.status = RowStatus::Invalid;
        row.message = Some(e.to_string());
        return row;
    }
    let keys = keys_of(&row.fields);
    if earlier.iter().any(|k| compare(&keys, k).0 == Likeness::Same) {
        row.status = RowStatus::Repeated;
        return row;
    }
    let best = existing
        .iter()
        .map(|e| (e, compare(&keys, &e.keys)))
        .filter(|(_, (l, _))| *l >= Likeness::Possible)
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(a.1 .1.total_cmp(&b.1 .1)));
    if let Some((e, (likeness, _))) = best {
        row.status = if likeness == Likeness::Same {
            RowStatus::Same
        } else {
            RowStatus::Possible
        };
        row.existing_id = Some(e.id);
        row.existing_name = Some(e.name.clone());
        row.existing_owner = e.owner.clone();
    }
    row
}

/// The duplicate-check keys of a row or record.
pub fn keys_of(fields: &FieldMap) -> CustomerKeys {
    let text = |f: &str| fields.get(f).and_then(Value::as_str);
    CustomerKeys::of(text("name").unwrap_or_default(), text("phone"), text("email"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_are_found_by_chinese_or_english_titles() {
        let mapping = map_header(&strings(&["客户名称", "联系电话", "Email", "无关列", "地区"])).unwrap();
        assert_eq!(
            mapping,
            [Some("name"), Some("phone"), Some("email"), None, Some("region")]
        );
        assert!(map_header(&strings(&["电话", "地址"])).unwrap_err().contains("名称"));
        let fields = row_fields(&mapping, &strings(&[" 华信科技 ", "", "a@b.cn", "x", "北京"]));
        assert_eq!(fields.len(), 3, "blank cells and ignored columns are left out");
        assert_eq!(fields["name"], "华信科技");
    }

    #[test]
    fn rows_are_new_same_possible_repeated_or_invalid() {
        let existing = vec![Existing {
            id: Uuid::now_v7(),
            name: "北京华信科技有限公司".into(),
            owner: Some("刘洋".into()),
            keys: CustomerKeys::of("北京华信科技有限公司", None, None),
        }];
        let mapping = map_header(&strings(&["名称", "电话"])).unwrap();
        let row = |cells: &[&str]| row_fields(&mapping, &strings(cells));
        assert_eq!(
            classify(2, row(&["华信科技（北京）有限公司", ""]), &[], &existing).status,
            RowStatus::Same
        );
        assert_eq!(
            classify(3, row(&["华信", ""]), &[], &existing).status,
            RowStatus::Possible
        );
        assert_eq!(
            classify(4, row(&["南京立达电子", ""]), &[], &existing).status,
            RowStatus::New
        );
        let earlier = [CustomerKeys::of("南京立达电子", None, None)];
        assert_eq!(
            classify(5, row(&["南京立达电子有限公司", ""]), &earlier, &existing).status,
            RowStatus::Repeated
        );
        let bad = classify(6, row(&["苏州同创", "n/a"]), &[], &existing);
        assert_eq!(bad.status, RowStatus::Invalid);
        assert!(bad.message.unwrap().contains("phone"));
    }
}
