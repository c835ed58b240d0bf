//! Server functions for the relay's connections (security admins, `api_keys.manage`): the list,
//! registering or changing one (a step-up; credentials never come back) and disabling one.

use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::model::ConnectionSummary;
#[cfg(feature = "ssr")]
use crate::model::{EditConnectionRequest, NewConnectionRequest};

/// Every connection, enabled first. Permission: `api_keys.manage`. Audit: `connection.list`.
#[server(prefix = "/console/api", endpoint = "connections")]
pub async fn list_connections() -> Result<Vec<ConnectionSummary>, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.connections().await }.await)
}

pub use create::*;

/// One argument per form field, more than clippy's default allows.
mod create {
    #![allow(clippy::too_many_arguments)]
    use super::*;

    /// Registers a connection. Permission: `api_keys.manage` and a step-up. Audit:
    /// `connection.create` (never the credentials).
    #[server(prefix = "/console/api", endpoint = "create_connection")]
    pub async fn create_connection(
        name: String,
        base_url: String,
        routes: String,
        auth_type: String,
        token: Option<String>,
        username: Option<String>,
        password: Option<String>,
        header_name: Option<String>,
        header_value: Option<String>,
        ca_pem: Option<String>,
        client_cert_pem: Option<String>,
        client_key_pem: Option<String>,
        timeout_ms: Option<String>,
        api_keys: Option<String>,
        require_use: Option<String>,
        code: Option<String>,
    ) -> Result<ConnectionSummary, ConsoleError> {
        crate::api::reply(
            async move {
                let request = NewConnectionRequest {
                    name,
                    base_url,
                    routes,
                    auth_type,
                    token: token.unwrap_or_default(),
                    username: username.unwrap_or_default(),
                    password: password.unwrap_or_default(),
                    header_name: header_name.unwrap_or_default(),
                    header_value: header_value.unwrap_or_default(),
                    ca_pem: ca_pem.unwrap_or_default(),
                    client_cert_pem: client_cert_pem.unwrap_or_default(),
                    client_key_pem: client_key_pem.unwrap_or_default(),
                    timeout_ms: timeout_ms.unwrap_or_default(),
                    api_keys: api_keys.unwrap_or_default(),
                    require_use: require_use.is_some(),
                    code,
                };
                crate::backend::backend()?.create_connection(request).await
            }
            .await,
        )
    }

    /// Changes a connection (never its destination). Permission: `api_keys.manage` and a
    /// step-up. Audit: `connection.update` (settings before and after; never a secret).
    #[server(prefix = "/console/api", endpoint = "update_connection")]
    pub async fn update_connection(
        id: String,
        name: Option<String>,
        routes: Option<String>,
        auth_type: Option<String>,
        token: Option<String>,
        username: Option<String>,
        password: Option<String>,
        header_name: Option<String>,
        header_value: Option<String>,
        ca_pem: Option<String>,
        remove_ca: Option<String>,
        client_cert_pem: Option<String>,
        client_key_pem: Option<String>,
        remove_client_certificate: Option<String>,
        timeout_ms: Option<String>,
        api_keys: Option<String>,
        require_use: Option<String>,
        code: Option<String>,
    ) -> Result<ConnectionSummary, ConsoleError> {
        crate::api::reply(
            async move {
                let request = EditConnectionRequest {
                    id,
                    name: name.unwrap_or_default(),
                    routes: routes.unwrap_or_default(),
                    auth_type: auth_type.unwrap_or_else(|| "keep".into()),
                    token: token.unwrap_or_default(),
                    username: username.unwrap_or_default(),
                    password: password.unwrap_or_default(),
                    header_name: header_name.unwrap_or_default(),
                    header_value: header_value.unwrap_or_default(),
                    ca_pem: ca_pem.unwrap_or_default(),
                    remove_ca: remove_ca.is_some(),
                    client_cert_pem: client_cert_pem.unwrap_or_default(),
                    client_key_pem: client_key_pem.unwrap_or_default(),
                    remove_client_certificate: remove_client_certificate.is_some(),
                    timeout_ms: timeout_ms.unwrap_or_default(),
                    api_keys: api_keys.unwrap_or_default(),
                    require_use: require_use.unwrap_or_else(|| "keep".into()),
                    code,
                };
                crate::backend::backend()?.update_connection(request).await
            }
            .await,
        )
    }
}

/// Disables a connection. Permission: `api_keys.manage`. Audit: `connection.disable`.
#[server(prefix = "/console/api", endpoint = "disable_connection")]
pub async fn disable_connection(id: String) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?.disable_connection(id).await?;
            leptos_axum::redirect("/admin/connections");
            Ok(())
        }
        .await,
    )
}
