//! Staff passwords: the policy (PCI DSS 8.3.6: at least 12 characters with letters and digits),
//! argon2id hashing and verification off the async threads, a dummy verification so an unknown
//! account costs the same time as a wrong password, and issued one-time passwords (8.3.5).

use crate::cde::intake::IntakeError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

/// Shortest password accepted (PCI DSS 8.3.6).
pub const MIN_LEN: usize = 12;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub const MAX_LEN: usize = 256;
/// A new password may not be one of this many last passwords (PCI DSS 8.3.7).
pub const HISTORY: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error("the hashing task failed")]
    Task,
}

/// At most this many hashes run at once (each takes 19 MiB and a core for tens of ms), so a
/// flood of sign-in attempts queues instead of exhausting memory and the blocking pool.
const CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_HASHES);

/// Runs `work` on a blocking thread once a hashing slot is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PasswordError> {
    let _slot = HASHING.acquire().await.map_err(|_| PasswordError::Task)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| PasswordError::Task)
}

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the policy. `email` is refused as a password too.
pub fn check_policy(password: &str, email: &str) -> Result<(), IntakeError> {
    let len = password.chars().count();
    if len == 0 {
        return Err(IntakeError::missing("new_password"));
    }
    if len < MIN_LEN {
        return Err(IntakeError::invalid_because(
            "new_password",
            "use at least 12 characters",
        ));
    }
    if len > MAX_LEN {
        return Err(IntakeError::invalid_because(
            "new_password",
            "use at most 256 characters",
        ));
    }
    if !password.chars().any(char::is_alphabetic) || !password.chars().any(|c| c.is_ascii_digit()) {
        return Err(IntakeError::invalid_because(
            "new_password",
            "use both letters and digits",
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(IntakeError::invalid_because(
            "new_password",
            "do not use your email address",
        ));
    }
    Ok(())
}

/// Hashes on a blocking thread; returns the PHC string.
pub async fn hash(password: SecretString) -> Result<String, PasswordError> {
    hashing(move || {
        hasher()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|_| PasswordError::Hash)
    })
    .await?
}

/// Verifies on a blocking thread. With `None` (unknown account) it verifies against a dummy
/// hash of the same cost and returns false, so both cases take the same time.
pub async fn verify(password: SecretString, phc: Option<String>) -> Result<bool, PasswordError> {
    hashing(move || {
        let (phc, known) = match phc {
            Some(phc) => (phc, true),
            None => (dummy_hash().to_owned(), false),
        };
        let ok = hasher()
            .verify_password(password.expose_secret().as_bytes(), phc.as_str())
            .is_ok();
        ok && known
    })
    .await
}

/// Whether `password` matches any of `hashes` (the history check), on a blocking thread.
pub async fn matches_any(
    password: SecretString,
    hashes: Vec<String>,
) -> Result<bool, PasswordError> {
    hashing(move || {
        let argon = hasher();
        hashes.iter().any(|phc| {
            argon
                .verify_password(password.expose_secret().as_bytes(), phc.as_str())
                .is_ok()
        })
    })
    .await
}

/// A hash of a random password made once per process with the same parameters.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = crate::token::random_id("dummy");
        hasher()
            .hash_password(random.as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// An issued one-time password: four groups of four from letters and digits without look-alikes
/// (about 80 bits), always with both letters and digits so it passes the policy.
pub fn issue() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    loop {
        let chars: Vec<u8> = (0..16)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect();
        let has_digit = chars.iter().any(u8::is_ascii_digit);
        let has_letter = chars.iter().any(u8::is_ascii_alphabetic);
        if has_digit && has_letter {
            let groups: Vec<String> = chars
                .chunks(4)
                .map(|c| c.iter().map(|&b| char::from(b)).collect())
                .collect();
            return SecretString::from(groups.join("-"));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn policy_needs_twelve_characters_letters_and_digits() {
        let email = "ada@example.com";
        assert!(check_policy("abcdefghij1", email).is_err());
        assert!(check_policy("abcdefghijkl", email).is_err());
        assert!(check_policy("123456789012", email).is_err());
        assert!(check_policy("", email).is_err());
        assert!(check_policy(&"a1".repeat(129), email).is_err());
        assert!(check_policy("abcdefghijk1", email).is_ok());
        assert!(check_policy("Ada@Example.com1", "ada@example.com1").is_err());
        let err = check_policy("short1", email).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("new_password"));
        assert!(!err.message.contains("short1"));
    }

    #[test]
    fn issued_passwords_pass_the_policy_and_differ() {
        let a = issue();
        let b = issue();
        assert!(check_policy(a.expose_secret(), "x@example.com").is_ok());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 19);
    }

    #[tokio::test]
    async fn hash_is_argon2id_and_verifies_only_the_right_password() {
        let phc = hash(SecretString::from("correct horse 1")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            verify(SecretString::from("correct horse 1"), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(SecretString::from("correct horse 2"), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            matches_any(SecretString::from("correct horse 1"), vec![phc])
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !verify(SecretString::from("anything 123"), None)
                .await
                .unwrap()
        );
    }
}
