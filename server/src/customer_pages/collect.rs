//! Card-collection handlers: the page a caller opens from the agent's link, and its form, whose
//! body goes to the vault as it came (this crate never decodes a card number).

use super::{CustomerState, error_page, html, merchant, origin};
use crate::api::extract::Ctx;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use coffer_app::customer as pages;
use coffer_vault::VaultError;

async fn show(
    state: &CustomerState,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    match state.vault.card_collection_page(token).await {
        Ok(p) => html(
            status,
            pages::collect_page(&p.merchant, p.attempts_left, error),
        ),
        Err(e) => error_page(state, e),
    }
}

/// `GET /c/collect/{token}`: the card form (opening it uses nothing up).
pub async fn page(State(state): State<CustomerState>, Path(token): Path<String>) -> Response {
    show(&state, &token, None, StatusCode::OK).await
}

/// `POST /c/collect/{token}`: the caller's card. Audit `payment_method.create` (by the
/// customer, naming the agent).
pub async fn submit(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    match state.vault.collect_card(&token, &body, origin(&ctx)).await {
        Ok(card) => html(
            StatusCode::OK,
            pages::collect_done(&merchant(&state), &card),
        ),
        Err(VaultError::Invalid(e)) => {
            show(&state, &token, Some(e.message), StatusCode::BAD_REQUEST).await
        }
        Err(e) => error_page(&state, e),
    }
}
