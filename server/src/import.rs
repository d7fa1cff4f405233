//! Reading an uploaded spreadsheet into rows of text: XLSX (the first
//! sheet) or CSV in UTF-8 or, as Chinese Excel saves it, GB18030.
//!
//! An upload is hostile until read: a few kilobytes of XLSX can declare a
//! sheet of 17 billion cells or inflate to gigabytes. So nothing is sized by
//! what the file says. Every zip entry is inflated once into a counter
//! first, under a hard bound, and the sheet is streamed cell by cell under
//! the row and column limits, so memory follows the cells actually there.

use std::io::{Cursor, Read};

/// Columns a sheet may use: the customer fields need a handful.
pub const MAX_COLUMNS: usize = 64;
/// Bytes all of an XLSX file's parts may inflate to together.
pub const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// Parts an XLSX file may hold (a plain workbook has about ten).
const MAX_ZIP_ENTRIES: usize = 200;
/// Bytes one cell may hold: a customer's notes fit many times over.
pub const MAX_CELL_BYTES: usize = 8 * 1024;
/// Bytes of text a whole sheet may hold once read: shared strings can be
/// pointed at by many cells, so this is counted per cell.
const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// The file's rows as text cells, header first; `Err` says what is wrong
/// with the file in words a person can act on.
pub fn read_table(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        check_inflation(bytes)?;
        read_xlsx(bytes, max_rows)?
    } else {
        read_csv(bytes, max_rows)?
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.len() < 2 {
        return Err("the file has no rows under its header".into());
    }
    if rows.len() > max_rows + 1 {
        return Err(too_many_rows(max_rows));
    }
    Ok(rows)
}

fn too_many_rows(max_rows: usize) -> String {
    format!("the file has more than {max_rows} rows; import at most {max_rows} at a time")
}

fn too_many_columns() -> String {
    format!("the sheet uses more than {MAX_COLUMNS} columns; keep the customers in the first {MAX_COLUMNS}")
}

/// Inflates every part of the zip into nothing, counting, so a part that
/// lies about its size is caught by what it really gives.
fn check_inflation(bytes: &[u8]) -> Result<(), String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("this is not a readable XLSX file ({e})");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "the file holds {} parts; a workbook has far fewer",
            archive.len()
        ));
    }
    let too_big = || {
        format!(
            "the file unpacks to more than {} MB; split it or save it again from Excel",
            MAX_INFLATED_BYTES / (1024 * 1024)
        )
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| unreadable(&e))?;
        if entry.size() > MAX_INFLATED_BYTES {
            return Err(too_big());
        }
        let left = MAX_INFLATED_BYTES - total;
        total += std::io::copy(&mut entry.take(left + 1), &mut std::io::sink()).map_err(|e| unreadable(&e))?;
        if total > MAX_INFLATED_BYTES {
            return Err(too_big());
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    use calamine::{DataType, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("this is not a readable XLSX file ({e})"))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the workbook has no sheets")?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| format!("the first sheet cannot be read ({e})"))?;
    // Rows by their place in the sheet; only rows with a value get one.
    let mut rows: std::collections::BTreeMap<u32, Vec<String>> = std::collections::BTreeMap::new();
    let mut text_bytes = 0usize;
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("the first sheet cannot be read ({e})"))?
    {
        // Measured before it is copied: one huge shared string named by
        // every cell must not be copied into each of them.
        let value = cell.get_value();
        if value.get_string().is_some_and(|s| s.len() > MAX_CELL_BYTES) {
            return Err(format!(
                "a cell holds more than {} KB of text; shorten it",
                MAX_CELL_BYTES / 1024
            ));
        }
        let text = calamine::Data::from(value.clone()).to_string();
        text_bytes += text.len();
        if text_bytes > MAX_TEXT_BYTES {
            return Err(format!(
                "the sheet holds more than {} MB of text; split it into smaller files",
                MAX_TEXT_BYTES / (1024 * 1024)
            ));
        }
        if text.trim().is_empty() {
            continue;
        }
        let (row, column) = cell.get_position();
        let column = column as usize;
        if column >= MAX_COLUMNS {
            return Err(too_many_columns());
        }
        if !rows.contains_key(&row) && rows.len() > max_rows {
            return Err(too_many_rows(max_rows));
        }
        let cells = rows.entry(row).or_default();
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    Ok(rows.into_values().collect())
}

fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err("the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX".into());
            }
            text
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("the CSV cannot be read: {e}"))?;
        if record.len() > MAX_COLUMNS {
            return Err(too_many_columns());
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() > max_rows {
            return Err(too_many_rows(max_rows));
        }
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_bom_or_gbk_reads_the_same() {
        let text = "名称,电话\n北京华信科技有限公司,010-62345678\n";
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        let (gbk, _, _) = encoding_rs::GB18030.encode(text);
        for bytes in [text.as_bytes().to_vec(), with_bom, gbk.into_owned()] {
            let rows = read_table(&bytes, 10).unwrap();
            assert_eq!(rows[1], ["北京华信科技有限公司", "010-62345678"]);
        }
    }

    #[test]
    fn empty_oversized_and_broken_files_are_explained() {
        assert!(read_table("名称\n".as_bytes(), 10).unwrap_err().contains("no rows"));
        assert!(read_table("名称\na\nb\nc\n".as_bytes(), 2)
            .unwrap_err()
            .contains("at most 2"));
        let wide = format!("{}\n{}\n", vec!["名称"; MAX_COLUMNS + 1].join(","), "a");
        assert!(read_table(wide.as_bytes(), 10).unwrap_err().contains("columns"));
        assert!(read_table(b"PK\x03\x04broken", 10).unwrap_err().contains("XLSX"));
    }
}
