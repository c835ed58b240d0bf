//! The cardholder-data environment: the only module of the crate (and so of Coffer) that can name
//! a card number, a security code, an IBAN or an account number in clear. Card parsing
//! (`card`, `instrument`), the intake that reads channel bodies into them, the HSM and data keys
//! (`keys`), AES-256-GCM (`seal`), aliases, and every `Vault` operation that parses, seals or
//! opens a payment method (`service`) live here.
//!
//! What leaves it: masked views (`model`), field errors and checked identifiers (`intake`), key
//! and HSM settings (`keys`), and `Sealed` ciphertext for the other modules' own secrets (TOTP
//! keys, webhook secrets). `Pan`, `Cvc` and `Instrument` are private to this module, so the
//! compiler refuses any other module that tries to hold one. The store below it keeps only
//! ciphertext, fingerprints and masked fields.

pub(crate) mod alias;
mod card;
mod instrument;
pub(crate) mod intake;
pub(crate) mod keys;
pub(crate) mod model;
pub(crate) mod relay;
pub(crate) mod seal;
mod service;
pub(crate) use service::Stored;

pub use service::{
    CALL_CENTRE, COLLECT_LINK_MS, CollectPage, ForwardAnswer, Page, ReverifyOutcome, ReverifyPage,
    ReverifyStatus, Tokenized, WalletMethod,
};
