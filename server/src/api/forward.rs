//! `POST /api/v1/forward`: the relay. A channel sends a request to a registered connection with
//! placeholders (`{{ pm_…:number }}`) that the vault fills; it gets the destination's answer back
//! with card numbers masked, and never handles the details itself.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use coffer_vault::VaultError;
use coffer_vault::access::ForwardPaymentMethod;

/// The key's forward budget, then the named connection's (a body that names none is refused
/// by the vault, after this).
fn within_limits(state: &AppState, key: &str, body: &[u8]) -> Result<(), ApiError> {
    state
        .forward_limiter
        .check(key)
        .map_err(ApiError::rate_limited)?;
    #[derive(serde::Deserialize)]
    struct Named<'a> {
        // A Cow, so an escaped id is read as the vault will read it (not skipped).
        #[serde(borrow)]
        connection: Option<std::borrow::Cow<'a, str>>,
    }
    let named = serde_json::from_slice::<Named>(body)
        .ok()
        .and_then(|n| n.connection)
        .filter(|c| c.len() <= 64 && c.starts_with("conn_"));
    if let Some(connection) = named {
        state
            .connection_limiter
            .check(&connection)
            .map_err(ApiError::rate_limited)?;
    }
    Ok(())
}

fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// `POST /api/v1/forward` — scope `payment_methods:forward`; audit `payment_method.forward` per
/// method (before sending) and `payment_method.forward_result`. Body: `connection`, `method`
/// (default POST), `path`, optional `headers`, `content_type` (JSON or form), `body` (the
/// template). 200 with `{status, content_type, body, latency_ms, …}`; 502/504 when the
/// destination cannot be reached or does not answer in time.
pub async fn forward(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<ForwardPaymentMethod>(&state, &ctx, &actor, Target::Any).await?;
    if let Err(refused) = within_limits(&state, actor.id(), &body) {
        state.metrics.forward("rate_limited", "none");
        return Err(refused);
    }
    let answer = state.vault.forward(&grant, &body, &ctx.origin).await;
    match &answer {
        Ok(a) => state.metrics.forward("answered", status_class(a.status)),
        Err(VaultError::Upstream(e)) => state.metrics.forward(e.code(), "none"),
        Err(_) => state.metrics.forward("refused", "none"),
    }
    let answer = answer?;
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /api/v1/payment_methods/{id}/psp_tokens` (`connection`, `provider`: `stripe` or
/// `braintree`) — scope `payment_methods:forward`; audit `payment_method.forward` for each
/// request to the PSP and `payment_method.psp_token_create`. Vaults the card at the PSP through
/// the relay; 201 with the PSP's token, which `GET /api/v1/payment_methods/{id}` lists too.
pub async fn create_psp_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = super::token_param(&id);
    let grant =
        grant::<ForwardPaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    within_limits(&state, actor.id(), &body)?;
    let token = state
        .vault
        .create_psp_token(&grant, id, &body, &ctx.origin)
        .await?;
    Ok((StatusCode::CREATED, Json(token)).into_response())
}
