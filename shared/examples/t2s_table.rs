//! Writes `shared/src/script/t2s.bin`, the table of traditional characters
//! and their simplified forms `script::simplified` uses: every character
//! of the CJK Unified Ideographs block that the `simplet2s` crate changes
//! on its own, as pairs of two-byte code points, little-endian, sorted.
//! Run it again, and commit what it writes, when that crate's data changes:
//!
//!     cargo run -p yingpan-shared --example t2s_table
//!
//! `script`'s tests check the table against the crate for every character,
//! so a stale table fails them.

fn main() {
    let mut table = Vec::new();
    for code in 0x4E00_u16..=0x9FFF {
        let Some(c) = char::from_u32(u32::from(code)) else {
            continue;
        };
        let converted = simplet2s::convert(&c.to_string());
        let mut chars = converted.chars();
        let (Some(to), None) = (chars.next(), chars.next()) else {
            panic!("{c} becomes {converted}, not one character");
        };
        if to != c {
            let to = u16::try_from(to as u32).expect("a simplified form outside the BMP");
            table.extend(code.to_le_bytes());
            table.extend(to.to_le_bytes());
        }
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/script/t2s.bin");
    std::fs::write(path, &table).expect("write the table");
    println!("{path}: {} bytes, {} characters", table.len(), table.len() / 4);
}
