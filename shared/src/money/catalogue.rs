//! Importing products from a spreadsheet: which column is which, what a row
//! becomes, and whether it adds a product or updates one with the same
//! code. The server reads the file (CSV or XLSX) and applies these rules.

use super::records::Product;
use super::{parse_percent, parse_yuan};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Product fields and the column titles (Chinese and English) that name
/// them.
const COLUMNS: [(&str, &[&str]); 7] = [
    ("code", &["编码", "产品编码", "物料编码", "货号", "code", "sku"]),
    ("name", &["名称", "产品名称", "品名", "name", "product"]),
    ("spec", &["规格", "型号", "规格型号", "spec", "model"]),
    ("unit", &["单位", "unit"]),
    ("price", &["单价", "价格", "含税单价", "标准价", "price", "list price"]),
    ("tax", &["税率", "tax", "tax rate"]),
    ("category", &["类别", "分类", "category"]),
];

/// Which field each column fills (`None`: ignored). Code, name and price
/// are needed; the message says which titles work.
pub fn map_header(header: &[String]) -> Result<Vec<Option<&'static str>>, String> {
    let mapping = crate::import::columns_named(header, &COLUMNS);
    for needed in ["code", "name", "price"] {
        if !mapping.contains(&Some(needed)) {
            return Err(
                "the first row must name the columns: 编码 (code), 名称 (name) and 单价 (price) at least".into(),
            );
        }
    }
    Ok(mapping)
}

/// What a row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProductRowStatus {
    New,
    /// A product with this code exists: its fields are replaced.
    Update,
    Invalid,
}

/// One row of the preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub code: String,
    pub name: String,
    pub status: ProductRowStatus,
    #[serde(default)]
    pub message: Option<String>,
}

/// What an import found (and, once confirmed, did).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductReport {
    pub rows: Vec<ProductRow>,
    /// Products added and updated (zero in a preview).
    pub created: usize,
    pub updated: usize,
}

/// The product row `line` describes, as a new product with `id` or as an
/// update of `existing` (same code), or why it cannot be.
pub fn product_of(
    mapping: &[Option<&'static str>],
    cells: &[String],
    id: Uuid,
    existing: Option<&Product>,
) -> Result<Product, String> {
    let cell = |field: &str| {
        mapping
            .iter()
            .position(|m| *m == Some(field))
            .and_then(|i| cells.get(i))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default()
    };
    let mut product = existing.cloned().unwrap_or(Product {
        id,
        tax_bp: 1300,
        active: true,
        ..Product::default()
    });
    product.code = cell("code");
    product.name = cell("name");
    product.spec = cell("spec");
    product.unit = cell("unit");
    product.category = cell("category");
    product.list_fen = parse_yuan(&cell("price"))?;
    let tax = cell("tax");
    if !tax.is_empty() {
        product.tax_bp = parse_percent(&tax)?;
    }
    product.check()?;
    Ok(product)
}

/// Previews every row of `table` (header first) against the products
/// there: new, an update of the one with the same code, or invalid (a
/// code twice in the file is invalid the second time). Returns the report
/// and the products to write.
pub fn preview(
    table: &[Vec<String>],
    existing: &[Product],
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<(ProductReport, Vec<Product>), String> {
    let Some((header, rows)) = table.split_first() else {
        return Err("the file is empty".into());
    };
    let mapping = map_header(header)?;
    let mut report = ProductReport::default();
    let mut products: Vec<Product> = Vec::new();
    for (i, cells) in rows.iter().enumerate() {
        let code_column = mapping.iter().position(|m| *m == Some("code"));
        let code = code_column
            .and_then(|c| cells.get(c))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default();
        let found = existing.iter().find(|p| p.code == code);
        let outcome = if products.iter().any(|p| p.code == code) {
            Err(format!("the code {code} is already on an earlier row"))
        } else {
            product_of(&mapping, cells, new_id(), found)
        };
        let (status, message, name) = match outcome {
            Ok(product) => {
                let name = product.name.clone();
                products.push(product);
                let status = if found.is_some() {
                    ProductRowStatus::Update
                } else {
                    ProductRowStatus::New
                };
                (status, None, name)
            }
            Err(why) => (ProductRowStatus::Invalid, Some(why), String::new()),
        };
        report.rows.push(ProductRow {
            line: i + 2,
            code,
            name,
            status,
            message,
        });
    }
    Ok((report, products))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn rows_become_new_products_updates_or_reasons() {
        let existing = Product {
            id: Uuid::from_u128(1),
            code: "HV-200".into(),
            name: "旧名称".into(),
            list_fen: 1,
            ..Product::default()
        };
        let table = [
            row(&["编码", "名称", "规格型号", "单位", "含税单价", "税率", "备注"]),
            row(&["HV-200", "液压阀", "DN25", "个", "12,800", "13", "x"]),
            row(&["PU-75", "柱塞泵", "", "台", "36500.5", "", ""]),
            row(&["PU-75", "柱塞泵二", "", "台", "1", "", ""]),
            row(&["SN-10", "", "", "只", "860", "", ""]),
            row(&["FL-1", "滤芯", "", "支", "abc", "", ""]),
        ];
        let mut n = 10;
        let (report, products) = preview(&table, &[existing], &mut || {
            n += 1;
            Uuid::from_u128(n)
        })
        .unwrap();
        let statuses: Vec<_> = report.rows.iter().map(|r| r.status).collect();
        use ProductRowStatus::*;
        assert_eq!(statuses, [Update, New, Invalid, Invalid, Invalid]);
        assert_eq!(products[0].id, Uuid::from_u128(1), "the same code updates the product");
        assert_eq!((products[0].name.as_str(), products[0].list_fen), ("液压阀", 1_280_000));
        assert_eq!((products[1].list_fen, products[1].tax_bp), (3_650_050, 1300));
        assert!(report.rows[2].message.as_deref().unwrap().contains("earlier row"));
        assert_eq!(report.rows[3].message.as_deref(), Some("the product name is required"));
        assert_eq!(report.rows[4].line, 6);
    }

    #[test]
    fn a_file_without_the_needed_columns_says_which_titles_work() {
        let err = map_header(&row(&["名称", "单价"])).unwrap_err();
        assert!(err.contains("编码"));
    }
}
