//! `HolderName`: a checked cardholder name that cannot smuggle a card number.

use super::error::CardError;
use coffer_dlp::contains_card_number;
use std::fmt;

/// The longest accepted name, in characters.
const MAX_CHARS: usize = 100;

/// A cardholder name: 1 to 100 characters after trimming, no control characters, and nothing
/// that looks like a PAN.
///
/// Not a secret, but `Debug` still prints `HolderName(..)` to keep names out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct HolderName(String);

impl HolderName {
    /// Parses a cardholder name as typed (surrounding whitespace removed).
    pub fn parse(input: &str) -> Result<HolderName, CardError> {
        let name = input.trim();
        let chars = name.chars().count();
        if chars == 0
            || chars > MAX_CHARS
            || name.chars().any(char::is_control)
            || contains_card_number(name)
        {
            return Err(CardError::InvalidName);
        }
        Ok(HolderName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderName(..)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_names_are_accepted_and_trimmed() {
        assert_eq!(
            HolderName::parse("  Jane Q. Doe ").unwrap().as_str(),
            "Jane Q. Doe"
        );
        assert_eq!(
            HolderName::parse("José Núñez-O'Brien").unwrap().as_str(),
            "José Núñez-O'Brien"
        );
        assert_eq!(HolderName::parse("王小明").unwrap().as_str(), "王小明");
        assert!(HolderName::parse("Room 1234").is_ok());
        assert!(HolderName::parse("x").is_ok());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(HolderName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            HolderName::parse(&"é".repeat(101)).unwrap_err(),
            CardError::InvalidName
        );
        assert_eq!(HolderName::parse("").unwrap_err(), CardError::InvalidName);
        assert_eq!(
            HolderName::parse(" \t\n ").unwrap_err(),
            CardError::InvalidName
        );
    }

    #[test]
    fn control_characters_are_rejected() {
        for bad in [
            "Jane\0Doe",
            "Jane\nDoe",
            "Jane\u{7f}",
            "Jane\u{1b}[31m",
            "a\u{85}b",
        ] {
            assert_eq!(
                HolderName::parse(bad).unwrap_err(),
                CardError::InvalidName,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn pan_like_names_are_rejected_without_echoing_them() {
        for bad in [
            "4242424242424242",
            "Jane 4242 4242 4242 4242",
            "x-4242-4242-4242-4242-x",
        ] {
            let e = HolderName::parse(bad).unwrap_err();
            assert_eq!(e, CardError::InvalidName);
            assert!(!format!("{e} {e:?}").chars().any(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn debug_hides_the_name() {
        let name = HolderName::parse("Jane Doe").unwrap();
        assert_eq!(format!("{name:?}"), "HolderName(..)");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(name) = HolderName::parse(&s) {
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(name.as_str().chars().count() <= 100);
            }
        }
    }
}
