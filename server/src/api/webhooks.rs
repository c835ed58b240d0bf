//! `/api/v1/webhook_endpoints`: an OMS channel registers where Coffer sends its events, lists
//! the endpoints with their queues, and disables one.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{ManageWebhookEndpoints, ManageWebhooks};

/// `POST /api/v1/webhook_endpoints` — scope `webhooks:manage`; audit `webhook_endpoint.create`.
/// Body: `url`, optional `channel` (only uses on that channel). 201 with the endpoint and its
/// signing `secret`, shown this once.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<ManageWebhooks>(&state, &ctx, &actor, Target::Any).await?;
    let registered = state
        .vault
        .register_webhook_endpoint(&grant, &body, &ctx.origin)
        .await?;
    let mut value = serde_json::to_value(&registered.endpoint).unwrap_or_default();
    value["secret"] = serde_json::Value::String(registered.secret.to_string());
    let mut response = (StatusCode::CREATED, Json(value)).into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// `GET /api/v1/webhook_endpoints` — scope `webhooks:manage`; audit `webhook_endpoint.list`.
/// Every endpoint (enabled first) with who registered it and its pending and failed deliveries.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
) -> Result<Response, ApiError> {
    let grant = grant::<ManageWebhookEndpoints>(&state, &ctx, &actor, Target::Any).await?;
    let data = state.vault.webhook_endpoints(&grant, &ctx.origin).await?;
    Ok(Json(serde_json::json!({ "object": "list", "data": data })).into_response())
}

/// `DELETE /api/v1/webhook_endpoints/{id}` — scope `webhooks:manage`; audit
/// `webhook_endpoint.disable`. Stops new events and cancels waiting deliveries; 404 if there is
/// no such enabled endpoint.
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let grant =
        grant::<ManageWebhookEndpoints>(&state, &ctx, &actor, Target::WebhookEndpoint(&id)).await?;
    let endpoint = state
        .vault
        .disable_webhook_endpoint(&grant, &id, &ctx.origin)
        .await?;
    Ok(Json(endpoint).into_response())
}
