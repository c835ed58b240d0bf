//! Random identifiers and format-preserving aliases. Nothing here is ever derived from a PAN.

use rand::Rng;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random identifier: `prefix_` followed by 24 base62 characters (≈ 142 bits from the OS-seeded
/// CSPRNG). Identifiers carry no information about the data they name.
pub fn random_id(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut out = String::with_capacity(prefix.len() + 25);
    out.push_str(prefix);
    out.push('_');
    for _ in 0..24 {
        out.push(BASE62[rng.random_range(0..62)] as char);
    }
    out
}

/// A format-preserving alias for a card: the real BIN6 and last 4 around random middle digits,
/// with the whole number deliberately failing the Luhn check so it can never pass for a PAN.
pub fn format_preserving_alias(bin6: &str, last4: &str, len: usize) -> String {
    let mut rng = rand::rng();
    let middle_len = len.saturating_sub(10).max(2);
    loop {
        let mut alias = String::with_capacity(len);
        alias.push_str(bin6);
        for _ in 0..middle_len {
            alias.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        alias.push_str(last4);
        if !crate::card::luhn_valid(&alias) {
            return alias;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_have_prefix_length_and_do_not_repeat() {
        let ids: HashSet<String> = (0..10_000).map(|_| random_id("pm")).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(50) {
            assert!(id.starts_with("pm_"));
            assert_eq!(id.len(), 27);
            assert!(id[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn aliases_keep_bin_and_last4_but_never_pass_luhn() {
        for _ in 0..2_000 {
            let alias = format_preserving_alias("424242", "4242", 16);
            assert_eq!(alias.len(), 16);
            assert!(alias.starts_with("424242") && alias.ends_with("4242"));
            assert!(!crate::card::luhn_valid(&alias));
        }
    }
}
