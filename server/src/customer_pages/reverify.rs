//! Re-verification handlers: the page, and its one form endpoint (`?intent=expiry` confirms a
//! new expiry; `?intent=replace` stores a replacement card, whose form body goes to the vault
//! as it came: this crate never decodes a card number).

use super::{CustomerState, error_page, form, html, merchant, origin};
use crate::api::extract::Ctx;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use coffer_app::customer::{self as pages, ReverifyForm, ReverifyView};
use coffer_vault::VaultError;
use coffer_vault::service::ReverifyOutcome;

async fn show(
    state: &CustomerState,
    token: &str,
    error: Option<(ReverifyForm, String)>,
    status: StatusCode,
) -> Response {
    match state.vault.reverify_page(token).await {
        Ok(p) => {
            let view = ReverifyView {
                merchant: p.merchant,
                card: p.card,
                expiry: p.expiry,
                attempts_left: p.attempts_left,
            };
            html(status, pages::reverify_page(view, error))
        }
        Err(e) => error_page(state, e),
    }
}

/// `GET /c/reverify/{token}`: the card on file and the two forms (opening uses nothing up).
pub async fn page(State(state): State<CustomerState>, Path(token): Path<String>) -> Response {
    show(&state, &token, None, StatusCode::OK).await
}

/// `POST /c/reverify/{token}`: a new expiry or a replacement card. Audit
/// `payment_method.reverify` (and `payment_method.create` for a new card).
pub async fn submit(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let which = match query.get("intent").map(String::as_str) {
        Some("replace") => ReverifyForm::Replace,
        _ => ReverifyForm::Expiry,
    };
    let result = match which {
        ReverifyForm::Expiry => {
            let fields = form(&body);
            let month = fields.get("exp_month").map_or("", String::as_str);
            let year = fields.get("exp_year").map_or("", String::as_str);
            state
                .vault
                .reverify_expiry(&token, month, year, origin(&ctx))
                .await
        }
        ReverifyForm::Replace => {
            state
                .vault
                .reverify_replace(&token, &body, origin(&ctx))
                .await
        }
    };
    let merchant = merchant(&state);
    match result {
        Ok(ReverifyOutcome::ExpiryUpdated { expiry }) => html(
            StatusCode::OK,
            pages::reverify_done(
                &merchant,
                &format!("Your card now shows the expiry {expiry}."),
            ),
        ),
        Ok(ReverifyOutcome::Replaced { card, .. }) => html(
            StatusCode::OK,
            pages::reverify_done(
                &merchant,
                &format!("Your new card {card} replaces the old one."),
            ),
        ),
        Err(VaultError::Invalid(e)) => {
            show(
                &state,
                &token,
                Some((which, e.message)),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e) => error_page(&state, e),
    }
}
