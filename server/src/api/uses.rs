//! `/api/v1/payment_methods/{id}/uses`: the OMS asks to use a stored method for an order; the
//! step-up policy answers `approved`, `requires_action` (with the customer's challenge link) or
//! `failed`; the OMS polls the use until the customer has answered.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{ReadPaymentMethodUse, UsePaymentMethod};

/// `POST /api/v1/payment_methods/{id}/uses` — scope `payment_methods:use`; audit
/// `payment_method.use`. Body: `amount` (minor units), `currency`, `order_reference`,
/// `channel`. 201 with the use.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = super::token_param(&id);
    let grant = grant::<UsePaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    let view = state
        .vault
        .create_use(&grant, id, &body, &ctx.origin)
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/payment_methods/{id}/uses/{use_id}` — scope `payment_methods:use`. The use's
/// current status (the challenge URL is only in the creation response).
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path((id, use_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = super::token_param(&id);
    let grant =
        grant::<ReadPaymentMethodUse>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    let view = state
        .vault
        .get_use(&grant, id, &use_id, &ctx.origin)
        .await?;
    Ok(Json(view).into_response())
}
