//! `/api/v1/payment_methods` handlers. Each: authorise → delegate to the vault → map the error.
//! The vault parses bodies (it is the only crate that may hold a PAN) and writes the audit.

use super::error::ApiError;
use super::extract::{Client, Ctx, JsonBody};
use super::grant::{Target, grant};
use super::idempotency::{self, Claim};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coffer_vault::access::{
    DeletePaymentMethod, ForwardPaymentMethod, ReadPaymentMethod, RevealPaymentMethod, Tokenize,
    Validate,
};
use coffer_vault::intake::IntakeError;
use serde::Deserialize;
use serde_json::json;

/// `POST /api/v1/payment_methods` — scope `payment_methods:write`; audit `payment_method.create`.
/// 201 with the masked view, 200 with the existing method for a duplicate among the key's own
/// channel's methods (another channel's copy of the card is never found or revealed).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let grant = grant::<Tokenize>(&state, &ctx, &actor, Target::Any).await?;
    let key = idempotency::key(&headers)?;
    if let Some(key) = &key
        && let Claim::Replay(response) =
            idempotency::claim(&state, &ctx, &actor, key, &body).await?
    {
        return Ok(response);
    }
    let (status, value) = match state.vault.tokenize(&grant, &body, &ctx.origin).await {
        Ok(t) => {
            let status = if t.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, serde_json::to_value(&t.view).unwrap_or_default())
        }
        Err(e) => {
            let err = ApiError::from_vault(e, &ctx.request_id);
            let value = err.body();
            (err.status, value)
        }
    };
    if let Some(key) = &key {
        idempotency::finish(&state, &ctx, &actor, key, status, &value.to_string()).await?;
    }
    Ok((status, Json(value)).into_response())
}

/// `POST /api/v1/payment_methods/validate` — scope `payment_methods:write`; audit
/// `payment_method.validate`. Answers the masked view (no fingerprint); stores nothing. Each key
/// has its own, tighter budget of validations (`COFFER_VALIDATE_RATE_PER_MINUTE`).
pub async fn validate(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    state
        .validate_limiter
        .check(actor.id())
        .map_err(ApiError::rate_limited)?;
    let grant = grant::<Validate>(&state, &ctx, &actor, Target::Any).await?;
    let view = state.vault.validate(&grant, &body, &ctx.origin).await?;
    Ok(Json(view).into_response())
}

/// `GET /api/v1/payment_methods/{id}` — scope `payment_methods:read`; audit `payment_method.read`.
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = super::token_param(&id);
    let grant = grant::<ReadPaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    let view = state.vault.get(&grant, id, &ctx.origin).await?;
    Ok(Json(view).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<u32>,
    pub starting_after: Option<String>,
}

/// `GET /api/v1/customers/{customer}/payment_methods` — scope `payment_methods:read`; audit
/// `payment_method.list`. Stripe's list shape with `limit` (1–100) and `starting_after`.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(customer): Path<String>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::intake(IntakeError::invalid("query")))?;
    let customer = coffer_vault::intake::CustomerRef::parse(&customer)
        .ok_or_else(|| ApiError::intake(IntakeError::invalid("customer")))?;
    let grant =
        grant::<ReadPaymentMethod>(&state, &ctx, &actor, Target::Customer(customer.as_str()))
            .await?;
    let page = state
        .vault
        .list_for_customer(
            &grant,
            customer.as_str(),
            query.starting_after.as_deref(),
            query.limit.unwrap_or(10),
            &ctx.origin,
        )
        .await?;
    let url = format!("/api/v1/customers/{}/payment_methods", customer.as_str());
    Ok(
        Json(json!({ "object": "list", "url": url, "has_more": page.has_more, "data": page.data }))
            .into_response(),
    )
}

/// `DELETE /api/v1/payment_methods/{id}` — scope `payment_methods:write`; audit
/// `payment_method.delete`. Crypto-shreds the secret details. With `?psp_tokens=delete` (and
/// scope `payment_methods:forward`), then asks each PSP holding a token for it to delete its
/// copy through the relay (audit `payment_method.psp_token_delete` each) and lists the outcomes.
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    query: Result<Query<DeleteQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| ApiError::intake(IntakeError::invalid("query")))?;
    let with_psps = match query.psp_tokens.as_deref() {
        None | Some("keep") => false,
        Some("delete") => true,
        Some(_) => return Err(ApiError::intake(IntakeError::invalid("psp_tokens"))),
    };
    let id = super::token_param(&id);
    let forward = match with_psps {
        true => Some(
            grant::<ForwardPaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?,
        ),
        false => None,
    };
    let shred =
        grant::<DeletePaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    let deleted = state.vault.delete(&shred, id, &ctx.origin).await?;
    let mut body = serde_json::to_value(&deleted).unwrap_or_default();
    if let Some(forward) = forward {
        let psps = state
            .vault
            .delete_psp_tokens(&forward, id, &ctx.origin)
            .await?;
        body["psp_tokens"] = serde_json::to_value(psps).unwrap_or_default();
    }
    Ok(Json(body).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// `delete`: also ask each PSP holding a token for this method to delete its copy.
    pub psp_tokens: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    reason: Option<String>,
    /// The use this reveal is for: it must be approved (its step-up passed).
    #[serde(rename = "use")]
    use_id: Option<String>,
}

/// `POST /api/v1/payment_methods/{id}/reveal` — scope `payment_methods:reveal`; audit
/// `payment_method.reveal` with the reason. With `use`, the named use must be approved (409
/// `use_not_approved` otherwise). The only response that carries a full PAN;
/// `Cache-Control: no-store`. Idempotency keys are ignored here: a reveal is never stored.
pub async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    Client(actor): Client,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = super::token_param(&id);
    let grant =
        grant::<RevealPaymentMethod>(&state, &ctx, &actor, Target::PaymentMethod(id)).await?;
    let de = &mut serde_json::Deserializer::from_slice(&body);
    let parsed: RevealBody = serde_path_to_error::deserialize(de)
        .map_err(|e| ApiError::intake(IntakeError::from_serde(&e)))?;
    let reason = parsed.reason.unwrap_or_default();
    let revealed = state
        .vault
        .reveal(&grant, id, &reason, parsed.use_id.as_deref(), &ctx.origin)
        .await?;
    let mut response = (
        StatusCode::OK,
        [("content-type", "application/json")],
        revealed.expose_json().to_vec(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
        .headers_mut()
        .insert("pragma", HeaderValue::from_static("no-cache"));
    Ok(response)
}
