//! Signatures over audit statements (checkpoints, archives, exports): ECDSA P-256 made inside the
//! HSM with a non-extractable key, checked in software with the public key alone, so an assessor
//! needs no HSM (OpenSSL verifies them too: see `docs/audit.md`).

use crate::cde::keys::{Hsm, HsmError};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

/// Signs SHA-256 of `message` in the HSM; returns `r || s` (64 bytes).
pub fn sign(hsm: &Hsm, message: &[u8]) -> Result<Vec<u8>, HsmError> {
    hsm.sign_digest(&Sha256::digest(message).into())
}

/// Whether `signature` (`r || s`, or DER) is a valid signature of `message` under `public_key`
/// (SEC1 bytes).
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_sec1_bytes(public_key) else {
        return false;
    };
    let parsed = Signature::from_slice(signature).or_else(|_| Signature::from_der(signature));
    parsed.is_ok_and(|sig| key.verify(message, &sig).is_ok())
}

/// A short, stable name for a public key: the first 16 bytes of its SHA-256, in hex.
pub fn key_id(public_key: &[u8]) -> String {
    hex::encode(&Sha256::digest(public_key)[..16])
}

/// The public key as a PEM SubjectPublicKeyInfo (what `openssl dgst -verify` takes).
pub fn public_key_pem(public_key: &[u8]) -> Option<String> {
    let key = p256::PublicKey::from_sec1_bytes(public_key).ok()?;
    key.to_public_key_pem(LineEnding::LF).ok()
}

/// Reads a PEM SubjectPublicKeyInfo back into SEC1 bytes.
pub fn public_key_from_pem(pem: &str) -> Option<Vec<u8>> {
    use p256::pkcs8::DecodePublicKey;
    let key = p256::PublicKey::from_public_key_pem(pem).ok()?;
    Some(key.to_sec1_bytes().to_vec())
}

/// A raw `r || s` signature in DER (the encoding OpenSSL expects).
pub fn to_der(signature: &[u8]) -> Option<Vec<u8>> {
    Signature::from_slice(signature)
        .ok()
        .map(|s| s.to_der().as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;

    #[test]
    fn software_verification_accepts_only_the_signed_message() {
        let signing = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let public = signing.verifying_key().to_sec1_bytes();
        let sig: Signature = signing.sign(b"checkpoint");
        assert!(verify(&public, b"checkpoint", &sig.to_bytes()));
        assert!(verify(&public, b"checkpoint", sig.to_der().as_bytes()));
        assert!(!verify(&public, b"checkpoinT", &sig.to_bytes()));
        assert!(!verify(&public, b"checkpoint", &[0u8; 64]));
        let pem = public_key_pem(&public).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(public_key_from_pem(&pem).unwrap(), public.to_vec());
        assert_eq!(key_id(&public).len(), 32);
    }
}
