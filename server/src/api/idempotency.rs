//! `Idempotency-Key` on create, with Stripe's semantics: the same key and body replay the first
//! answer (`Idempotent-Replayed: true`); the same key with another body, or while the first
//! request is still running, is a 409. Server-side failures release the key for a retry.

use super::error::ApiError;
use super::extract::Ctx;
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_vault::access::Actor;
use coffer_vault::service::IdempotencyBegin;

pub const HEADER: &str = "idempotency-key";

/// The key, if the client sent a usable one (1–255 visible ASCII characters).
pub fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("");
    let plain = !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic());
    if !plain || coffer_dlp::contains_card_number(key) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_error",
            "idempotency_key_invalid",
            "Idempotency-Key must be 1-255 visible ASCII characters and must not contain card data.",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// What the handler should do before running the request.
pub enum Claim {
    Run,
    Replay(Response),
}

pub async fn claim(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    key: &str,
    body: &[u8],
) -> Result<Claim, ApiError> {
    let vault = &state.vault;
    let digest = vault
        .request_digest(body)
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    let begun = vault
        .idempotency_begin(actor.id(), key, &digest)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    match begun {
        IdempotencyBegin::Started => Ok(Claim::Run),
        IdempotencyBegin::Finished(record) => {
            let status = StatusCode::from_u16(record.status_code).unwrap_or(StatusCode::OK);
            let mut response = (
                status,
                [("content-type", "application/json")],
                record.response_body,
            )
                .into_response();
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(Claim::Replay(response))
        }
        IdempotencyBegin::Conflict { same_request } => {
            let message = if same_request {
                "A request with this Idempotency-Key is still being processed; retry later."
            } else {
                "This Idempotency-Key was already used with a different request body."
            };
            let code = if same_request {
                "idempotency_key_in_use"
            } else {
                "idempotency_key_reused"
            };
            Err(
                ApiError::new(StatusCode::CONFLICT, "idempotency_error", code, message)
                    .with_request_id(&ctx.request_id),
            )
        }
    }
}

/// Stores the answer (or releases the key after a 5xx).
pub async fn finish(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    key: &str,
    status: StatusCode,
    body: &str,
) -> Result<(), ApiError> {
    let vault = &state.vault;
    let stored = if status.is_server_error() {
        vault.idempotency_abandon(actor.id(), key).await
    } else {
        vault
            .idempotency_complete(actor.id(), key, status.as_u16(), body)
            .await
    };
    stored.map_err(|e| ApiError::from_vault(e, &ctx.request_id))
}
