//! Customers' pages under `/c/`: the enrolment link and factor management (a 15-minute cookie
//! after the link is redeemed), the step-up challenge, re-verification (a card form: a payment
//! page), and the passkey ceremonies' JSON. Responses are `no-store`, `Referrer-Policy:
//! no-referrer` (the link token is in the URL) and under a strict Content Security Policy whose
//! violation reports land in the audit log; state changes pass the console's same-origin check.

mod collect;
mod enrol;
mod reverify;
mod step_up;

use crate::api::extract::Ctx;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, REFERRER_POLICY, SET_COOKIE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use coffer_vault::customer::csp;
use coffer_vault::{Vault, VaultError};
use std::sync::{Arc, Mutex};

/// The customer's session cookie (after redeeming an enrolment link).
pub const COOKIE_NAME: &str = "coffer_customer";

/// Violation reports recorded per minute at most: anyone can send one, and the audit log is not
/// theirs to fill. Each address and each page has a budget, and the console's pages (whose
/// routes a sender can make up) share one more, so one sender, or a flood against one page or
/// made-up ones, cannot use up what a skimmer's reports on a payment page need (there are eight
/// payment pages: at most 160 of their reports a minute). The rest are dropped, and the first
/// drop of each minute is itself audited.
const REPORTS_PER_MINUTE: u32 = 60;
const REPORTS_PER_ADDRESS: u32 = 5;
const REPORTS_PER_PAGE: u32 = 20;

/// The violation reports' budgets.
pub struct ReportBudgets {
    by_address: crate::api::RateLimiter,
    by_page: crate::api::RateLimiter,
    /// (minute, console-page reports recorded in it, whether a drop was audited in it).
    all: Mutex<(i64, u32, bool)>,
}

impl Default for ReportBudgets {
    fn default() -> Self {
        ReportBudgets {
            by_address: crate::api::RateLimiter::per_minute(
                REPORTS_PER_ADDRESS,
                REPORTS_PER_ADDRESS,
            ),
            by_page: crate::api::RateLimiter::per_minute(REPORTS_PER_PAGE, REPORTS_PER_PAGE),
            all: Mutex::new((0, 0, false)),
        }
    }
}

impl ReportBudgets {
    /// `None` if a report from `address` about `page` may be recorded, else the budget it is
    /// over and whether this is the minute's first drop.
    fn take(&self, address: &str, page: &str) -> Option<(&'static str, bool)> {
        let minute = coffer_vault::clock::now_millis() / 60_000;
        let mut all = self
            .all
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if all.0 != minute {
            *all = (minute, 0, false);
        }
        let over = if self.by_address.check(address).is_err() {
            Some("address")
        } else if self.by_page.check(page).is_err() {
            Some("page")
        } else if csp::is_payment_page(page) {
            None
        } else if all.1 >= REPORTS_PER_MINUTE {
            Some("console")
        } else {
            all.1 += 1;
            None
        };
        over.map(|budget| {
            let first = !all.2;
            all.2 = true;
            (budget, first)
        })
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct CustomerState {
    pub vault: Arc<Vault>,
    pub secure_cookies: bool,
    reports: Arc<ReportBudgets>,
}

pub fn routes(vault: Arc<Vault>, secure_cookies: bool) -> Router {
    let state = CustomerState {
        vault,
        secure_cookies,
        reports: Arc::default(),
    };
    Router::new()
        .route("/c/enrol/{token}", get(enrol::landing).post(enrol::redeem))
        .route("/c/factors", get(enrol::factors))
        .route("/c/factors/totp", post(enrol::begin_totp))
        .route("/c/factors/totp/{id}", post(enrol::confirm_totp))
        .route("/c/factors/{id}/remove", post(enrol::remove))
        .route("/c/preferences", post(enrol::preferences))
        .route("/c/done", post(enrol::done))
        .route("/c/verify", post(enrol::prove))
        .route(
            "/c/verify/passkey/options",
            post(enrol::prove_passkey_options),
        )
        .route("/c/verify/passkey", post(enrol::prove_passkey))
        .route("/c/passkeys/options", post(enrol::passkey_options))
        .route("/c/passkeys", post(enrol::passkey_finish))
        .route(
            "/c/step-up/{token}",
            get(step_up::page).post(step_up::answer_code),
        )
        .route(
            "/c/step-up/{token}/passkey/options",
            post(step_up::passkey_options),
        )
        .route("/c/step-up/{token}/passkey", post(step_up::passkey_finish))
        .route(
            "/c/reverify/{token}",
            get(reverify::page).post(reverify::submit),
        )
        .route(
            "/c/collect/{token}",
            get(collect::page).post(collect::submit),
        )
        .route("/c/passkey.js", get(passkey_js))
        .route("/c/customer.css", get(customer_css))
        .route(
            csp::REPORT_PATH,
            post(csp_report).layer(DefaultBodyLimit::max(csp::MAX_REPORT_BYTES)),
        )
        .with_state(state)
        .layer(axum::middleware::map_response(page_headers))
}

async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp::POLICY),
    );
    response
}

/// `POST /c/csp-report`: a browser reports content our policy blocked on a customer page. The
/// raw body goes to the vault, which keeps the page's route, the directive and the blocked
/// origin in the audit log. Always 204 unless the audit log cannot be written.
async fn csp_report(State(state): State<CustomerState>, ctx: Ctx, body: Bytes) -> StatusCode {
    let Some(page) = state.vault.page_of_violation(&body) else {
        return StatusCode::NO_CONTENT;
    };
    let address = ctx.origin.ip.as_deref().unwrap_or("unknown");
    if let Some((budget, first)) = state.reports.take(address, &page) {
        if first {
            tracing::warn!(
                budget,
                "page violation reports over a budget: dropping the rest"
            );
            if let Err(e) = state
                .vault
                .record_dropped_violations(budget, &ctx.origin)
                .await
            {
                tracing::error!(error = %e, "dropped violation reports could not be audited");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
        return StatusCode::NO_CONTENT;
    }
    match state.vault.record_page_violation(&body, &ctx.origin).await {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(e) => {
            tracing::error!(error = %e, "a payment page violation report could not be audited");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

async fn passkey_js() -> Response {
    asset(
        include_str!("../../../public/customer/passkey.js"),
        "text/javascript; charset=utf-8",
    )
}

async fn customer_css() -> Response {
    asset(
        include_str!("../../../style/customer.css"),
        "text/css; charset=utf-8",
    )
}

fn asset(text: &'static str, kind: &'static str) -> Response {
    ([(CONTENT_TYPE, HeaderValue::from_static(kind))], text).into_response()
}

/// An HTML page with `status`.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// A JSON answer for the passkey script.
pub(crate) fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// The merchant name customers see.
pub(crate) fn merchant(state: &CustomerState) -> String {
    state.vault.customer_settings().merchant_name.clone()
}

/// The page for a vault error: an expired link, or an apology with an incident id.
pub(crate) fn error_page(state: &CustomerState, e: VaultError) -> Response {
    let merchant = merchant(state);
    match e {
        VaultError::LinkExpired | VaultError::NotFound => html(
            StatusCode::GONE,
            coffer_app::customer::link_expired(&merchant),
        ),
        // A change before the customer proved an existing factor: back to the list, which
        // asks for the proof.
        VaultError::Denied(_) => see_other("/c/factors", None),
        other => {
            let incident = coffer_vault::token::random_id("inc");
            tracing::error!(incident = %incident, error = %other, "customer page failed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                coffer_app::customer::challenge_result(
                    &merchant,
                    false,
                    &format!(
                        "Something went wrong on our side; nothing was changed. Please try again in a moment. Incident {incident}."
                    ),
                ),
            )
        }
    }
}

/// A JSON error for the passkey script.
pub(crate) fn json_error(e: VaultError) -> Response {
    let (status, code, message) = match e {
        VaultError::LinkExpired | VaultError::NotFound => (
            StatusCode::GONE,
            "link_expired",
            "This page has expired. Reload it or ask for a new link.",
        ),
        VaultError::PasskeysUnavailable => (
            StatusCode::NOT_FOUND,
            "passkeys_unavailable",
            "Passkeys are not available here.",
        ),
        VaultError::Denied(_) => (
            StatusCode::FORBIDDEN,
            "proof_required",
            "Confirm it's you with a method you already have first.",
        ),
        VaultError::Invalid(_) | VaultError::InvalidCode => (
            StatusCode::BAD_REQUEST,
            "passkey_rejected",
            "That passkey could not be verified. Try again.",
        ),
        other => {
            let incident = coffer_vault::token::random_id("inc");
            tracing::error!(incident = %incident, error = %other, "customer passkey request failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Something went wrong on our side. Try again in a moment.",
            )
        }
    };
    json(
        status,
        serde_json::json!({ "error": { "code": code, "message": message } }),
    )
}

/// The session cookie's token, if the request carries one.
pub(crate) fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for the session (or its removal when `token` is `None`).
pub(crate) fn session_cookie(state: &CustomerState, token: Option<&str>) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let text = match token {
        Some(t) => {
            format!("{COOKIE_NAME}={t}; Path=/c; HttpOnly; SameSite=Strict; Max-Age=900{secure}")
        }
        None => format!("{COOKIE_NAME}=; Path=/c; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A 303 to `to`, optionally setting a cookie.
pub(crate) fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert("location", v);
    }
    if let Some(c) = cookie {
        response.headers_mut().insert(SET_COOKIE, c);
    }
    response
}

/// The form fields of a urlencoded body.
pub(crate) fn form(body: &Bytes) -> std::collections::HashMap<String, String> {
    crate::console::export::decode_form(body)
}

/// The origin of a customer request (IP, user agent, request id).
pub(crate) fn origin(ctx: &Ctx) -> &coffer_vault::audit::Origin {
    &ctx.origin
}
