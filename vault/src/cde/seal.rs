//! AES-256-GCM sealing of secret payloads, bound to their row and key by the AAD. Each data key
//! seals only as many payloads as the database reserved for it (random 96-bit nonces stay safe
//! for 2^32 encryptions under one key, NIST SP 800-38D 8.3), so the key ring can rotate first.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use rand::RngCore;
use std::sync::atomic::{AtomicI64, Ordering};
use zeroize::Zeroizing;

/// A data-encryption key in memory: the AES-256-GCM cipher, the id it is stored under, and how
/// many more encryptions this process may make with it. The key bytes live only inside the
/// cipher state, which zeroizes on drop.
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
    budget: AtomicI64,
}

impl DataKey {
    /// Builds a data key from its clear bytes (which the caller zeroizes). It seals nothing
    /// until encryptions are reserved for it ([`DataKey::add_budget`]).
    pub fn new(id: String, bytes: &[u8; 32]) -> Self {
        Self {
            id,
            cipher: Aes256Gcm::new(bytes.into()),
            budget: AtomicI64::new(0),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encryptions left of those reserved.
    pub fn budget(&self) -> i64 {
        self.budget.load(Ordering::Acquire)
    }

    /// Adds `n` reserved encryptions.
    pub(crate) fn add_budget(&self, n: i64) {
        self.budget.fetch_add(n, Ordering::AcqRel);
    }

    /// Takes one encryption from the budget, or says there is none left.
    fn take_one(&self) -> bool {
        self.budget
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                (left > 0).then(|| left - 1)
            })
            .is_ok()
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({}, <hidden>)", self.id)
    }
}

/// A sealed payload as stored: which key, which nonce, and the ciphertext with its tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("encryption failed")]
    Encrypt,
    #[error("the ciphertext does not open under this key and record (tampered or moved)")]
    Open,
    #[error("the ciphertext names key {0}, which is not loaded")]
    WrongKey(String),
    #[error("the data key has no reserved encryptions left (rotation pending)")]
    Exhausted,
}

fn aad(record_id: &str, key_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + record_id.len() + key_id.len());
    aad.extend_from_slice(b"coffer.pm.v1\0");
    aad.extend_from_slice(record_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key_id.as_bytes());
    aad
}

/// Encrypts `plaintext` for the row `record_id` under `key` with a fresh random 96-bit nonce.
pub fn seal(key: &DataKey, record_id: &str, plaintext: &[u8]) -> Result<Sealed, SealError> {
    if !key.take_one() {
        return Err(SealError::Exhausted);
    }
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let aad = aad(record_id, &key.id);
    let ciphertext = key
        .cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Encrypt)?;
    Ok(Sealed {
        key_id: key.id.clone(),
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Decrypts a sealed payload; fails if the ciphertext, nonce, key id or row id differ from sealing.
pub fn open(
    key: &DataKey,
    record_id: &str,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    if sealed.key_id != key.id {
        return Err(SealError::WrongKey(sealed.key_id.clone()));
    }
    let nonce: [u8; 12] = sealed
        .nonce
        .as_slice()
        .try_into()
        .map_err(|_| SealError::Open)?;
    let aad = aad(record_id, &key.id);
    key.cipher
        .decrypt(
            &nonce.into(),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Open)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn key(id: &str, byte: u8) -> DataKey {
        let k = DataKey::new(id.to_owned(), &[byte; 32]);
        k.add_budget(100);
        k
    }

    #[test]
    fn a_key_seals_only_what_was_reserved_for_it() {
        let k = DataKey::new("dek_1".into(), &[7; 32]);
        assert_eq!(seal(&k, "pm_a", b"x"), Err(SealError::Exhausted));
        k.add_budget(2);
        assert!(seal(&k, "pm_a", b"x").is_ok());
        assert!(seal(&k, "pm_b", b"x").is_ok());
        assert_eq!(seal(&k, "pm_c", b"x"), Err(SealError::Exhausted));
        assert_eq!(k.budget(), 0);
        // Opening needs no budget.
        k.add_budget(1);
        let sealed = seal(&k, "pm_d", b"x").unwrap();
        assert_eq!(&**open(&k, "pm_d", &sealed).unwrap(), b"x");
    }

    #[test]
    fn round_trips_for_its_own_row() {
        let k = key("dek_1", 7);
        let sealed = seal(&k, "pm_a", b"secret").unwrap();
        assert_eq!(&**open(&k, "pm_a", &sealed).unwrap(), b"secret");
    }

    #[test]
    fn ciphertext_moved_to_another_row_fails() {
        let k = key("dek_1", 7);
        let sealed = seal(&k, "pm_a", b"secret").unwrap();
        assert_eq!(open(&k, "pm_b", &sealed), Err(SealError::Open));
    }

    #[test]
    fn relabelled_key_id_or_flipped_bit_fails() {
        let k = key("dek_1", 7);
        let other = key("dek_2", 7);
        let mut sealed = seal(&k, "pm_a", b"secret").unwrap();
        let mut relabelled = sealed.clone();
        relabelled.key_id = "dek_2".into();
        assert_eq!(open(&other, "pm_a", &relabelled), Err(SealError::Open));
        sealed.ciphertext[0] ^= 1;
        assert_eq!(open(&k, "pm_a", &sealed), Err(SealError::Open));
    }

    #[test]
    fn nonces_are_fresh() {
        let k = key("dek_1", 7);
        let a = seal(&k, "pm_a", b"secret").unwrap();
        let b = seal(&k, "pm_a", b"secret").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn debug_hides_key_material() {
        assert_eq!(format!("{:?}", key("dek_9", 1)), "DataKey(dek_9, <hidden>)");
    }
}
