//! Server functions for signing in and out, MFA enrolment and step-up (PCI DSS 8.2–8.5).
//! Each is one call into the backend; on success the sign-in steps redirect to the next page.

use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::model::{Enrolment, Me, SessionState};

/// Sends the browser on from a sign-in step: to `next` (a same-origin page, checked here) once
/// fully signed in, else to the next step with `next` carried along.
#[cfg(feature = "ssr")]
fn go_on(state: &SessionState, next: Option<String>) {
    let next = crate::return_path::ReturnPath::from_field(next.as_deref());
    leptos_axum::redirect(&crate::return_path::after_step(state, next.as_ref()));
}

/// Where the session stands. Permission: none. Audit: none.
#[server(prefix = "/console/api", endpoint = "session")]
pub async fn get_session() -> Result<SessionState, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.session_state().await }.await)
}

/// Email and password. Answers the same for unknown accounts, wrong passwords and locked
/// accounts. Audit: `staff.sign_in` (success or failure). Redirects to the next step, or to
/// `next` (a same-origin page) once signed in.
#[server(prefix = "/console/api", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<SessionState, ConsoleError> {
    crate::api::reply(
        async move {
            let state = crate::backend::backend()?.sign_in(email, password).await?;
            go_on(&state, next);
            Ok(state)
        }
        .await,
    )
}

/// The second factor at sign-in: a TOTP code or a recovery code. Audit: `staff.mfa`.
#[server(prefix = "/console/api", endpoint = "verify_mfa")]
pub async fn verify_mfa(code: String, next: Option<String>) -> Result<SessionState, ConsoleError> {
    crate::api::reply(
        async move {
            let state = crate::backend::backend()?.verify_mfa(code).await?;
            go_on(&state, next);
            Ok(state)
        }
        .await,
    )
}

/// Replaces the password (first use of an issued one, or by choice). Audit: `staff.password_change`.
#[server(prefix = "/console/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new_password: String,
    confirm: String,
    next: Option<String>,
) -> Result<SessionState, ConsoleError> {
    crate::api::reply(
        async move {
            let change = crate::backend::PasswordChange {
                current,
                new: new_password,
                confirm,
            };
            let state = crate::backend::backend()?.change_password(change).await?;
            go_on(&state, next);
            Ok(state)
        }
        .await,
    )
}

/// Starts (or restarts) TOTP enrolment: a new key and recovery codes, valid once confirmed.
/// Audit: `staff.mfa_enrolment_start`.
#[server(prefix = "/console/api", endpoint = "mfa_enrolment")]
pub async fn mfa_enrolment() -> Result<Enrolment, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.mfa_enrolment().await }.await)
}

/// Confirms enrolment with a code from the authenticator. Audit: `staff.mfa_enrol`.
#[server(prefix = "/console/api", endpoint = "confirm_mfa")]
pub async fn confirm_mfa(code: String, next: Option<String>) -> Result<SessionState, ConsoleError> {
    crate::api::reply(
        async move {
            let state = crate::backend::backend()?.confirm_mfa(code).await?;
            go_on(&state, next);
            Ok(state)
        }
        .await,
    )
}

/// Ends the session. Audit: `staff.sign_out`.
#[server(prefix = "/console/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?.sign_out().await?;
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// Right after a sign-in with a recovery code: removes the member's own authenticator (and the
/// remaining codes), ends their other sessions, and sends them to enrol a new one.
/// Audit: `staff.mfa_replace`.
#[server(prefix = "/console/api", endpoint = "replace_authenticator")]
pub async fn replace_authenticator() -> Result<SessionState, ConsoleError> {
    crate::api::reply(
        async move {
            let state = crate::backend::backend()?.replace_authenticator().await?;
            go_on(&state, None);
            Ok(state)
        }
        .await,
    )
}

/// Verifies a fresh TOTP code for high-value actions (valid a few minutes); renews the session
/// id. Audit: `staff.step_up`.
#[server(prefix = "/console/api", endpoint = "step_up")]
pub async fn step_up(code: String) -> Result<Me, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.step_up(code).await }.await)
}
