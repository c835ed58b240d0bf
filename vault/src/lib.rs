//! Coffer's PCI core: the only crate that may hold a PAN or CVC in memory. It parses payment
//! details, fingerprints them in the HSM, seals them with AES-256-GCM under HSM-wrapped data
//! keys, stores them, and audits every operation, allowed or denied.

pub mod access;
pub mod audit;
pub mod card;
pub mod customer;
pub mod demo;
pub mod error;
pub mod instrument;
pub mod intake;
pub mod keys;
pub mod lifecycle;
pub mod model;
pub mod net;
pub mod seal;
pub mod service;
pub mod staff;
pub mod store;
pub mod token;
pub mod webhook;

pub use error::VaultError;
pub use service::{Vault, VaultConfig};
