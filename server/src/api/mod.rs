//! The JSON API under `/api/v1`, shaped like Stripe's.

mod connections;
mod customers;
pub mod error;
pub mod extract;
mod forward;
mod grant;
mod idempotency;
mod lifecycle;
mod mandates;
mod openapi;
mod payment_methods;
mod rate_limit;
mod uses;
mod webhooks;

pub use rate_limit::{RateLimit, RateLimiter};

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};

/// Largest accepted request body. A payment method with full billing details and 50 metadata
/// entries fits well within it.
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/payment_methods", post(payment_methods::create))
        .route(
            "/api/v1/payment_methods/validate",
            post(payment_methods::validate),
        )
        .route(
            "/api/v1/payment_methods/{id}",
            get(payment_methods::get).delete(payment_methods::delete),
        )
        .route(
            "/api/v1/payment_methods/{id}/reveal",
            post(payment_methods::reveal),
        )
        .route("/api/v1/payment_methods/{id}/uses", post(uses::create))
        .route("/api/v1/payment_methods/{id}/uses/{use_id}", get(uses::get))
        .route(
            "/api/v1/customers/{customer}/mfa/enrollments",
            post(customers::create_enrollment),
        )
        .route(
            "/api/v1/customers/{customer}/payment_methods",
            get(payment_methods::list),
        )
        .route(
            "/api/v1/payment_methods/{id}/reverifications",
            post(lifecycle::create_reverification),
        )
        .route(
            "/api/v1/customers/{customer}/wallet",
            get(lifecycle::wallet),
        )
        .route(
            "/api/v1/customers/{customer}/default_payment_method",
            post(lifecycle::set_default),
        )
        .route(
            "/api/v1/payment_methods/{id}/mandates",
            post(mandates::create),
        )
        .route(
            "/api/v1/mandates/{id}",
            get(mandates::get).delete(mandates::cancel),
        )
        .route("/api/v1/mandates/{id}/confirm", post(mandates::confirm))
        .route("/api/v1/mandates/{id}/uses", post(mandates::create_use))
        .route(
            "/api/v1/webhook_endpoints",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhook_endpoints/{id}",
            axum::routing::delete(webhooks::disable),
        )
        .route(
            "/api/v1/connections",
            get(connections::list).post(connections::create),
        )
        .route(
            "/api/v1/connections/{id}",
            axum::routing::delete(connections::disable).patch(connections::update),
        )
        .route("/api/v1/forward", post(forward::forward))
        .route(
            "/api/v1/payment_methods/{id}/psp_tokens",
            post(forward::create_psp_token),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn not_found() -> error::ApiError {
    error::ApiError::new(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "unknown_endpoint",
        "Unrecognized request URL.",
    )
}

/// A path id as the vault may see it: `id` if it is `prefix` and then letters and digits (64
/// characters at most), else `malformed`, a fixed placeholder (so nothing a client put in the
/// URL, which might be card data, reaches the audit log).
pub(crate) fn id_param<'a>(id: &'a str, prefix: &str, malformed: &'static str) -> &'a str {
    let well_formed = id.len() <= 64
        && id
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if well_formed { id } else { malformed }
}

/// A payment method token from the path (see [`id_param`]).
pub(crate) fn token_param(id: &str) -> &str {
    id_param(id, "pm_", "pm_malformed")
}
