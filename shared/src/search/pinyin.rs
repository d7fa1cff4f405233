//! Pinyin readings for the search: a compact table for the characters
//! names are written in (the CJK Unified Ideographs block, U+4E00 to
//! U+9FFF), two bytes each, instead of a crate's table of every character
//! Unicode knows, which made up a large part of the app's download. Each
//! character has its first (most common) reading, without tones.
//! `pinyin.bin` is generated from the `pinyin` crate's data by
//! `cargo run -p yingpan-shared --example pinyin_table`; the tests below
//! check it against the crate for every character.

/// The first and last character of the table.
pub const FIRST: char = '\u{4E00}';
pub const LAST: char = '\u{9FFF}';

/// Every plain reading of a character in the table, in alphabetical order;
/// the table holds an index into this list plus one (0: no reading).
#[rustfmt::skip]
pub const SYLLABLES: [&str; 410] = [
    "a", "ai", "an", "ang", "ao", "ba", "bai", "ban", "bang", "bao", "bei", "ben", "beng", "bi",
    "bian", "biao", "bie", "bin", "bing", "bo", "bu", "ca", "cai", "can", "cang", "cao", "ce",
    "cen", "ceng", "cha", "chai", "chan", "chang", "chao", "che", "chen", "cheng", "chi", "chong",
    "chou", "chu", "chua", "chuai", "chuan", "chuang", "chui", "chun", "chuo", "ci", "cong", "cou",
    "cu", "cuan", "cui", "cun", "cuo", "da", "dai", "dan", "dang", "dao", "de", "den", "deng",
    "di", "dian", "diao", "die", "ding", "diu", "dong", "dou", "du", "duan", "dui", "dun", "duo",
    "e", "ei", "en", "eng", "er", "fa", "fan", "fang", "fei", "fen", "feng", "fiao", "fo", "fou",
    "fu", "ga", "gai", "gan", "gang", "gao", "ge", "gei", "gen", "geng", "gong", "gou", "gu",
    "gua", "guai", "guan", "guang", "gui", "gun", "guo", "ha", "hai", "han", "hang", "hao", "he",
    "hei", "hen", "heng", "hm", "hong", "hou", "hu", "hua", "huai", "huan", "huang", "hui", "hun",
    "huo", "ji", "jia", "jian", "jiang", "jiao", "jie", "jin", "jing", "jiong", "jiu", "ju",
    "juan", "jue", "jun", "ka", "kai", "kan", "kang", "kao", "ke", "ken", "keng", "kong", "kou",
    "ku", "kua", "kuai", "kuan", "kuang", "kui", "kun", "kuo", "la", "lai", "lan", "lang", "lao",
    "le", "lei", "leng", "li", "lia", "lian", "liang", "liao", "lie", "lin", "ling", "liu", "lo",
    "long", "lou", "lu", "luan", "lun", "luo", "lü", "lüe", "m", "ma", "mai", "man", "mang", "mao",
    "me", "mei", "men", "meng", "mi", "mian", "miao", "mie", "min", "ming", "miu", "mo", "mou",
    "mu", "n", "na", "nai", "nan", "nang", "nao", "ne", "nei", "nen", "neng", "ni", "nian",
    "niang", "niao", "nie", "nin", "ning", "niu", "nong", "nou", "nu", "nuan", "nun", "nuo", "nü",
    "nüe", "o", "ou", "pa", "pai", "pan", "pang", "pao", "pei", "pen", "peng", "pi", "pian",
    "piao", "pie", "pin", "ping", "po", "pou", "pu", "qi", "qia", "qian", "qiang", "qiao", "qie",
    "qin", "qing", "qiong", "qiu", "qu", "quan", "que", "qun", "ran", "rang", "rao", "re", "ren",
    "reng", "ri", "rong", "rou", "ru", "rua", "ruan", "rui", "run", "ruo", "sa", "sai", "san",
    "sang", "sao", "se", "sen", "seng", "sha", "shai", "shan", "shang", "shao", "she", "shen",
    "sheng", "shi", "shou", "shu", "shua", "shuai", "shuan", "shuang", "shui", "shun", "shuo",
    "si", "song", "sou", "su", "suan", "sui", "sun", "suo", "ta", "tai", "tan", "tang", "tao",
    "te", "teng", "ti", "tian", "tiao", "tie", "ting", "tong", "tou", "tu", "tuan", "tui", "tun",
    "tuo", "wa", "wai", "wan", "wang", "wei", "wen", "weng", "wo", "wu", "xi", "xia", "xian",
    "xiang", "xiao", "xie", "xin", "xing", "xiong", "xiu", "xu", "xuan", "xue", "xun", "ya", "yan",
    "yang", "yao", "ye", "yi", "yin", "ying", "yo", "yong", "you", "yu", "yuan", "yue", "yun",
    "za", "zai", "zan", "zang", "zao", "ze", "zei", "zen", "zeng", "zha", "zhai", "zhan", "zhang",
    "zhao", "zhe", "zhen", "zheng", "zhi", "zhong", "zhou", "zhu", "zhua", "zhuai", "zhuan",
    "zhuang", "zhui", "zhun", "zhuo", "zi", "zong", "zou", "zu", "zuan", "zui", "zun", "zuo",
];

/// For each character from [`FIRST`] to [`LAST`], its reading's index into
/// [`SYLLABLES`] plus one, two bytes little-endian.
static TABLE: &[u8] = include_bytes!("pinyin.bin");

/// The plain reading of a character (`华` → `hua`, `吕` → `lü`), if it has
/// one in the table.
pub fn plain(c: char) -> Option<&'static str> {
    if !(FIRST..=LAST).contains(&c) {
        return None;
    }
    let at = (c as usize - FIRST as usize) * 2;
    let index = u16::from_le_bytes([*TABLE.get(at)?, *TABLE.get(at + 1)?]);
    SYLLABLES.get(usize::from(index).checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinyin::ToPinyin;

    #[test]
    fn every_character_reads_as_the_pinyin_crate_reads_it() {
        for code in FIRST as u32..=LAST as u32 {
            let c = char::from_u32(code).unwrap();
            assert_eq!(plain(c), c.to_pinyin().map(|p| p.plain()), "{c} (U+{code:04X})");
        }
    }

    #[test]
    fn names_read_as_expected_and_other_characters_have_no_reading() {
        let read: Vec<_> = "北京华信吕".chars().map(plain).collect();
        assert_eq!(read, [Some("bei"), Some("jing"), Some("hua"), Some("xin"), Some("lü")]);
        for c in ['a', '1', '（', '〇', '\u{3400}', '\u{20000}'] {
            assert_eq!(plain(c), None, "{c}");
        }
    }
}
