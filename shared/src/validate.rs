//! Parse, don't validate: text that reaches a record has been checked once,
//! here, and carries its proof in its type.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value was refused, phrased for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} is not a valid phone number: use digits, spaces, dashes and an optional leading +")]
    Phone { field: &'static str },
    #[error("{field} is not a valid email address")]
    Email { field: &'static str },
    /// A record that does not have the shape of its kind.
    #[error("{0}")]
    Record(String),
}

fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    if s.chars().count() > max {
        Err(ValidationError::TooLong { field, max })
    } else {
        Ok(())
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Trims surrounding whitespace and checks the value.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let s = raw.trim();
                if s.is_empty() {
                    return Err(ValidationError::Empty { field: $field });
                }
                check_len($field, s, $max)?;
                let check: fn(&str) -> Result<(), ValidationError> = $check;
                check(s)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A person's or company's name.
    Name, "name", 120, |_| Ok(())
);
text_type!(
    /// A one-line field such as industry, region or job title.
    ShortText, "text", 120, |_| Ok(())
);
text_type!(
    /// Free text such as an address or notes.
    LongText, "text", 4000, |_| Ok(())
);
text_type!(
    /// A phone number as people write it: digits with spaces, dashes,
    /// parentheses and an optional leading `+`.
    Phone, "phone", 32, check_phone
);
text_type!(
    /// An email address (the shape only; delivery proves the rest).
    Email, "email", 254, check_email
);

fn check_phone(s: &str) -> Result<(), ValidationError> {
    let body = s.strip_prefix('+').unwrap_or(s);
    let allowed = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'));
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if allowed && (5..=20).contains(&digits) {
        Ok(())
    } else {
        Err(ValidationError::Phone { field: "phone" })
    }
}

fn check_email(s: &str) -> Result<(), ValidationError> {
    let valid = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ValidationError::Email { field: "email" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_trimmed_and_must_not_be_empty() {
        assert_eq!(
            Name::parse("  北京华信科技有限公司 ").unwrap().as_str(),
            "北京华信科技有限公司"
        );
        assert_eq!(Name::parse("   "), Err(ValidationError::Empty { field: "name" }));
    }

    #[test]
    fn name_length_counts_characters_not_bytes() {
        let sixty_chinese = "华".repeat(60);
        assert!(Name::parse(&sixty_chinese).is_ok());
        assert!(Name::parse(&"华".repeat(121)).is_err());
    }

    #[test]
    fn phones_accept_common_writings_and_refuse_letters() {
        for ok in ["13800138000", "+86 138-0013-8000", "(010) 6552 1234"] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["1234", "138abc00000", "++8613800138000"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("li.wei@huaxin.com.cn").is_ok());
        for bad in ["li.wei", "@huaxin.com", "li@huaxin", "li wei@huaxin.com", "li@.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_values_are_refused_when_deserialised() {
        let err = serde_json::from_str::<Phone>("\"call me\"").unwrap_err();
        assert!(err.to_string().contains("not a valid phone number"));
    }
}
