//! The console search box: what a query may be, and the refusal of full card numbers (which
//! must never reach a URL, a log or a server-side search).

use crate::error::ConsoleError;

/// The longest query accepted.
pub const MAX_LEN: usize = 100;

/// How a checked query is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchKind {
    /// `pm_…`: a payment method token.
    Token(String),
    /// First 6–8 digits and last 4, written with a separator: `424242…4242`, `424242 4242`.
    BinLast4 { bin: String, last4: String },
    /// Anything else: a customer reference, matched exactly.
    Customer(String),
}

/// Trims and checks a query; a full card number (the one detector, `coffer_dlp`) is refused
/// without being echoed.
pub fn check(q: &str) -> Result<String, ConsoleError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(ConsoleError::field(
            "q",
            "Type a customer reference, a token (pm_…), or the first 6 and last 4 digits.",
        ));
    }
    if coffer_dlp::contains_card_number(q) {
        return Err(ConsoleError::field(
            "q",
            "Full card numbers are not accepted. Search with the first 6 and last 4 digits, \
             for example 424242…4242.",
        ));
    }
    if q.chars().count() > MAX_LEN || q.chars().any(char::is_control) {
        return Err(ConsoleError::field(
            "q",
            "A search is at most 100 characters, without control characters.",
        ));
    }
    Ok(q.to_owned())
}

/// Reads a checked query.
pub fn classify(q: &str) -> SearchKind {
    if q.starts_with("pm_") {
        return SearchKind::Token(q.to_owned());
    }
    let groups: Vec<&str> = q
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let only_digits_and_separators = q
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '*' | '…' | '.' | '-'));
    if only_digits_and_separators
        && let [bin, last4] = groups.as_slice()
        && (6..=8).contains(&bin.len())
        && last4.len() == 4
    {
        return SearchKind::BinLast4 {
            bin: (*bin).to_owned(),
            last4: (*last4).to_owned(),
        };
    }
    SearchKind::Customer(q.to_owned())
}

/// Percent-encodes a query for `/search?q=`.
pub fn encode(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for b in q.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_full_card_number_is_refused_without_being_echoed() {
        for pan in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "4242-4242-4242-4242",
            " 378282246310005 ",
            "4242.4242.4242.4242",
            "cus 4242424242424242",
            "pm_4242424242424242",
        ] {
            let err = check(pan).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("q"));
            assert!(!err.message.contains("4242424242"), "{}", err.message);
            assert!(!err.message.contains(pan.trim()));
        }
    }

    #[test]
    fn queries_are_read_as_token_bin_last4_or_customer() {
        assert_eq!(classify("pm_abc"), SearchKind::Token("pm_abc".into()));
        for q in [
            "424242…4242",
            "424242 4242",
            "42424242*4242",
            "424242...4242",
        ] {
            assert!(
                matches!(classify(q), SearchKind::BinLast4 { ref last4, .. } if last4 == "4242"),
                "{q}"
            );
        }
        assert_eq!(classify("cus_123"), SearchKind::Customer("cus_123".into()));
        assert_eq!(
            classify("12345 6789"),
            SearchKind::Customer("12345 6789".into())
        );
    }

    #[test]
    fn empty_long_and_control_queries_are_refused() {
        assert!(check("   ").is_err());
        assert!(check(&"a".repeat(101)).is_err());
        assert!(check("a\u{0}b").is_err());
        assert_eq!(check("  cus_1 ").unwrap(), "cus_1");
    }

    #[test]
    fn encode_escapes_everything_but_unreserved() {
        assert_eq!(encode("424242…4242"), "424242%E2%80%A64242");
        assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
    }
}
