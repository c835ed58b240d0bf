//! Format-preserving aliases: a card's BIN6 and last 4 around random digits, never a PAN.

use rand::Rng;

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
        if !coffer_dlp::luhn_valid(&alias) {
            return alias;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn aliases_keep_bin_and_last4_but_never_pass_luhn() {
        for _ in 0..2_000 {
            let alias = format_preserving_alias("424242", "4242", 16);
            assert_eq!(alias.len(), 16);
            assert!(alias.starts_with("424242") && alias.ends_with("4242"));
            assert!(!coffer_dlp::luhn_valid(&alias));
        }
    }
}
