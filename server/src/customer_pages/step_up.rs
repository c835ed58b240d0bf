//! Step-up handlers: the challenge page, a TOTP code answer, and the passkey answer's two
//! requests. Each answer is one attempt (at most five); the vault audits each.

use super::{CustomerState, error_page, form, html, json, json_error, merchant, origin};
use crate::api::extract::Ctx;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use coffer_app::customer::{self as pages, ChallengeView};
use coffer_vault::service::StepUpResult;

fn clock(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| format!("{:02}:{:02} UTC", t.hour(), t.minute()))
        .unwrap_or_default()
}

async fn challenge(
    state: &CustomerState,
    ctx: &Ctx,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    match state.vault.step_up_page(token, origin(ctx)).await {
        Ok(p) => {
            let view = ChallengeView {
                merchant: p.merchant,
                amount: p.amount,
                order_reference: p.order_reference,
                card: p.card,
                has_totp: p.has_totp,
                has_passkey: p.has_passkey && state.vault.passkeys_available(),
                attempts_left: p.attempts_left,
                expires: clock(p.expires_at),
            };
            html(status, pages::challenge_page(view, error))
        }
        Err(e) => error_page(state, e),
    }
}

/// `GET /c/step-up/{token}`: the challenge (looking uses nothing up).
pub async fn page(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    challenge(&state, &ctx, &token, None, StatusCode::OK).await
}

fn finished(state: &CustomerState, result: &StepUpResult) -> Option<Response> {
    let merchant = merchant(state);
    match result {
        StepUpResult::Approved => Some(html(
            StatusCode::OK,
            pages::challenge_result(
                &merchant,
                true,
                "Thank you. You can close this page and return to your order.",
            ),
        )),
        StepUpResult::Failed { code } => {
            let message = if *code == "expired" {
                "This request expired. Start the payment again."
            } else {
                "Too many wrong tries. The payment was not approved; start it again if it was yours."
            };
            Some(html(
                StatusCode::OK,
                pages::challenge_result(&merchant, false, message),
            ))
        }
        StepUpResult::Retry { .. } => None,
    }
}

/// `POST /c/step-up/{token}` (`code`): answers with an authenticator code. Audit
/// `customer_mfa.challenge`.
pub async fn answer_code(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let code = form(&body).remove("code").unwrap_or_default();
    match state
        .vault
        .step_up_with_totp(&token, &code, origin(&ctx))
        .await
    {
        Ok(result) => match finished(&state, &result) {
            Some(done) => done,
            None => challenge(
                &state,
                &ctx,
                &token,
                Some(
                    "That code is wrong or was already used. Wait for a new code and try again."
                        .into(),
                ),
                StatusCode::BAD_REQUEST,
            )
            .await,
        },
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/step-up/{token}/passkey/options`: the options for `navigator.credentials.get`.
pub async fn passkey_options(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    match state
        .vault
        .begin_step_up_passkey(&token, origin(&ctx))
        .await
    {
        Ok(options) => json(StatusCode::OK, options),
        Err(e) => json_error(e),
    }
}

/// `POST /c/step-up/{token}/passkey` (the assertion's JSON). Audit `customer_mfa.challenge`.
pub async fn passkey_finish(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    match state
        .vault
        .finish_step_up_passkey(&token, &body, origin(&ctx))
        .await
    {
        Ok(StepUpResult::Approved) => {
            json(StatusCode::OK, serde_json::json!({ "status": "approved" }))
        }
        Ok(StepUpResult::Retry { attempts_left }) => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "status": "retry", "attempts_left": attempts_left,
                "error": { "code": "passkey_rejected", "message": "That passkey could not be verified. Try again." } }),
        ),
        Ok(StepUpResult::Failed { code }) => json(
            StatusCode::OK,
            serde_json::json!({ "status": "failed", "code": code }),
        ),
        Err(e) => json_error(e),
    }
}
