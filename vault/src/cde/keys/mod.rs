//! The key hierarchy: a KEK and a fingerprint key inside the HSM (PKCS#11), data keys wrapped by
//! the KEK and stored wrapped, unwrapped only into zeroizing memory.

mod hsm;
mod keyring;
mod module;

pub use hsm::{
    AUDIT_SIGNING_KEY_LABEL, FINGERPRINT_KEY_LABEL, Hsm, HsmConfig, HsmError, KEK_LABEL,
    KeyAttributes,
};
pub use keyring::{KeyRing, KeyRingError, SealLimits};
