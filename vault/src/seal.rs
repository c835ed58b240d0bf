//! AES-256-GCM sealing of secret payloads, bound to their row and key by the AAD.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use rand::RngCore;
use zeroize::Zeroizing;

/// A data-encryption key in memory: the AES-256-GCM cipher and the id it is stored under.
/// The key bytes live only inside the cipher state, which zeroizes on drop.
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl DataKey {
    /// Builds a data key from its clear bytes (which the caller zeroizes).
    pub fn new(id: String, bytes: &[u8; 32]) -> Self {
        Self {
            id,
            cipher: Aes256Gcm::new(bytes.into()),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
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
        DataKey::new(id.to_owned(), &[byte; 32])
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
