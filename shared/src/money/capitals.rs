//! An amount in Chinese capitals (大写金额), as printed on quotes,
//! contracts and receipts so a figure cannot be altered: ¥12,345.67 →
//! 壹万贰仟叁佰肆拾伍元陆角柒分.
//!
//! Written by the rules of the People's Bank's 支付结算办法:
//! - 整 after 元 when there are no 角 or 分; none after 分, and none after
//!   角 (where it is optional);
//! - one 零 for any run of zeros inside the number, and one where the
//!   yuan end in zero but 角 follow (¥1,680.32 → 壹仟陆佰捌拾元零叁角贰分),
//!   or where 角 is zero between yuan and 分 (壹万元零伍分);
//! - ten to nineteen in a leading place keep their 壹 (壹拾).

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];

/// `fen` in capitals, with 负 before a negative amount.
pub fn capitals(fen: i64) -> String {
    let sign = if fen < 0 { "负" } else { "" };
    let fen = fen.unsigned_abs();
    let (yuan, jiao, cents) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let mut text = String::from(sign);
    if yuan > 0 {
        text.push_str(&integer(yuan));
        text.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => text.push_str("零元整"),
        (0, 0) => text.push('整'),
        (0, c) => {
            if yuan > 0 {
                text.push('零');
            }
            text.push(DIGITS[c]);
            text.push('分');
        }
        (j, c) => {
            if yuan % 10 == 0 && yuan > 0 {
                text.push('零');
            }
            text.push(DIGITS[j]);
            text.push('角');
            if c > 0 {
                text.push(DIGITS[c]);
                text.push('分');
            }
        }
    }
    text
}

/// A positive whole number in capitals: 亿 and 万 groups of four digits,
/// with one 零 where a group starts with zeros.
fn integer(n: u64) -> String {
    const WAN: u64 = 10_000;
    const YI: u64 = WAN * WAN;
    let (high, unit, low, width) = if n >= YI {
        (integer(n / YI), "亿", n % YI, YI)
    } else if n >= WAN {
        (four(n / WAN), "万", n % WAN, WAN)
    } else {
        return four(n);
    };
    let mut text = high + unit;
    if low > 0 {
        if low < width / 10 {
            text.push('零');
        }
        text.push_str(&integer(low));
    }
    text
}

/// 1 to 9999 in capitals: 壹仟零壹拾, 壹仟零壹, 壹拾.
fn four(n: u64) -> String {
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut text = String::new();
    let mut zeros = false;
    for (i, d) in digits.into_iter().enumerate() {
        if d == 0 {
            zeros = !text.is_empty();
            continue;
        }
        if zeros {
            text.push('零');
            zeros = false;
        }
        text.push(DIGITS[d as usize]);
        text.push_str(PLACES[3 - i]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_bank_writes_them() {
        let cases = [
            (1_234_567, "壹万贰仟叁佰肆拾伍元陆角柒分"),
            (0, "零元整"),
            (100, "壹元整"),
            (5, "伍分"),
            (60, "陆角"),
            (1000, "壹拾元整"),
            (168_032, "壹仟陆佰捌拾元零叁角贰分"),
            (1_000_005, "壹万元零伍分"),
            (10_700_053, "壹拾万柒仟元零伍角叁分"),
            (100_000_500, "壹佰万零伍元整"),
            (101_000, "壹仟零壹拾元整"),
            (100_100, "壹仟零壹元整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (12_340_005_678_900, "壹仟贰佰叁拾肆亿零伍万陆仟柒佰捌拾玖元整"),
            (300_000_000, "叁佰万元整"),
            (-123_450, "负壹仟贰佰叁拾肆元伍角"),
        ];
        for (fen, text) in cases {
            assert_eq!(capitals(fen), text, "{fen} fen");
        }
    }

    #[test]
    fn the_largest_amounts_are_written_without_a_panic() {
        assert!(capitals(i64::MAX).starts_with("玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿"));
        assert!(capitals(i64::MIN).starts_with('负'));
    }
}
