//! `Email`: a staff account's sign-in name, trimmed and lower-cased.

use crate::cde::intake::IntakeError;

/// A plausible email address: 3–254 characters, one `@` with text either side and a dot in the
/// domain, no whitespace or control characters. Stored lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, IntakeError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(IntakeError::missing("email"));
        }
        let ok = (3..=254).contains(&email.chars().count())
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if ok && !coffer_dlp::contains_card_number(&email) {
            Ok(Email(email))
        } else {
            Err(IntakeError::invalid("email"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a@b@c.com",
            "ada@example",
            "a b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepted_is_lowercase(s in "\\PC{0,300}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(e.as_str(), e.as_str().to_lowercase());
                prop_assert!(e.as_str().contains('@'));
            }
        }
    }
}
