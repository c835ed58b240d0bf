//! Webhook signatures, like Stripe's: `Coffer-Signature: t=<unix seconds>,v1=<hex>` where v1 is
//! HMAC-SHA256 of `"<t>.<body>"` under the endpoint's secret. A receiver recomputes it, compares
//! in constant time, and refuses a timestamp older than its tolerance (replays). Also the retry
//! schedule of deliveries.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::time::Duration;
use zeroize::Zeroizing;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Coffer-Signature";
/// How old a signed timestamp a receiver should accept (five minutes, as Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

/// A fresh endpoint secret: `whsec_` and 256 random bits.
pub fn new_secret() -> Zeroizing<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    Zeroizing::new(format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The header value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("t={timestamp},v1={digest}")
}

/// What a receiver does: the header is well formed, one `v1` matches in constant time, and its
/// timestamp is within `tolerance_secs` of `now`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    signatures
        .iter()
        .any(|sig| mac(secret, t, body).is_some_and(|m| m.verify_slice(sig).is_ok()))
}

/// The wait before try `attempt + 1` after `attempt` failed tries (1-based): `first`, then
/// doubling, at most six hours.
pub fn retry_delay(first: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
    first
        .saturating_mul(factor)
        .min(Duration::from_secs(6 * 3600))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let secret = b"whsec_test";
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(secret, 1_800_000_000, body);
        assert!(header.starts_with("t=1800000000,v1="));
        assert!(verify(secret, &header, body, 1_800_000_100, 300));
        assert!(!verify(
            secret,
            &header,
            br#"{"id":"evt_2"}"#,
            1_800_000_100,
            300
        ));
        assert!(!verify(b"whsec_other", &header, body, 1_800_000_100, 300));
        // Replayed after the tolerance.
        assert!(!verify(secret, &header, body, 1_800_000_301, 300));
        assert!(!verify(secret, "v1=00", body, 1_800_000_000, 300));
        assert!(!verify(secret, "t=1800000000", body, 1_800_000_000, 300));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Pinned with Python: hmac.new(b"key", b"1.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign(b"key", 1, b"{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }

    #[test]
    fn retries_back_off_exponentially_up_to_a_cap() {
        let first = Duration::from_secs(30);
        assert_eq!(retry_delay(first, 1), Duration::from_secs(30));
        assert_eq!(retry_delay(first, 2), Duration::from_secs(60));
        assert_eq!(retry_delay(first, 4), Duration::from_secs(240));
        assert_eq!(retry_delay(first, 30), Duration::from_secs(6 * 3600));
    }

    #[test]
    fn secrets_are_random() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(*a, *b);
        assert!(a.starts_with("whsec_") && a.len() == 49);
    }
}
