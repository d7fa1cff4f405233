//! Reading an uploaded spreadsheet into rows of text: XLSX (the first
//! sheet) or CSV in UTF-8 or, as Chinese Excel saves it, GB18030.

use std::io::Cursor;

/// The file's rows as text cells, header first; `Err` says what is wrong
/// with the file in words a person can act on.
pub fn read_table(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, String> {
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.len() < 2 {
        return Err("the file has no rows under its header".into());
    }
    if rows.len() > max_rows + 1 {
        return Err(format!(
            "the file has {} rows; import at most {max_rows} at a time",
            rows.len() - 1
        ));
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("this is not a readable XLSX file ({e})"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheets")?
        .map_err(|e| format!("the first sheet cannot be read ({e})"))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect())
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err("the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX".into());
            }
            text.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.map(|record| record.iter().map(str::to_owned).collect())
                .map_err(|e| format!("the CSV cannot be read: {e}"))
        })
        .collect()
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
        assert!(read_table(b"PK\x03\x04broken", 10).unwrap_err().contains("XLSX"));
    }
}
