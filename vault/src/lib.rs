//! Coffer's PCI core: the only crate that may hold a PAN or CVC in memory. It parses payment
//! details, fingerprints them in the HSM, seals them with AES-256-GCM under HSM-wrapped data
//! keys, stores them, and audits every operation, allowed or denied.

pub mod access;
pub mod audit;
mod cde;
pub mod clock;
pub mod csv;
pub mod customer;
pub mod demo;
pub mod error;
pub mod lifecycle;
pub mod net;
pub mod relay;
pub mod service;
pub mod staff;
/// Persistence. Private: every read and write goes through a `Vault` operation (and its `Grant`
/// and audit event). The `dev-tools` (benchmark seeders) and `test-support` (integration tests)
/// features make it public; no production build enables either.
#[cfg(any(feature = "dev-tools", feature = "test-support"))]
pub mod store;
#[cfg(not(any(feature = "dev-tools", feature = "test-support")))]
mod store;
pub mod token;
pub mod webhook;

pub use error::VaultError;
pub use service::{Vault, VaultConfig};
pub use store::{Dialect, Synchronous};

/// Field-level errors and the checked inputs every caller shares; the parsers of card data that
/// produce them stay in the CDE.
pub mod intake {
    pub use crate::cde::intake::{
        CustomerRef, DetailsEdit, DetailsForm, EditReason, IntakeError, IntakeErrorKind,
        NICKNAME_KEY,
    };
}

/// The HSM's settings, key labels and seal limits (the keys themselves never leave the CDE).
pub mod keys {
    pub use crate::cde::keys::{
        AUDIT_SIGNING_KEY_LABEL, FINGERPRINT_KEY_LABEL, Hsm, HsmConfig, KEK_LABEL, KeyAttributes,
        SealLimits,
    };
}

/// Masked views of payment methods, and the one labelled reveal body.
pub mod model {
    pub use crate::cde::model::{DeletedView, PaymentMethodView, RevealedBody};
}
