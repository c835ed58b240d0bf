//! The outbound relay's registry: connections (a destination, its allowed routes, sealed
//! credentials, pinned CA, timeout and permitted API keys) and the destination checks. No card
//! data here: the forward itself, which puts card data into a request, is `cde::relay`.

pub mod client_cert;
pub mod connection;
pub mod connectors;
pub mod destination;

/// Why a forward got no usable answer (its `code()` is the stable wire and audit code).
pub use crate::cde::relay::send::SendError as UpstreamError;
pub use client_cert::ClientCertView;
pub use connection::{ConnectionView, Credentials, Route};
pub use destination::HostPolicy;
