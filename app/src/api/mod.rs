//! Server functions: each authorises, parses, makes one call into the backend, maps the error.
//!
//! They are served under `/console/api/…`, apart from the public `/api/v1` JSON API.

pub mod status;
pub mod admin;
pub mod methods;
pub mod session;
