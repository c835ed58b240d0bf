//! Request extractors for the JSON API: the request context (id and origin), the authenticated
//! API client, and a JSON body (content type checked, size bounded) handed on as raw bytes.

use super::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use coffer_vault::access::Actor;
use coffer_vault::audit::Origin;

/// The request id and where the request came from; set by the request-context middleware.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub origin: Origin,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "api_error",
                "internal_error",
                "Missing request context.",
            )
        })
    }
}

/// The API client behind `Authorization: Bearer <key>`. Failures are audited by the vault; an
/// address with too many failures in the last minute is refused (`429`) before its key is
/// checked, so it can neither keep guessing nor flood the audit log.

#[derive(Debug, Clone)]
pub struct Client(pub Actor);

impl FromRequestParts<AppState> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let address = ctx.origin.ip.as_deref().unwrap_or("unknown");
        state
            .auth_failures
            .peek(address)
            .map_err(ApiError::rate_limited)?;
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        let actor = match state
            .vault
            .authenticate(presented.trim(), &ctx.origin)
            .await
        {
            Ok(actor) => actor,
            Err(e) => {
                if matches!(e, coffer_vault::VaultError::Unauthenticated) {
                    let _ = state.auth_failures.check(address);
                }
                return Err(e.into());
            }
        };
        state
            .rate_limiter
            .check(actor.id())
            .map_err(ApiError::rate_limited)?;
        Ok(Client(actor))
    }
}

/// A request body that must be `application/json`; kept as bytes so only the vault parses it.
#[derive(Debug)]
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request_error",
                "unsupported_media_type",
                "Send the request body as JSON with `Content-Type: application/json`.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request_error",
                    "request_too_large",
                    "The request body is too large.",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_error",
                    "invalid_body",
                    "Could not read the request body.",
                )
            }
        })?;
        Ok(JsonBody(bytes))
    }
}
