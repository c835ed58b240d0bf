//! API tests: the whole server over HTTP, with a real SoftHSM2 token and a real database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit_bypasses;
mod audit_chain;
mod audit_review;
mod audit_verify_race;
mod auth;
mod certs;
mod console;
mod customer_mfa;
mod customer_pages;
mod demo;
mod errors;
mod expiry_job;
mod fail_closed;
mod fingerprints;
mod helpers;
mod idempotency;
mod instruments;
mod isolation;
mod keys;
mod leak;
mod lifecycle;
mod mandates;
mod ops;
mod page_integrity;
mod relay;
mod reveal;
mod reverification;
mod tls;
mod tokenize;
mod webhooks;
