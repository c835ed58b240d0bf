//! Enrolment handlers: redeem the link for a session, list and remove factors, add an
//! authenticator app or a passkey, choose step-up on every use, finish.

use super::{
    CustomerState, error_page, form, html, json, json_error, merchant, origin, see_other,
    session_cookie, session_token,
};
use crate::api::extract::Ctx;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use coffer_app::customer::{self as pages, FactorItem, Proof, TotpSetup};
use coffer_vault::VaultError;
use coffer_vault::service::CustomerSession;
use serde::Deserialize;

/// `GET /c/enrol/{token}`: the landing page (uses nothing up).
pub async fn landing(State(state): State<CustomerState>, Path(token): Path<String>) -> Response {
    match state.vault.check_enrolment_link(&token).await {
        Ok(()) => html(StatusCode::OK, pages::enrol_landing(&merchant(&state))),
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/enrol/{token}`: redeems the link once for a session cookie. Audit
/// `customer_mfa.link_open`.
pub async fn redeem(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    match state
        .vault
        .redeem_enrolment_link(&token, origin(&ctx))
        .await
    {
        Ok((cookie, _)) => see_other(
            "/c/factors",
            Some(session_cookie(&state, Some(cookie.expose()))),
        ),
        Err(e) => error_page(&state, e),
    }
}

/// The customer's open session, from their cookie; without one, the expired-link page.
pub struct Session(CustomerSession);

impl FromRequestParts<CustomerState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &CustomerState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).unwrap_or_default();
        state
            .vault
            .customer_session(&token)
            .await
            .map(Session)
            .map_err(|e| error_page(state, e))
    }
}

/// The same session for the passkey script's JSON requests: without one, a JSON error.
pub struct JsonSession(CustomerSession);

impl FromRequestParts<CustomerState> for JsonSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &CustomerState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).unwrap_or_default();
        state
            .vault
            .customer_session(&token)
            .await
            .map(JsonSession)
            .map_err(json_error)
    }
}

#[derive(Debug, Deserialize)]
pub struct Notice {
    added: Option<String>,
    removed: Option<String>,
    saved: Option<String>,
    verified: Option<String>,
}

fn day(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

async fn factors_page(
    state: &CustomerState,
    session: &CustomerSession,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    match state.vault.customer_factors(session).await {
        Ok((factors, always)) => {
            let proof = session.needs_proof().then(|| Proof {
                has_totp: factors.iter().any(|f| f.kind == "totp"),
                has_passkey: factors.iter().any(|f| f.kind == "passkey")
                    && state.vault.passkeys_available(),
            });
            let items = factors
                .into_iter()
                .map(|f| FactorItem {
                    id: f.id,
                    kind: f.kind,
                    label: f.label,
                    added: day(f.created_at),
                })
                .collect();
            let status = if error.is_some() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            html(
                status,
                pages::factors_page(&merchant(state), items, always, proof, notice, error),
            )
        }
        Err(e) => error_page(state, e),
    }
}

/// `GET /c/factors`: the customer's factors.
pub async fn factors(
    State(state): State<CustomerState>,
    Session(session): Session,
    Query(notice): Query<Notice>,
) -> Response {
    let notice = if notice.added.as_deref() == Some("totp") {
        Some("Your authenticator app is set up.".to_owned())
    } else if notice.added.as_deref() == Some("passkey") {
        Some("Your passkey is set up.".to_owned())
    } else if notice.removed.is_some() {
        Some("The method was removed.".to_owned())
    } else if notice.verified.is_some() {
        Some("Thank you. You can now change your methods.".to_owned())
    } else if notice.saved.is_some() {
        Some("Your choice was saved.".to_owned())
    } else {
        None
    };
    factors_page(&state, &session, notice, None).await
}

/// `POST /c/factors/totp`: a new key to scan. Audit `customer_mfa.enrol_start`.
pub async fn begin_totp(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
) -> Response {
    match state
        .vault
        .begin_customer_totp(&session, origin(&ctx))
        .await
    {
        Ok(pending) => {
            let qr = crate::console::qr::svg_path(&pending.uri).unwrap_or((0, String::new()));
            let setup = TotpSetup {
                factor_id: pending.factor_id.clone(),
                qr,
                manual_key: pending.manual_key.to_string(),
            };
            html(
                StatusCode::OK,
                pages::totp_setup(&merchant(&state), setup, None),
            )
        }
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/factors/totp/{id}` (`code`): confirms the new authenticator. Audit
/// `customer_mfa.enrol`.
pub async fn confirm_totp(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let code = form(&body).remove("code").unwrap_or_default();
    match state
        .vault
        .confirm_customer_totp(&session, &id, &code, origin(&ctx))
        .await
    {
        Ok(_) => see_other("/c/factors?added=totp", None),
        Err(VaultError::InvalidCode) => {
            factors_page(
                &state,
                &session,
                None,
                Some("That code did not match. Add the authenticator app again and enter the code it shows.".into()),
            )
            .await
        }
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/factors/{id}/remove`. Audit `customer_mfa.remove`.
pub async fn remove(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
    Path(id): Path<String>,
) -> Response {
    match state
        .vault
        .remove_customer_factor(&session, &id, origin(&ctx))
        .await
    {
        Ok(()) => see_other("/c/factors?removed=1", None),
        Err(VaultError::NotFound) => {
            let mut page = factors_page(
                &state,
                &session,
                None,
                Some("That method is not one of yours, or was already removed.".into()),
            )
            .await;
            *page.status_mut() = StatusCode::NOT_FOUND;
            page
        }
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/preferences` (`always=on` or absent). Audit `customer_mfa.preference`.
pub async fn preferences(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
    body: Bytes,
) -> Response {
    let always = form(&body).get("always").is_some_and(|v| v == "on");
    match state
        .vault
        .set_customer_step_up_always(&session, always, origin(&ctx))
        .await
    {
        Ok(()) => see_other("/c/factors?saved=1", None),
        Err(VaultError::Invalid(_)) => {
            factors_page(&state, &session, None, Some("Add a method first.".into())).await
        }
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/done`: ends the session. Audit `customer_mfa.session_end`.
pub async fn done(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
) -> Response {
    if let Err(e) = state
        .vault
        .end_customer_session(&session, origin(&ctx))
        .await
    {
        return error_page(&state, e);
    }
    let mut response = html(StatusCode::OK, pages::done_page(&merchant(&state)));
    response
        .headers_mut()
        .insert(axum::http::header::SET_COOKIE, session_cookie(&state, None));
    response
}

/// `POST /c/passkeys/options`: the options for `navigator.credentials.create`.
pub async fn passkey_options(
    State(state): State<CustomerState>,
    JsonSession(session): JsonSession,
) -> Response {
    match state.vault.begin_customer_passkey(&session).await {
        Ok(options) => json(StatusCode::OK, options),
        Err(e) => json_error(e),
    }
}

/// `POST /c/passkeys` (the credential's JSON): registers the passkey. Audit
/// `customer_mfa.enrol` (kind `passkey`).
pub async fn passkey_finish(
    State(state): State<CustomerState>,
    ctx: Ctx,
    JsonSession(session): JsonSession,
    body: Bytes,
) -> Response {
    match state
        .vault
        .finish_customer_passkey(&session, &body, origin(&ctx))
        .await
    {
        Ok(_) => json(
            StatusCode::OK,
            serde_json::json!({ "next": "/c/factors?added=passkey" }),
        ),
        Err(e) => json_error(e),
    }
}

/// `POST /c/verify` (`code`): proves an existing authenticator app, which unlocks changes in
/// this session. Audit `customer_mfa.session_verify`.
pub async fn prove(
    State(state): State<CustomerState>,
    ctx: Ctx,
    Session(session): Session,
    body: Bytes,
) -> Response {
    let code = form(&body).remove("code").unwrap_or_default();
    match state
        .vault
        .prove_customer_session_totp(&session, &code, origin(&ctx))
        .await
    {
        Ok(()) => see_other("/c/factors?verified=1", None),
        Err(VaultError::InvalidCode) => {
            factors_page(
                &state,
                &session,
                None,
                Some(
                    "That code is wrong or was already used. Wait for a new code and try again."
                        .into(),
                ),
            )
            .await
        }
        Err(e) => error_page(&state, e),
    }
}

/// `POST /c/verify/passkey/options`: the options for proving an existing passkey.
pub async fn prove_passkey_options(
    State(state): State<CustomerState>,
    JsonSession(session): JsonSession,
) -> Response {
    match state.vault.begin_session_passkey_proof(&session).await {
        Ok(options) => json(StatusCode::OK, options),
        Err(e) => json_error(e),
    }
}

/// `POST /c/verify/passkey` (the assertion's JSON). Audit `customer_mfa.session_verify`.
pub async fn prove_passkey(
    State(state): State<CustomerState>,
    ctx: Ctx,
    JsonSession(session): JsonSession,
    body: Bytes,
) -> Response {
    match state
        .vault
        .finish_session_passkey_proof(&session, &body, origin(&ctx))
        .await
    {
        Ok(()) => json(
            StatusCode::OK,
            serde_json::json!({ "next": "/c/factors?verified=1" }),
        ),
        Err(e) => json_error(e),
    }
}
