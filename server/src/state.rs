//! Shared application state handed to every handler.

use crate::metrics::Metrics;
use coffer_vault::Vault;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub vault: Arc<Vault>,
    pub metrics: Arc<Metrics>,
    /// Every request of an API key.
    pub rate_limiter: Arc<crate::api::RateLimiter>,
    /// Each API key's validations.
    pub validate_limiter: Arc<crate::api::RateLimiter>,
    /// Relay forwards per API key.
    pub forward_limiter: Arc<crate::api::RateLimiter>,
    /// Relay forwards per connection.
    pub connection_limiter: Arc<crate::api::RateLimiter>,
    /// Failed authentications per client address (API keys and console sign-in alike).
    pub auth_failures: Arc<crate::api::RateLimiter>,
}
