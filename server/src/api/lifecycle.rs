//! Lifecycle endpoints for the OMS channels: a re-verification link for a card, the customer's
//! wallet for rapid checkout, and their default method.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{IssueReverification, ReadPaymentMethod, SetDefaultPaymentMethod};
use coffer_vault::intake::{CustomerRef, IntakeError};
use serde_json::{Value, json};

/// The customer reference from the path, checked before it reaches an audit row.
fn checked_customer(customer: &str) -> Result<String, ApiError> {
    CustomerRef::parse(customer)
        .map(|c| c.as_str().to_owned())
        .ok_or_else(|| ApiError::intake(IntakeError::invalid("customer")))
}

/// `POST /api/v1/payment_methods/{id}/reverifications` — scope `payment_methods:write`; audit
/// `payment_method.reverification_create`. 201 with a single-use link (7 days by default) for
/// the customer to confirm the card's new expiry or replace it.
pub async fn create_reverification(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let grant =
        grant::<IssueReverification>(&state, &ctx, &actor, Target::PaymentMethod(&id)).await?;
    let link = state
        .vault
        .issue_reverification(&grant, &id, &ctx.origin)
        .await?;
    let body = json!({
        "object": "reverification_link",
        "payment_method": id,
        "url": link.url,
        "expires_at": link.expires_at / 1000,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/v1/customers/{customer}/wallet` — scope `payment_methods:read`; audit
/// `payment_method.read`. The usable methods, masked, the default first, then most recent use.
pub async fn wallet(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(customer): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let customer = checked_customer(&customer)?;
    let grant =
        grant::<ReadPaymentMethod>(&state, &ctx, &actor, Target::Customer(&customer)).await?;
    let methods = state.vault.wallet(&grant, &customer, &ctx.origin).await?;
    let data: Vec<Value> = methods
        .into_iter()
        .map(|m| {
            let mut v = serde_json::to_value(&m.view).unwrap_or_default();
            v["default"] = m.default.into();
            v
        })
        .collect();
    Ok(Json(json!({ "object": "list", "data": data })))
}

/// `POST /api/v1/customers/{customer}/default_payment_method` (`{"payment_method": "pm_…"}`)
/// — scope `payment_methods:write`; audit `payment_method.default_set`.
pub async fn set_default(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(customer): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let customer = checked_customer(&customer)?;
    let grant =
        grant::<SetDefaultPaymentMethod>(&state, &ctx, &actor, Target::Customer(&customer)).await?;
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["payment_method"].as_str().map(str::to_owned))
        .ok_or_else(|| ApiError::intake(IntakeError::missing("payment_method")))?;
    let view = state
        .vault
        .set_default_method(&grant, &customer, &id, &ctx.origin)
        .await?;
    let mut v = serde_json::to_value(&view).unwrap_or_default();
    v["default"] = true.into();
    Ok(Json(v))
}
