//! The vault facade's error: what a caller (the HTTP layer) needs to pick a status and code.
//! Messages never carry request contents.

use crate::access::Denied;
use crate::cde::intake::IntakeError;
use crate::cde::keys::{HsmError, KeyRingError};
use crate::cde::seal::SealError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The request was malformed or the payment details are invalid (field-level).
    #[error("invalid request: {0}")]
    Invalid(#[from] IntakeError),
    /// Missing or unknown credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// The actor lacks the permission (the denial has been audited).
    #[error("forbidden: {0}")]
    Denied(#[from] Denied),
    /// A TOTP or recovery code was wrong or already used.
    #[error("the code is wrong or was already used")]
    InvalidCode,
    #[error("no such record")]
    NotFound,
    /// A worker task failed (e.g. password hashing); nothing was done.
    #[error("temporarily unavailable")]
    Unavailable,
    /// The method exists but its secret part has been destroyed.
    #[error("the payment method has been shredded")]
    Shredded,
    /// The method is on file but cannot be used for an order (expired, archived, replaced).
    #[error("the payment method is not usable in its current state")]
    NotUsable,
    /// A merchant-initiated use named a mandate that is pending or cancelled.
    #[error("the mandate is not active")]
    MandateInactive,
    /// A customer link is unknown, expired or already used.
    #[error("the link has expired or was already used")]
    LinkExpired,
    /// A reveal named a use that is not approved (yet).
    #[error("the use is not approved")]
    UseNotApproved,
    /// Passkeys are not available: the public URL cannot serve as a WebAuthn relying party.
    #[error("passkeys are not available on this site")]
    PasskeysUnavailable,
    /// The audit chain does not hold together, so it was not signed (the text says where; it
    /// names sequence numbers only).
    #[error("the audit chain is broken: {0}")]
    AuditChain(String),
    /// A forward reached no usable answer from its connection (the code says why: timeout,
    /// unreachable or TLS, answer too large, unusable settings). The request may or may not
    /// have arrived.
    #[error("the connection failed: {0}")]
    Upstream(crate::relay::UpstreamError),
    /// The PSP answered, but did not vault the card (its error code, when it gave a plain one).
    #[error("the PSP refused the card")]
    PspRefused(Option<String>),
    #[error("storage failure")]
    Store(#[from] StoreError),
    #[error("HSM failure")]
    Hsm(#[from] HsmError),
    #[error("key ring failure")]
    KeyRing(#[from] KeyRingError),
    #[error("cryptographic failure")]
    Seal(#[from] SealError),
}

impl From<sqlx::Error> for VaultError {
    fn from(e: sqlx::Error) -> Self {
        VaultError::Store(StoreError::from(e))
    }
}
