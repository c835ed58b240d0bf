//! `/api/v1/webhook_endpoints`: an OMS channel registers where Coffer sends its events.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::ManageWebhooks;

/// `POST /api/v1/webhook_endpoints` — scope `webhooks:manage`; audit `webhook_endpoint.create`.
/// Body: `url`, optional `channel` (only uses on that channel). 201 with the endpoint and its
/// signing `secret`, shown this once.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let fail = |e| ApiError::from_vault(e, &ctx.request_id);
    let grant = state
        .vault
        .authorize::<ManageWebhooks>(&actor, &ctx.origin, None)
        .await
        .map_err(fail)?;
    let registered = state
        .vault
        .register_webhook_endpoint(&grant, &body, &ctx.origin)
        .await
        .map_err(fail)?;
    let mut value = serde_json::to_value(&registered.endpoint).unwrap_or_default();
    value["secret"] = serde_json::Value::String(registered.secret.to_string());
    let mut response = (StatusCode::CREATED, Json(value)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
