//! One module per console page.

pub mod api_keys;
pub mod audit;
pub mod audit_event;
pub mod audit_review;
pub mod connections;
pub mod customer;
pub mod dashboard;
pub mod enrol;
pub mod expiry;
pub mod login;
pub mod method;
pub mod mfa;
pub mod not_found;
pub mod password;
pub mod search;
pub mod step_up;
pub mod timeline;
pub mod user;
pub mod users;
pub mod webhooks;
