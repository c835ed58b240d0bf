//! `/api/v1/connections`: the relay's registered destinations. Scope `connections:manage` (a key
//! issued only with a second security admin's approval). Credentials go in and never come out.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{CreateConnection, EditConnection, ManageConnections};

/// `POST /api/v1/connections` — audit `connection.create`. Body: `name`, `base_url` (https, a
/// public host), `routes` (`[{method, path}]`, a path may end in `*`), optional `auth`
/// (`bearer`/`basic`/`header`), `ca_pem`, `client_certificate` (`cert_pem`, `key_pem`),
/// `timeout_ms`, `api_keys`, `require_use`. 201 with the connection.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<CreateConnection>(&state, &ctx, &actor, Target::Any).await?;
    let view = state
        .vault
        .create_connection(&grant, &body, &ctx.origin)
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// `GET /api/v1/connections` — audit `connection.list`. Every connection, enabled first.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
) -> Result<Response, ApiError> {
    let grant = grant::<ManageConnections>(&state, &ctx, &actor, Target::Any).await?;
    let data = state.vault.connections(&grant, &ctx.origin).await?;
    Ok(Json(serde_json::json!({ "object": "list", "data": data })).into_response())
}

/// `DELETE /api/v1/connections/{id}` — audit `connection.disable`. No forward goes to it again.
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let grant = grant::<ManageConnections>(&state, &ctx, &actor, Target::Connection(&id)).await?;
    let view = state
        .vault
        .disable_connection(&grant, &id, &ctx.origin)
        .await?;
    Ok(Json(view).into_response())
}

/// `PATCH /api/v1/connections/{id}` — audit `connection.update`. The fields of a registration
/// but `base_url`; only those given change, `null` clears an optional one.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<EditConnection>(&state, &ctx, &actor, Target::Connection(&id)).await?;
    let view = state
        .vault
        .update_connection(&grant, &id, &body, &ctx.origin)
        .await?;
    Ok(Json(view).into_response())
}
