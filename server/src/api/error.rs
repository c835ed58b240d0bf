//! One error type for the JSON API, rendered like Stripe's: `{"error": {type, code, param,
//! message, request_id}}`. 5xx answers carry an incident id; the detail goes to the log only.

use axum::Json;
use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::CONTENT_LENGTH;
use axum::response::{IntoResponse, Response};
use coffer_vault::VaultError;
use coffer_vault::intake::{IntakeError, IntakeErrorKind};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: &'static str,
    pub param: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
    /// Seconds, sent as `Retry-After` (429 only).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            kind,
            code,
            param: None,
            message: message.into(),
            request_id: None,
            retry_after: None,
        }
    }

    pub fn with_param(mut self, param: &str) -> Self {
        self.param = Some(param.to_owned());
        self
    }

    pub fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = Some(request_id.to_owned());
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_api_key",
            "Invalid or missing API key. Send it as `Authorization: Bearer <key>`.",
        )
    }

    pub fn rate_limited(retry_after: std::time::Duration) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limited",
            "Too many requests for this API key; retry after the time in Retry-After.",
        );
        e.retry_after = Some(
            u32::try_from(retry_after.as_secs())
                .unwrap_or(u32::MAX)
                .max(1),
        );
        e
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "resource_missing",
            "No such payment method.",
        )
    }

    pub fn intake(e: IntakeError) -> Self {
        let (status, kind) = match e.kind {
            IntakeErrorKind::InvalidRequest => (StatusCode::BAD_REQUEST, "invalid_request_error"),
            IntakeErrorKind::InvalidPaymentDetails
                if e.param.as_deref().is_some_and(|p| p.starts_with("card")) =>
            {
                (StatusCode::UNPROCESSABLE_ENTITY, "card_error")
            }
            IntakeErrorKind::InvalidPaymentDetails => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_error")
            }
        };
        ApiError {
            status,
            kind,
            code: e.code,
            param: e.param,
            message: e.message,
            request_id: None,
            retry_after: None,
        }
    }

    /// An internal failure: logged in full with an incident id, answered without detail.
    pub fn internal(source: &dyn std::error::Error) -> Self {
        let incident = coffer_vault::token::random_id("inc");
        tracing::error!(incident = %incident, error = %error_chain(source), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "internal_error",
            format!(
                "Coffer could not complete the request. Incident {incident}. It is safe to retry with the same Idempotency-Key."
            ),
        )
    }

    /// [`From<VaultError>`] with the request id already set: for a body that is stored (an
    /// idempotent replay) before the request-context layer would stamp it.
    pub fn from_vault(e: VaultError, request_id: &str) -> Self {
        Self::from(e).with_request_id(request_id)
    }

    /// This error's JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({ "error": {
            "type": self.kind,
            "code": self.code,
            "param": self.param,
            "message": self.message,
            "request_id": self.request_id,
        }})
    }

    /// Writes the request id into an error answer made without one (a handler's `?`): the
    /// request-context layer calls this on every answer, so no handler has to thread the id.
    pub fn stamp(response: &mut Response, request_id: &str) {
        if let Some(Unstamped(err)) = response.extensions_mut().remove::<Unstamped>() {
            if err.status.is_server_error() {
                // Ties the incident id (in the message, logged with the detail) to the request.
                tracing::error!(request_id = %request_id, answer = %err.message, "request failed");
            }
            let body = err.with_request_id(request_id).body().to_string();
            response.headers_mut().remove(CONTENT_LENGTH);
            *response.body_mut() = Body::from(body);
        }
    }
}

/// An error answer whose body still lacks the request id (see [`ApiError::stamp`]).
#[derive(Clone)]
struct Unstamped(ApiError);

impl From<VaultError> for ApiError {
    /// The vault's errors as the API answers them; anything unexpected is logged with an
    /// incident id (the request log line carries both ids) and answered without detail.
    fn from(e: VaultError) -> Self {
        match e {
            VaultError::Invalid(i) => Self::intake(i),
            VaultError::Unauthenticated => Self::unauthenticated(),
            VaultError::Denied(d) => Self::new(
                StatusCode::FORBIDDEN,
                "permission_error",
                "insufficient_scope",
                format!("This API key lacks the scope {}.", d.required),
            ),
            VaultError::NotFound => Self::not_found(),
            VaultError::Shredded => Self::new(
                StatusCode::GONE,
                "invalid_request_error",
                "payment_method_shredded",
                "The payment method was deleted and its details destroyed.",
            ),
            VaultError::NotUsable => Self::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "payment_method_unusable",
                "The payment method is expired, archived or replaced: ask the customer to re-verify it.",
            ),
            VaultError::MandateInactive => Self::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "mandate_inactive",
                "The mandate is not active: confirm it with the first use's network transaction id, or set up a new one.",
            ),
            VaultError::UseNotApproved => Self::new(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "use_not_approved",
                "The use named in `use` is not approved: the customer has not completed the step-up.",
            )
            .with_param("use"),
            VaultError::PspRefused(code) => Self::new(
                StatusCode::PAYMENT_REQUIRED,
                "card_error",
                "psp_refused",
                match code {
                    Some(code) => format!("The PSP did not vault the card (its code: {code})."),
                    None => "The PSP did not vault the card.".to_owned(),
                },
            ),
            VaultError::Upstream(e) => {
                use coffer_vault::relay::UpstreamError;
                let (status, message) = match e {
                    UpstreamError::Timeout => (
                        StatusCode::GATEWAY_TIMEOUT,
                        "The connection's destination did not answer within its timeout. The request may have arrived: check there before retrying.",
                    ),
                    UpstreamError::TooLarge => (
                        StatusCode::BAD_GATEWAY,
                        "The destination's answer was larger than 1 MiB and was not read.",
                    ),
                    UpstreamError::Settings => (
                        StatusCode::BAD_GATEWAY,
                        "The connection's settings could not be used; a security admin should check it.",
                    ),
                    UpstreamError::Unreachable => (
                        StatusCode::BAD_GATEWAY,
                        "Could not reach the connection's destination, or its TLS certificate was not trusted.",
                    ),
                };
                Self::new(status, "api_error", e.code(), message)
            }
            other => Self::internal(&other),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        if self.request_id.is_none() {
            response.extensions_mut().insert(Unstamped(self));
        }
        response
    }
}
