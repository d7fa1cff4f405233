//! Writes `shared/src/search/pinyin.bin`, the compact table of readings the
//! search uses: for every character from U+4E00 to U+9FFF (the CJK Unified
//! Ideographs block, where the characters of company and personal names
//! are), the index of its first plain reading in `search::pinyin::SYLLABLES`,
//! as two bytes, little-endian; 0 for none. Run it again, and commit what it
//! writes, when the pinyin crate's data changes:
//!
//!     cargo run -p yingpan-shared --example pinyin_table
//!
//! `search::pinyin`'s tests check the table against the crate for every
//! character, so a stale table fails them.

use pinyin::ToPinyin;
use yingpan_shared::search::pinyin::{FIRST, LAST, SYLLABLES};

fn main() {
    let mut table = Vec::with_capacity(((LAST as u32 - FIRST as u32 + 1) * 2) as usize);
    let mut missing = Vec::new();
    for code in FIRST as u32..=LAST as u32 {
        let reading = char::from_u32(code).and_then(|c| c.to_pinyin()).map(|p| p.plain());
        let index = match reading {
            None => 0,
            Some(r) => match SYLLABLES.iter().position(|s| *s == r) {
                Some(i) => i as u16 + 1,
                None => {
                    missing.push(r);
                    0
                }
            },
        };
        table.extend(index.to_le_bytes());
    }
    missing.sort_unstable();
    missing.dedup();
    assert!(missing.is_empty(), "add these readings to SYLLABLES: {missing:?}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/search/pinyin.bin");
    std::fs::write(path, &table).expect("write the table");
    println!("{path}: {} bytes", table.len());
}
