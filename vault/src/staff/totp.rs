//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) for staff MFA: key generation, the
//! `otpauth://` URI for authenticator apps, and checking a code to the time step it matched
//! (the caller refuses a step not newer than the last one accepted: no replay, PCI DSS 8.5.1).

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Coffer";

/// A fresh 160-bit key.
pub fn new_key() -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(vec![0u8; 20]);
    rand::rng().fill_bytes(&mut key);
    key
}

fn totp(key: &[u8], account: &str) -> Option<Totp> {
    totp_for(key, ISSUER, account)
}

fn totp_for(key: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(key.to_vec()))
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .ok()
}

/// The key in base32 (for manual entry), grouped in fours.
pub fn manual_key(key: &[u8]) -> String {
    let b32 = Secret::from(key.to_vec()).to_base32();
    b32.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key back from its manual-entry form (what an authenticator app does with it).
pub fn key_from_manual(manual: &str) -> Option<Vec<u8>> {
    let compact: String = manual.chars().filter(|c| !c.is_whitespace()).collect();
    Secret::try_from_base32(compact)
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The `otpauth://totp/…` URI authenticator apps read from the QR code.
pub fn uri(key: &[u8], account: &str) -> Option<String> {
    totp(key, account)?.to_url().ok()
}

/// The URI with another issuer (a merchant's name for its customers' authenticators).
pub fn uri_for(key: &[u8], issuer: &str, account: &str) -> Option<String> {
    let issuer: String = issuer.chars().filter(|c| *c != ':').collect();
    totp_for(key, &issuer, account)?.to_url().ok()
}

/// The time step `code` matches at unix time `now_secs` (±1 step), if any.
pub fn check(key: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(key, "check")?;
    t.check(&code, now_secs)
}

/// The code for unix time `now_secs` (tests and the demo seeding only).
pub fn code_at(key: &[u8], now_secs: u64) -> Option<String> {
    Some(totp(key, "code")?.generate(now_secs).to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: key "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // its last six digits are the 6-digit code.
        let key = b"12345678901234567890";
        assert_eq!(code_at(key, 59).unwrap(), "287082");
        assert!(check(key, "287082", 59).is_some());
    }

    #[test]
    fn a_code_matches_its_step_and_neighbours_only() {
        let key = new_key();
        let now = 1_800_000_000;
        let code = code_at(&key, now).unwrap();
        let step = check(&key, &code, now).unwrap();
        assert_eq!(step, now / 30);
        assert!(check(&key, &code, now + 30).is_some());
        assert!(check(&key, &code, now + 90).is_none());
        assert!(check(&key, "12345", now).is_none());
        assert!(check(&key, "abcdef", now).is_none());
    }

    #[test]
    fn uri_and_manual_key_carry_the_key() {
        let key = new_key();
        let uri = uri(&key, "ada@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Coffer:ada%40example.com?"),
            "{uri}"
        );
        let manual = manual_key(&key);
        assert!(uri.contains(&manual.replace(' ', "")), "{uri} {manual}");
        assert_eq!(key_from_manual(&manual).unwrap(), key.to_vec());
    }
}
