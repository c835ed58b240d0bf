//! Stored-credential mandates for recurring billing: set up with a customer-initiated use,
//! confirmed with the network transaction id, then used by the merchant without the customer.
//! Scope `payment_methods:use` for all.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::UsePaymentMethod;
use serde_json::json;

/// `POST /api/v1/payment_methods/{id}/mandates` (`reference`, optional `max_amount`, and the
/// first use's `amount`, `currency`, `order_reference`, `channel`). Audit `mandate.create`
/// and `payment_method.use`. 201 with the mandate (pending) and its first use (which may
/// need the customer's step-up: follow its `next_action`).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(&id)).await?;
    let (mandate, first) = state
        .vault
        .create_mandate(&grant, &id, &body, &ctx.origin)
        .await?;
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
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::Mandate(&id)).await?;
    let m = state.vault.get_mandate(&grant, &id, &ctx.origin).await?;
    Ok(Json(m).into_response())
}

/// `POST /api/v1/mandates/{id}/confirm` (`network_transaction_id`). Audit `mandate.confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::Mandate(&id)).await?;
    let m = state
        .vault
        .confirm_mandate(&grant, &id, &body, &ctx.origin)
        .await?;
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
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::Mandate(&id)).await?;
    let (used, mandate) = state
        .vault
        .mandate_use(&grant, &id, &body, &ctx.origin)
        .await?;
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
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::Mandate(&id)).await?;
    let m = state.vault.cancel_mandate(&grant, &id, &ctx.origin).await?;
    Ok(Json(m).into_response())
}
