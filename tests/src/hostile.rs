//! Files an attacker would upload, made by the tests themselves: a tiny
//! XLSX that claims a sheet of 17 billion cells, one with a cell far out to
//! the right, and a zip bomb.

use std::io::Write;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

fn cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A workbook whose one sheet has `dimension` and `rows` (already XML),
/// with `padding` bytes of blanks inside the sheet (they deflate to
/// almost nothing).
fn workbook(dimension: &str, rows: &str, padding: usize) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        out.start_file(name, deflated).unwrap();
        out.write_all(body.as_bytes()).unwrap();
    }
    out.start_file(
        "xl/worksheets/sheet1.xml",
        deflated.large_file(padding > u32::MAX as usize / 2),
    )
    .unwrap();
    out.write_all(
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/>"#
        )
        .as_bytes(),
    )
    .unwrap();
    let blanks = vec![b' '; 1 << 20];
    let mut left = padding;
    while left > 0 {
        let n = left.min(blanks.len());
        out.write_all(&blanks[..n]).unwrap();
        left -= n;
    }
    out.write_all(format!("<sheetData>{rows}</sheetData></worksheet>").as_bytes())
        .unwrap();
    out.finish().unwrap().into_inner()
}

/// About 1.5 KB that declares the range A1:XFD1048576 and holds a header
/// and one customer.
pub fn xlsx_claiming_the_whole_grid() -> Vec<u8> {
    let rows = format!(
        r#"<row r="1">{}</row><row r="2">{}</row>"#,
        cell("A1", "客户名称"),
        cell("A2", "深圳前海微众测试有限公司")
    );
    workbook("A1:XFD1048576", &rows, 0)
}

/// A header and a row with a stray value in the last column of the grid.
pub fn xlsx_with_a_cell_at_the_far_right() -> Vec<u8> {
    let rows = format!(
        r#"<row r="1">{}</row><row r="2">{}{}</row>"#,
        cell("A1", "客户名称"),
        cell("A2", "华信"),
        cell("XFD2", "x")
    );
    workbook("A1:XFD2", &rows, 0)
}

/// A valid-looking workbook whose sheet inflates to 200 MB.
pub fn xlsx_zip_bomb() -> Vec<u8> {
    let rows = format!(
        r#"<row r="1">{}</row><row r="2">{}</row>"#,
        cell("A1", "客户名称"),
        cell("A2", "华信")
    );
    workbook("A1:A2", &rows, 200 << 20)
}
