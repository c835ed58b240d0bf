//! Random identifiers (tokens, request and incident ids). Nothing here is ever derived from a PAN.

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
}
