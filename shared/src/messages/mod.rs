//! Messages a person reads, in their language. The server writes every
//! message in English; on the way out it is matched against the patterns in
//! [`zh`] (`{}` stands for a part filled in at run time) and given in
//! Chinese when the request asked for it. Parts filled in are translated
//! again, so "… merged into X; nothing was deleted" translates its tail too.
//! A message with no pattern stays English: never lost, only untranslated.

mod zh;

use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The language of an `Accept-Language` header: Chinese when its first
    /// language is any `zh`, else English.
    pub fn of_header(accept_language: &str) -> Lang {
        let first = accept_language
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// Deepest nesting of translated parts (a part of a part of a message).
const MAX_DEPTH: u8 = 3;

/// `message` in `lang`.
pub fn translate(message: &str, lang: Lang) -> Cow<'_, str> {
    match lang {
        Lang::En => Cow::Borrowed(message),
        Lang::Zh => translate_at(message, 0).map_or(Cow::Borrowed(message), Cow::Owned),
    }
}

fn translate_at(message: &str, depth: u8) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    // The most specific pattern wins: the one with the most fixed text.
    let (pattern, parts) = zh::ZH
        .iter()
        .filter_map(|(en, zh)| captures(en, message).map(|parts| ((en, zh), parts)))
        .max_by_key(|((en, _), _)| en.len() - 2 * en.matches("{}").count())?;
    let (_, chinese) = pattern;
    let mut out = String::with_capacity(chinese.len() + message.len());
    let mut rest = *chinese;
    for part in parts {
        let Some(at) = rest.find("{}") else { break };
        out.push_str(&rest[..at]);
        match translate_at(part, depth + 1) {
            Some(t) => out.push_str(&t),
            None => out.push_str(part),
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The parts of `message` that fill the `{}` of `pattern`, if it matches.
fn captures<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if pieces.len() == 1 {
        return (pattern == message).then(Vec::new);
    }
    let body = message.strip_prefix(first)?.strip_suffix(last)?;
    if message.len() < first.len() + last.len() {
        return None;
    }
    let mut parts = Vec::with_capacity(pieces.len() - 1);
    let mut rest = body;
    for piece in &pieces[1..pieces.len() - 1] {
        let at = rest.find(piece)?;
        parts.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    parts.push(rest);
    parts.iter().all(|p| !p.is_empty()).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_request_reads_chinese_and_an_english_one_english() {
        assert_eq!(Lang::of_header("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::of_header("en-US,zh;q=0.5"), Lang::En);
        assert_eq!(Lang::of_header(""), Lang::En);
        assert_eq!(translate("please sign in", Lang::En), "please sign in");
        assert_ne!(translate("please sign in", Lang::Zh), "please sign in");
    }

    #[test]
    fn parts_filled_in_are_kept_and_translated_again() {
        let message = "this customer was merged into 北京华信 (0190); nothing was deleted";
        let zh = translate(message, Lang::Zh);
        assert!(zh.contains("北京华信") && zh.contains("0190"), "{zh}");
        assert!(!zh.contains("nothing was deleted"), "{zh}");
    }

    #[test]
    fn an_unknown_message_stays_as_it_is() {
        assert_eq!(translate("something nobody wrote", Lang::Zh), "something nobody wrote");
    }

    #[test]
    fn patterns_keep_their_parts_and_never_match_everything() {
        for (en, zh) in zh::ZH {
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{en} / {zh}");
            assert!(en.replace("{}", "").trim().len() > 1, "{en} would match anything");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(
            zh::ZH.iter().all(|(en, _)| seen.insert(*en)),
            "a pattern is listed twice"
        );
    }

    #[test]
    fn captures_follow_the_pattern() {
        assert_eq!(captures("a {} b {}", "a x b y"), Some(vec!["x", "y"]));
        assert_eq!(captures("a {} b", "a  b"), None);
        assert_eq!(
            captures("{} must not be empty", "name must not be empty"),
            Some(vec!["name"])
        );
        assert_eq!(captures("plain", "plain"), Some(vec![]));
        assert_eq!(captures("plain", "plainer"), None);
    }
}
