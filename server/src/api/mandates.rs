//! Stored-credential mandates for recurring billing: set up with a customer-initiated use,
//! confirmed with the network transaction id, then used by the merchant without the customer.
//! Scope `payment_methods:use` for all.

use super::error::ApiError;
use super::extract::{Client, Ctx};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{Actor, Grant, UsePaymentMethod};
use serde_json::json;

async fn grant(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    resource: (&'static str, &str),
) -> Result<Grant<UsePaymentMethod>, ApiError> {
    // Ids from the path reach the audit row only when well formed.
    let (kind, id) = resource;
    let id = match kind {
        "payment_method" => super::token_param(id),
        _ => super::id_param(id, "mdt_", "mdt_malformed"),
    };
    let resource = (kind, id);
    state
        .vault
        .authorize::<UsePaymentMethod>(actor, &ctx.origin, Some(resource))
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))
}

/// `POST /api/v1/payment_methods/{id}/mandates` (`reference`, optional `max_amount`, and the
/// first use's `amount`, `currency`, `order_reference`, `channel`). Audit `mandate.create`
/// and `payment_method.use`. 201 with the mandate (pending) and its first use (which may
/// need the customer's step-up: follow its `next_action`).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let grant = grant(&state, &ctx, &actor, ("payment_method", &id)).await?;
    let (mandate, first) = state
        .vault
        .create_mandate(&grant, &id, &body, &ctx.origin)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    let mut body = serde_json::to_value(&mandate).unwrap_or_default();
    body["initial_use_detail"] = serde_json::to_value(&first).unwrap_or_default();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/mandates/{id}`. No audit (no card data).
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let grant = grant(&state, &ctx, &actor, ("mandate", &id)).await?;
    let m = state
        .vault
        .get_mandate(&grant, &id, &ctx.origin)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    Ok(Json(m).into_response())
}

/// `POST /api/v1/mandates/{id}/confirm` (`network_transaction_id`). Audit `mandate.confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let grant = grant(&state, &ctx, &actor, ("mandate", &id)).await?;
    let m = state
        .vault
        .confirm_mandate(&grant, &id, &body, &ctx.origin)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    Ok(Json(m).into_response())
}

/// `POST /api/v1/mandates/{id}/uses` (`amount`, `currency`, `order_reference`): a
/// merchant-initiated use, approved without the customer. 201 with the use and the network
/// transaction id to send with the authorisation. Audit `payment_method.use`.
pub async fn create_use(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let grant = grant(&state, &ctx, &actor, ("mandate", &id)).await?;
    let (used, mandate) = state
        .vault
        .mandate_use(&grant, &id, &body, &ctx.origin)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    let mut body = serde_json::to_value(&used).unwrap_or_default();
    body["mandate"] = json!(mandate.id);
    body["initiator"] = json!("merchant");
    body["network_transaction_id"] = json!(mandate.network_transaction_id);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `DELETE /api/v1/mandates/{id}`: cancels it. Audit `mandate.cancel`.
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let grant = grant(&state, &ctx, &actor, ("mandate", &id)).await?;
    let m = state
        .vault
        .cancel_mandate(&grant, &id, &ctx.origin)
        .await
        .map_err(|e| ApiError::from_vault(e, &ctx.request_id))?;
    Ok(Json(m).into_response())
}
