//! Server functions for security admins: staff accounts, their roles and the API keys of the
//! channels. Every change needs a step-up and is audited.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::backend::AccessChange;
use crate::error::ConsoleError;
#[cfg(feature = "ssr")]
use crate::model::NewApiKeyRequest;
use crate::model::{ApiKeySummary, IssuedApiKey, IssuedPassword, UserSummary};

#[cfg(feature = "ssr")]
fn checked(flag: &Option<String>) -> bool {
    flag.as_deref()
        .is_some_and(|v| !v.is_empty() && v != "false")
}

/// Staff accounts. Permission: `users.manage`. Audit: `user.list`.
#[server(prefix = "/console/api", endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserSummary>, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.users().await }.await)
}

/// One staff account. Permission: `users.manage`. Audit: `user.read`.
#[server(prefix = "/console/api", endpoint = "user")]
pub async fn get_user(id: String) -> Result<UserSummary, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.user(id).await }.await)
}

/// Creates an account with one role and a one-time password (shown once; changed at first
/// sign-in). Permission: `users.manage` and a step-up. Audit: `user.create`.
#[server(prefix = "/console/api", endpoint = "create_user")]
pub async fn create_user(
    email: String,
    role: String,
    code: Option<String>,
) -> Result<IssuedPassword, ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .create_user(email, role, code)
                .await
        }
        .await,
    )
}

/// Sets an account's roles and its reveal grant (checkboxes). Permission: `users.manage` and
/// a step-up. Audit: `user.access_change` with before and after.
#[server(prefix = "/console/api", endpoint = "set_access")]
pub async fn set_access(
    user_id: String,
    support_agent: Option<String>,
    compliance_officer: Option<String>,
    security_admin: Option<String>,
    reveal: Option<String>,
    code: Option<String>,
) -> Result<UserSummary, ConsoleError> {
    crate::api::reply(
        async move {
            let mut roles = Vec::new();
            for (flag, role) in [
                (&support_agent, "support_agent"),
                (&compliance_officer, "compliance_officer"),
                (&security_admin, "security_admin"),
            ] {
                if checked(flag) {
                    roles.push(role.to_owned());
                }
            }
            let change = AccessChange {
                user_id,
                roles,
                can_reveal: checked(&reveal),
            };
            crate::backend::backend()?.set_access(change, code).await
        }
        .await,
    )
}

/// Disables (`disabled = "true"`) or re-enables an account. Permission: `users.manage` and a
/// step-up. Audit: `user.disable` / `user.enable`.
#[server(prefix = "/console/api", endpoint = "set_disabled")]
pub async fn set_disabled(
    user_id: String,
    disabled: String,
    code: Option<String>,
) -> Result<UserSummary, ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .set_disabled(user_id, disabled == "true", code)
                .await
        }
        .await,
    )
}

/// Removes an account's authenticator and recovery codes; it enrols again at next sign-in.
/// Permission: `users.manage` and a step-up. Audit: `user.mfa_reset`.
#[server(prefix = "/console/api", endpoint = "reset_mfa")]
pub async fn reset_mfa(user_id: String, code: Option<String>) -> Result<UserSummary, ConsoleError> {
    crate::api::reply(
        async move { crate::backend::backend()?.reset_mfa(user_id, code).await }.await,
    )
}

/// Issues an account a new one-time password (shown once; changed at the next sign-in), lifts
/// a lockout and ends its sessions; `reset_mfa` checked also removes its authenticator.
/// Permission: `users.manage` and a step-up. Audit: `user.password_reset`.
#[server(prefix = "/console/api", endpoint = "reset_password")]
pub async fn reset_password(
    user_id: String,
    reset_mfa: Option<String>,
    code: Option<String>,
) -> Result<IssuedPassword, ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .reset_password(user_id, checked(&reset_mfa), code)
                .await
        }
        .await,
    )
}

/// The customer step-up policy (read-only; it lives in configuration). Permission:
/// `users.manage` (security admins). Audit: none (no cardholder data).
#[server(prefix = "/console/api", endpoint = "step_up_policy")]
pub async fn step_up_policy() -> Result<crate::model::StepUpPolicyView, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.step_up_policy().await }.await)
}

/// API keys of the channels. Permission: `api_keys.manage`. Audit: `api_key.list`.
#[server(prefix = "/console/api", endpoint = "api_keys")]
pub async fn list_api_keys() -> Result<Vec<ApiKeySummary>, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.api_keys().await }.await)
}

pub use create_key::*;

/// The key-issuing server function: one argument per form field (each scope is a checkbox), more
/// than clippy's default allows, in the server and the browser build alike.
mod create_key {
    #![allow(clippy::too_many_arguments)]
    use super::*;

    /// Creates an API key (secret shown once). Scopes are checkboxes named `read`, `write`,
    /// `reveal`, `uses`, `mfa`, `hooks`, `oms`, `forward`, `connections`; `expires_days` (blank: none) and `allowed_ips`
    /// (CIDRs, blank: anywhere) limit it. A key with `reveal`, `oms` or `connections` works only after a second
    /// security admin approves it. Permission: `api_keys.manage` and a step-up. Audit:
    /// `api_key.create`.
    #[server(prefix = "/console/api", endpoint = "create_api_key")]
    pub async fn create_api_key(
        name: String,
        read: Option<String>,
        write: Option<String>,
        reveal: Option<String>,
        uses: Option<String>,
        mfa: Option<String>,
        hooks: Option<String>,
        oms: Option<String>,
        forward: Option<String>,
        connections: Option<String>,
        expires_days: Option<String>,
        allowed_ips: Option<String>,
        code: Option<String>,
    ) -> Result<IssuedApiKey, ConsoleError> {
        crate::api::reply(
            async move {
                let mut scopes = Vec::new();
                for (flag, scope) in [
                    (&read, "payment_methods:read"),
                    (&write, "payment_methods:write"),
                    (&reveal, "payment_methods:reveal"),
                    (&uses, "payment_methods:use"),
                    (&mfa, "customers:mfa"),
                    (&hooks, "webhooks:manage"),
                    (&oms, "channels:all"),
                    (&forward, "payment_methods:forward"),
                    (&connections, "connections:manage"),
                ] {
                    if checked(flag) {
                        scopes.push(scope.to_owned());
                    }
                }
                let expires_days = match expires_days.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(days) => Some(
                        days.parse::<u32>()
                            .ok()
                            .filter(|d| (1..=3650).contains(d))
                            .ok_or_else(|| {
                                ConsoleError::field(
                                    "expires_days",
                                    "Give a number of days from 1 to 3650, or leave it blank.",
                                )
                            })?,
                    ),
                };
                let request = NewApiKeyRequest {
                    name,
                    scopes,
                    expires_days,
                    allowed_ips: allowed_ips.unwrap_or_default(),
                    code,
                };
                crate::backend::backend()?.create_api_key(request).await
            }
            .await,
        )
    }
}

/// Approves a reveal or OMS-wide key another security admin issued. Permission:
/// `api_keys.manage` and a step-up. Audit: `api_key.approve`.
#[server(prefix = "/console/api", endpoint = "approve_api_key")]
pub async fn approve_api_key(id: String, code: Option<String>) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?.approve_api_key(id, code).await?;
            leptos_axum::redirect("/admin/api-keys");
            Ok(())
        }
        .await,
    )
}

/// Revokes an API key. Permission: `api_keys.manage` and a step-up. Audit: `api_key.revoke`.
#[server(prefix = "/console/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: String, code: Option<String>) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?.revoke_api_key(id, code).await?;
            leptos_axum::redirect("/admin/api-keys");
            Ok(())
        }
        .await,
    )
}
