//! `AlipayAccount`: a checked Alipay user id, email address or E.164 phone number.

use super::error::InstrumentError;
use std::fmt;
use zeroize::Zeroizing;

const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    UserId,
    Email,
    Phone,
}

/// An Alipay account identifier, held in a [`Zeroizing`] buffer:
///
/// - a user id: 16 digits starting `2088`;
/// - an email address: one `@`, a non-empty local part and a dotted domain, at most 254
///   printable ASCII characters;
/// - a phone number in E.164 form: `+` then 8 to 15 digits, not starting with `0`.
///
/// `Debug` shows only the masked form; there is no `Display`, `Clone` or `Serialize`.
pub struct AlipayAccount {
    value: Zeroizing<String>,
    kind: Kind,
}

impl AlipayAccount {
    /// Parses an Alipay account (surrounding whitespace removed). The error never contains
    /// the input.
    pub fn parse(input: &str) -> Result<AlipayAccount, InstrumentError> {
        let s = input.trim();
        let kind = if s.bytes().all(|b| b.is_ascii_digit()) {
            (s.len() == 16 && s.starts_with("2088")).then_some(Kind::UserId)
        } else if let Some(number) = s.strip_prefix('+') {
            is_e164_digits(number).then_some(Kind::Phone)
        } else {
            is_email(s).then_some(Kind::Email)
        };
        let kind = kind.ok_or(InstrumentError::AlipayAccount)?;
        Ok(AlipayAccount {
            value: Zeroizing::new(s.to_owned()),
            kind,
        })
    }

    /// The full account identifier. Use it only to seal the account or compute its
    /// fingerprint; never log, format or persist the result.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// `"user_id"`, `"email"` or `"phone"`.
    pub fn kind(&self) -> &'static str {
        match self.kind {
            Kind::UserId => "user_id",
            Kind::Email => "email",
            Kind::Phone => "phone",
        }
    }

    /// The last four characters.
    pub fn last4(&self) -> &str {
        let v: &str = &self.value;
        let start = v.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        v.get(start..).unwrap_or_default()
    }

    /// The display form: `2088********1234`, `j***@example.com`, `+86******1234`
    /// (`+*****5678` when the number has fewer than 10 digits).
    pub fn masked(&self) -> String {
        let v: &str = &self.value;
        match self.kind {
            Kind::UserId => keep_ends(v, 4, 4),
            Kind::Phone => {
                let digits = v.get(1..).unwrap_or_default();
                let head = if digits.len() >= 10 { 2 } else { 0 };
                format!("+{}", keep_ends(digits, head, 4))
            }
            Kind::Email => {
                let (local, domain) = v.split_once('@').unwrap_or_default();
                let first = local.get(..1).unwrap_or_default();
                format!("{first}***@{domain}")
            }
        }
    }
}

impl fmt::Debug for AlipayAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlipayAccount({})", self.masked())
    }
}

/// `s` (ASCII) with all but the first `head` and last `tail` characters replaced by `*`.
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let len = s.len();
    s.bytes()
        .enumerate()
        .map(|(i, b)| {
            if i < head || i + tail >= len {
                char::from(b)
            } else {
                '*'
            }
        })
        .collect()
}

fn is_e164_digits(number: &str) -> bool {
    (8..=15).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0')
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= MAX_EMAIL_LEN
        && s.bytes().all(|b| b.is_ascii_graphic())
        && (1..=MAX_LOCAL_LEN).contains(&local.len())
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_ids() {
        let a = AlipayAccount::parse("2088123412341234").unwrap();
        assert_eq!(a.kind(), "user_id");
        assert_eq!(a.masked(), "2088********1234");
        assert_eq!(a.last4(), "1234");
        for bad in [
            "208812341234123",
            "20881234123412345",
            "2087123412341234",
            "1234",
        ] {
            assert!(AlipayAccount::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        let a = AlipayAccount::parse(" jane.doe@example.com ").unwrap();
        assert_eq!(a.kind(), "email");
        assert_eq!(a.expose(), "jane.doe@example.com");
        assert_eq!(a.masked(), "j***@example.com");
        assert_eq!(a.last4(), ".com");
        assert!(AlipayAccount::parse("a@b.cn").is_ok());
        let long_local = format!("{}@example.com", "a".repeat(64));
        assert!(AlipayAccount::parse(&long_local).is_ok());
        for bad in [
            "jane@example",
            "@example.com",
            "jane@",
            "jane@@example.com",
            "jane@exa@mple.com",
            "jane doe@example.com",
            "jane@.example.com",
            "jane@example.com.",
            "jane@example..com",
            "jané@example.com",
            "jane.example.com",
        ] {
            assert_eq!(
                AlipayAccount::parse(bad).unwrap_err(),
                InstrumentError::AlipayAccount,
                "{bad}"
            );
        }
        let too_long = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert_eq!(too_long.len(), 255);
        assert!(AlipayAccount::parse(&too_long).is_err());
        assert!(AlipayAccount::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn phones() {
        let a = AlipayAccount::parse("+8613812341234").unwrap();
        assert_eq!(a.kind(), "phone");
        assert_eq!(a.masked(), "+86*******1234");
        assert_eq!(a.last4(), "1234");
        assert_eq!(
            AlipayAccount::parse("+12345678").unwrap().masked(),
            "+****5678"
        );
        assert!(AlipayAccount::parse("+123456789012345").is_ok());
        for bad in [
            "+1234567",
            "+1234567890123456",
            "+0861381234123",
            "+86 138 1234 1234",
            "++8613812341234",
            "+",
        ] {
            assert!(AlipayAccount::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_and_garbage() {
        for bad in ["", "   ", "hello", "2088", "\u{0}"] {
            assert!(AlipayAccount::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_account() {
        for raw in ["2088123412341234", "jane.doe@example.com", "+8613812341234"] {
            let a = AlipayAccount::parse(raw).unwrap();
            let shown = format!("{a:?} {a:#?}");
            assert!(!shown.contains(raw), "{shown}");
        }
        let e = AlipayAccount::parse("2088123412341").unwrap_err();
        assert!(!format!("{e} {e:?}").chars().any(|c| c.is_ascii_digit()));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(a) = AlipayAccount::parse(&s) {
                let _ = (a.masked(), a.last4(), a.kind());
            }
        }

        #[test]
        fn user_ids_always_parse_and_mask(rest in "[0-9]{12}") {
            let id = format!("2088{rest}");
            let a = AlipayAccount::parse(&id).unwrap();
            prop_assert_eq!(a.kind(), "user_id");
            prop_assert_eq!(a.masked(), format!("2088********{}", &rest[8..]));
            let shown = format!("{a:?}");
            prop_assert!(!shown.contains(&id));
        }

        #[test]
        fn phones_always_parse_and_hide_the_middle(number in "[1-9][0-9]{7,14}") {
            let phone = format!("+{number}");
            let a = AlipayAccount::parse(&phone).unwrap();
            prop_assert_eq!(a.kind(), "phone");
            let shown = format!("{a:?}");
            prop_assert!(!shown.contains(&phone));
            prop_assert!(a.masked().chars().filter(|c| c.is_ascii_digit()).count() <= 6);
        }
    }
}
