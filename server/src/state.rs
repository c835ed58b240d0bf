//! Shared application state handed to every handler.

use crate::metrics::Metrics;
use coffer_vault::Vault;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub vault: Arc<Vault>,
    pub metrics: Arc<Metrics>,
    pub rate_limiter: Arc<crate::api::RateLimiter>,
}
