//! Lifecycle endpoints for the OMS channels: a re-verification link for a card, the customer's
//! wallet for rapid checkout, and their default method.

use super::error::ApiError;
use super::extract::{Client, Ctx};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{IssueReverification, ReadPaymentMethod, SetDefaultPaymentMethod};
use coffer_vault::intake::{CustomerRef, IntakeError};
use serde_json::{Value, json};

/// The customer reference from the path, checked before it reaches an audit row.
fn checked_customer(customer: &str, ctx: &Ctx) -> Result<String, ApiError> {
    CustomerRef::parse(customer)
        .map(|c| c.as_str().to_owned())
        .ok_or_else(|| {
            ApiError::intake(IntakeError::invalid("customer")).with_request_id(&ctx.request_id)
        })
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
    let fail = |e| ApiError::from_vault(e, &ctx.request_id);
    let grant = state
        .vault
        .authorize::<IssueReverification>(
            &actor,
            &ctx.origin,
            Some(("payment_method", super::token_param(&id))),
        )
        .await
        .map_err(fail)?;
    let link = state
        .vault
        .issue_reverification(&grant, &id, &ctx.origin)
        .await
        .map_err(fail)?;
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
    let fail = |e| ApiError::from_vault(e, &ctx.request_id);
    let customer = checked_customer(&customer, &ctx)?;
    let grant = state
        .vault
        .authorize::<ReadPaymentMethod>(&actor, &ctx.origin, Some(("customer", &customer)))
        .await
        .map_err(fail)?;
    let methods = state
        .vault
        .wallet(&grant, &customer, &ctx.origin)
        .await
        .map_err(fail)?;
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
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let fail = |e| ApiError::from_vault(e, &ctx.request_id);
    let customer = checked_customer(&customer, &ctx)?;
    let grant = state
        .vault
        .authorize::<SetDefaultPaymentMethod>(&actor, &ctx.origin, Some(("customer", &customer)))
        .await
        .map_err(fail)?;
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["payment_method"].as_str().map(str::to_owned))
        .ok_or_else(|| {
            ApiError::intake(IntakeError::missing("payment_method"))
                .with_request_id(&ctx.request_id)
        })?;
    let view = state
        .vault
        .set_default_method(&grant, &customer, &id, &ctx.origin)
        .await
        .map_err(fail)?;
    let mut v = serde_json::to_value(&view).unwrap_or_default();
    v["default"] = true.into();
    Ok(Json(v))
}
