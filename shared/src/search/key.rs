//! What a record is found by, prepared once per record, and a typed query
//! prepared once per keystroke, so that matching one against the other is
//! only substring tests: no allocation, no pinyin lookup per record.

use super::fold;
use crate::dedup::{fold_script, folded_name_key, is_legal_form, without_legal_form};
use memchr::memmem::Finder;

/// Separates the parts of a key. `fold` takes every whitespace out of a
/// query word, so no word can match across two parts.
const SEP: char = '\n';

/// Everything one record can be found by, folded, in one string: its name
/// (also in simplified script, without its legal form, in full pinyin and in
/// pinyin initials), its phone digits and its other searchable fields.
/// Beside it, a [`Sketch`] of its bytes, so most keys that cannot hold a
/// word are passed over without searching them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchKey {
    text: String,
    sketch: Sketch,
}

/// Which bytes and which pairs of adjacent bytes occur in a text, hashed
/// into a few bits: a text holding a word holds all of the word's bits, so
/// a key missing one of them cannot hold it. (A key of about a hundred
/// bytes sets about half of the pair bits; a word of four bytes has three
/// pairs, so roughly seven keys in eight without the word are passed over.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sketch {
    bytes: u64,
    pairs: u128,
}

impl Sketch {
    fn of(text: &[u8]) -> Sketch {
        let mut sketch = Sketch::default();
        sketch.add(text);
        sketch
    }

    fn add(&mut self, text: &[u8]) {
        for (i, b) in text.iter().enumerate() {
            self.bytes |= 1 << (b % 64);
            if let Some(next) = text.get(i + 1) {
                let pair = (u32::from(*b) << 8 | u32::from(*next)).wrapping_mul(0x9E37_79B1);
                self.pairs |= 1 << (pair >> 25);
            }
        }
    }

    /// Whether a text with this sketch may hold a word with `word`'s.
    fn may_hold(self, word: Sketch) -> bool {
        word.bytes & !self.bytes == 0 && word.pairs & !self.pairs == 0
    }
}

/// A query word: its searcher and its sketch.
#[derive(Clone, Debug)]
pub struct Word {
    finder: Finder<'static>,
    sketch: Sketch,
}

impl SearchKey {
    /// The key of a record called `name`, with phone numbers (found by their
    /// digits whatever the punctuation) and other text fields.
    pub fn of(name: &str, phones: &[&str], others: &[&str]) -> SearchKey {
        let mut key = SearchKey::default();
        let script = fold_script(name);
        let full = fold(&script);
        key.push(&full);
        // Region and core: 华信科技（北京）有限公司 is also 北京华信科技.
        let parts = folded_name_key(&script);
        let short = fold(&format!("{}{}", parts.region.unwrap_or_default(), parts.core));
        if !full.contains(&short) {
            key.push(&short);
        }
        let (spelled, initials) = pinyin_of(&short, false);
        if spelled != short {
            key.push(&spelled);
            key.push(&initials);
        }
        if short.chars().any(|c| NAME_READINGS.iter().any(|(h, _)| *h == c)) {
            let (spelled, initials) = pinyin_of(&short, true);
            key.push(&spelled);
            key.push(&initials);
        }
        for phone in phones {
            key.push(&digits(phone));
        }
        for other in others {
            key.push(&fold_text(other));
        }
        key
    }

    /// Whether every word of `query` occurs in one part of this key.
    pub fn matches(&self, query: &Query) -> bool {
        match query {
            Query::All => true,
            Query::Nothing => false,
            Query::Words(words) => words
                .iter()
                .all(|w| self.sketch.may_hold(w.sketch) && w.finder.find(self.text.as_bytes()).is_some()),
        }
    }

    fn push(&mut self, part: &str) {
        if part.is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push(SEP);
        }
        self.text.push_str(part);
        self.sketch.add(part.as_bytes());
    }
}

/// What was typed in a search box, ready to match keys.
#[derive(Clone, Debug)]
pub enum Query {
    /// Nothing typed: everything matches.
    All,
    /// Only legal forms typed (`有限公司`, `Co., Ltd.`): they tell no
    /// company from another, so nothing is found by them.
    Nothing,
    /// Each word must occur in a key (searchers built once per query).
    Words(Vec<Word>),
}

impl Query {
    /// Words apart by whitespace, each folded like the keys (width, case,
    /// traditional script). Legal forms are ignored beside other words and
    /// taken off a word's end; a word of digits and phone punctuation
    /// (`(010)6234`, `+86`) keeps its digits.
    pub fn parse(text: &str) -> Query {
        let mut words = Vec::new();
        let mut ignored = false;
        for word in text.split_whitespace() {
            if is_legal_form(word) {
                ignored = true;
                continue;
            }
            let folded = fold_text(word);
            let word = if is_phone_like(&folded) {
                digits(&folded)
            } else {
                without_legal_form(&folded).to_owned()
            };
            if !word.is_empty() {
                words.push(Word {
                    finder: Finder::new(&word).into_owned(),
                    sketch: Sketch::of(word.as_bytes()),
                });
            }
        }
        match (words.is_empty(), ignored) {
            (false, _) => Query::Words(words),
            (true, true) => Query::Nothing,
            (true, false) => Query::All,
        }
    }
}

/// Simplified script, then [`fold`]. The script conversion is slow, and
/// there is nothing to convert in ASCII.
fn fold_text(text: &str) -> String {
    if text.is_ascii() {
        fold(text)
    } else {
        fold(&crate::script::simplified(text))
    }
}

fn digits(text: &str) -> String {
    fold(text).chars().filter(char::is_ascii_digit).collect()
}

fn is_phone_like(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && word.chars().all(|c| c.is_ascii_digit() || "+().".contains(c))
}

/// Readings that names need but the pinyin crate does not give first (it
/// reads 长沙 zhangsha, 重庆 zhongqing, 银行 yinxing, 厦门 shamen). A name
/// holding any of these characters is also spelled with all of them read
/// this way; the crate's reading stays too (董事长, 重工, 大厦).
const NAME_READINGS: [(char, &str); 15] = [
    ('长', "chang"),
    ('重', "chong"),
    ('行', "hang"),
    ('厦', "xia"),
    ('藏', "zang"),
    ('都', "du"),
    ('会', "kuai"),
    ('乐', "yue"),
    ('蚌', "beng"),
    ('番', "pan"),
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('朴', "piao"),
    ('查', "zha"),
];

/// The full pinyin (`beijinghuaxin`) and the initials (`bjhx`) of folded
/// text, `ü` typed as `v` (吕 lv); with `names`, the [`NAME_READINGS`].
/// Letters and digits stand for themselves; other characters drop.
fn pinyin_of(text: &str, names: bool) -> (String, String) {
    let (mut spelled, mut initials) = (String::new(), String::new());
    for c in text.chars() {
        let name_reading = || NAME_READINGS.iter().find(|(h, _)| *h == c).map(|(_, r)| *r);
        let reading = names.then(name_reading).flatten().or_else(|| super::pinyin::plain(c));
        match reading {
            Some(reading) => {
                spelled.extend(reading.chars().map(|c| if c == 'ü' { 'v' } else { c }));
                initials.extend(reading.chars().next());
            }
            None if c.is_alphanumeric() => {
                spelled.push(c);
                initials.push(c);
            }
            None => {}
        }
    }
    (spelled, initials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The sketch only ever passes over keys that cannot hold a word:
        /// a key is found exactly when its text holds every word.
        #[test]
        fn the_sketch_never_hides_a_match(
            name in "[a-z0-9华信科技北京上海贸易]{1,12}",
            other in "[a-z0-9华信科技北京上海贸易]{0,12}",
            typed in "[a-z0-9华信科技北京上海贸易]{1,4}( [a-z0-9华信科技]{1,3})?",
        ) {
            let key = SearchKey::of(&name, &[], &[&other]);
            let query = Query::parse(&typed);
            let plain = match &query {
                Query::Words(words) => words
                    .iter()
                    .all(|w| w.finder.find(key.text.as_bytes()).is_some()),
                Query::All => true,
                Query::Nothing => false,
            };
            prop_assert_eq!(key.matches(&query), plain);
        }
    }

    fn huaxin() -> SearchKey {
        SearchKey::of("北京华信科技有限公司", &["+86 138-0013-8000"], &["北京", "IT"])
    }

    fn finds(key: &SearchKey, typed: &str) -> bool {
        key.matches(&Query::parse(typed))
    }

    #[test]
    fn pinyin_initials_and_full_spelling_find_a_chinese_name() {
        for typed in ["bjhx", "hxkj", "BJHX", "huaxin", "beijinghuaxinkeji", "huaxin keji"] {
            assert!(finds(&huaxin(), typed), "{typed}");
        }
        let decoy = SearchKey::of("上海华新贸易有限公司", &[], &[]);
        assert!(!finds(&decoy, "bjhx"));
        assert!(finds(&decoy, "huaxin"), "华新 is huaxin too");
        assert!(!finds(&decoy, "华信"));
    }

    #[test]
    fn place_names_and_surnames_are_read_as_names_are() {
        let key = SearchKey::of("重庆长安银行股份有限公司", &[], &[]);
        for typed in ["chongqing", "changan", "yinhang", "cqca", "cqcayh", "zhongqing"] {
            assert!(finds(&key, typed), "{typed}");
        }
        for (name, typed) in [
            ("厦门海纳物流有限公司", "xiamen"),
            ("成都天成建材", "chengdu"),
            ("曾丽", "zengli"),
            ("吕强", "lvqiang"),
        ] {
            assert!(finds(&SearchKey::of(name, &[], &[]), typed), "{name} {typed}");
        }
    }

    #[test]
    fn name_fragments_in_either_script_and_width_find_it() {
        for typed in ["华信", "北京 科技", "華信", "ＨＵＡＸＩＮ", "ｂｊｈｘ", "it"] {
            assert!(finds(&huaxin(), typed), "{typed}");
        }
        assert!(!finds(&huaxin(), "华信 上海"), "every word must match");
    }

    #[test]
    fn phone_fragments_match_whatever_the_punctuation() {
        for typed in ["13800138000", "138 0013", "138-0013", "１３８００", "(138)0013", "+86"] {
            assert!(finds(&huaxin(), typed), "{typed}");
        }
        assert!(!finds(&huaxin(), "139"));
    }

    #[test]
    fn a_region_in_parentheses_reads_as_a_prefix() {
        let key = SearchKey::of("华信科技（北京）有限公司", &[], &[]);
        for typed in ["北京华信", "bjhx", "beijinghuaxin", "华信科技"] {
            assert!(finds(&key, typed), "{typed}");
        }
    }

    #[test]
    fn legal_forms_are_not_what_a_customer_is_found_by() {
        let plain = SearchKey::of("华信科技", &[], &[]);
        let decoy = SearchKey::of("上海华新贸易有限公司", &[], &[]);
        // Alone they find nothing, not every company.
        for typed in ["有限公司", "股份有限公司", "Co., Ltd.", "co.,ltd"] {
            assert!(matches!(Query::parse(typed), Query::Nothing), "{typed}");
            assert!(!finds(&huaxin(), typed), "{typed}");
        }
        // Beside a name they are ignored, whichever legal form either side has.
        for typed in [
            "华信 有限公司",
            "华信科技有限公司",
            "华信科技股份有限公司",
            "hxkj Co., Ltd.",
        ] {
            assert!(finds(&huaxin(), typed), "{typed}");
            assert!(finds(&plain, typed), "{typed}");
            assert!(!finds(&decoy, typed), "{typed}");
        }
        // Still found while the legal form is half typed.
        assert!(finds(&huaxin(), "华信科技有限"));
    }

    #[test]
    fn a_contact_is_found_by_name_pinyin_phone_and_title() {
        let contact = SearchKey::of("张伟", &["139 1234 5678"], &["采购经理"]);
        for typed in ["张伟", "zhangwei", "zw", "zhang", "13912345678", "采购"] {
            assert!(finds(&contact, typed), "{typed}");
        }
        assert!(!finds(&contact, "wangwei"));
    }

    #[test]
    fn blank_query_finds_everything() {
        assert!(matches!(Query::parse(" \u{3000} "), Query::All));
        assert!(finds(&huaxin(), ""));
    }

    #[test]
    fn no_word_matches_across_two_fields() {
        // The phone's digits are followed by the region in the key.
        assert!(finds(&huaxin(), "8000 北京"));
        assert!(!finds(&huaxin(), "8000北京"));
    }
}
