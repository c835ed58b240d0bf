//! MFA recovery codes: ten single-use codes of 50 random bits, shown once, stored as SHA-256.

use rand::Rng;
use sha2::{Digest, Sha256};

/// How many codes an enrolment issues.
pub const COUNT: usize = 10;

const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Ten fresh codes formatted `xxxxx-xxxxx`.
pub fn generate() -> Vec<String> {
    let mut rng = rand::rng();
    (0..COUNT)
        .map(|_| {
            let c: String = (0..10)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect();
            format!("{}-{}", &c[..5], &c[5..])
        })
        .collect()
}

/// The stored form of a code as typed: spaces and dashes ignored, case-insensitive.
pub fn hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

/// Whether typed text has the shape of a recovery code (ten letters or digits).
pub fn looks_like_code(code: &str) -> bool {
    let n = code.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    n == 10 && code.chars().any(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn ten_distinct_codes_that_hash_the_same_however_typed() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), COUNT);
        let c = &codes[0];
        assert!(looks_like_code(c));
        assert_eq!(hash(c), hash(&c.to_uppercase().replace('-', " ")));
        assert_ne!(hash(c), hash(&codes[1]));
        assert!(!looks_like_code("123456"));
    }
}
