//! Relay connections as a security admin (console), a `connections:manage` key or the host's
//! command line registers, lists and disables them. Credentials and a client certificate's key
//! are sealed on the way in and never shown again.

use crate::access::{Actor, CreateConnection, Denied, Grant, ManageConnections};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::seal;
use crate::error::VaultError;
use crate::relay::client_cert::describe;
use crate::relay::connection::{ConnectionSpec, Credentials, Secrets};
use crate::relay::{ConnectionView, Route, UpstreamError};
use crate::service::{Vault, grant_actor};
use crate::store::connections::{self, ConnectionRow};

pub(crate) const CONNECTION: &str = "connection";

/// The record a connection's sealed credentials are bound to.
pub(crate) fn connection_record(id: &str) -> String {
    format!("connection:{id}")
}

pub(crate) fn view(row: &ConnectionRow) -> ConnectionView {
    ConnectionView {
        id: row.id.clone(),
        object: "connection",
        name: row.name.clone(),
        base_url: row.base_url.clone(),
        routes: serde_json::from_str(&row.routes).unwrap_or_default(),
        auth: row.auth_kind.clone(),
        pinned_ca: row.ca_pem.is_some(),
        timeout_ms: row.timeout_ms,
        api_keys: row
            .api_keys
            .as_deref()
            .and_then(|k| serde_json::from_str(k).ok()),
        client_certificate: row.client_cert_pem.as_deref().and_then(describe),
        require_use: row.require_use != 0,
        created_by: row.created_by.clone(),
        created: row.created_at / 1000,
        updated: row.updated_at.map(|t| t / 1000),
        status: if row.disabled_at.is_none() {
            "enabled"
        } else {
            "disabled"
        },
    }
}

impl Vault {
    /// Registers a connection. Scope `connections:manage` (a key issued with a second admin's
    /// approval) or a security admin who stepped up; audit `connection.create` (the base URL and
    /// routes, never the credentials).
    pub async fn create_connection(
        &self,
        grant: &Grant<CreateConnection>,
        body: &[u8],
        origin: &Origin,
    ) -> Result<ConnectionView, VaultError> {
        self.insert_connection(grant_actor(grant), body, origin)
            .await
    }

    async fn insert_connection(
        &self,
        actor: &Actor,
        body: &[u8],
        origin: &Origin,
    ) -> Result<ConnectionView, VaultError> {
        let spec = ConnectionSpec::parse(body, &self.relay)?;
        let id = crate::token::random_id("conn");
        let sealed = spec
            .sealable()
            .map(|clear| seal::seal(&self.keys.current(), &connection_record(&id), &clear))
            .transpose()?;
        let routes: &[Route] = &spec.routes;
        let row = ConnectionRow {
            id: id.clone(),
            name: spec.name.clone(),
            base_url: spec.base_url.as_str().to_owned(),
            routes: serde_json::to_string(routes).unwrap_or_default(),
            auth_kind: spec
                .auth
                .as_ref()
                .map_or("none", Credentials::kind)
                .to_owned(),
            key_id: sealed.as_ref().map(|s| s.key_id.clone()),
            nonce: sealed.as_ref().map(|s| s.nonce.clone()),
            secret: sealed.map(|s| s.ciphertext),
            ca_pem: spec.ca_pem.clone(),
            timeout_ms: spec.timeout_ms,
            api_keys: spec
                .api_keys
                .as_ref()
                .map(|k| serde_json::to_string(k).unwrap_or_default()),
            created_by: actor.id().to_owned(),
            created_at: crate::clock::now_millis(),
            disabled_at: None,
            client_cert_pem: spec.client_certificate.as_ref().map(|c| c.cert_pem.clone()),
            require_use: i64::from(spec.require_use),
            updated_at: None,
        };
        let shown = view(&row);
        let mut tx = self.store.writer().begin().await?;
        connections::insert(&mut tx, &row).await?;
        AuditEvent::new(actor, "connection.create", Outcome::Success, origin)
            .resource(CONNECTION, &id)
            .detail(settings_detail(&shown))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(shown)
    }

    /// Every connection, enabled first. Audit `connection.list`.
    pub async fn connections(
        &self,
        grant: &Grant<ManageConnections>,
        origin: &Origin,
    ) -> Result<Vec<ConnectionView>, VaultError> {
        self.list_connections_as(grant_actor(grant), origin).await
    }

    async fn list_connections_as(
        &self,
        actor: &Actor,
        origin: &Origin,
    ) -> Result<Vec<ConnectionView>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let rows = connections::list(&mut conn).await?;
        drop(conn);
        let event = AuditEvent::new(actor, "connection.list", Outcome::Success, origin);
        self.audit_alone(&event).await?;
        Ok(rows.iter().map(view).collect())
    }

    /// Disables a connection: no forward goes to it again. Audit `connection.disable`; 404 if
    /// there is no such enabled connection.
    pub async fn disable_connection(
        &self,
        grant: &Grant<ManageConnections>,
        id: &str,
        origin: &Origin,
    ) -> Result<ConnectionView, VaultError> {
        self.disable_connection_as(grant_actor(grant), id, origin)
            .await
    }

    async fn disable_connection_as(
        &self,
        actor: &Actor,
        id: &str,
        origin: &Origin,
    ) -> Result<ConnectionView, VaultError> {
        let mut tx = self.store.writer().begin().await?;
        let Some(mut row) = connections::find_enabled(&mut tx, id).await? else {
            drop(tx);
            let event = AuditEvent::new(actor, "connection.disable", Outcome::Failure, origin)
                .resource(CONNECTION, id)
                .detail(serde_json::json!({ "code": "resource_missing" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        };
        let now = crate::clock::now_millis();
        connections::disable(&mut tx, id, now).await?;
        AuditEvent::new(actor, "connection.disable", Outcome::Success, origin)
            .resource(CONNECTION, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        self.relay_clients.forget(id);
        row.disabled_at = Some(now);
        Ok(view(&row))
    }

    /// The sealed secrets of `row`, opened (the forward sends them).
    pub(crate) async fn connection_secrets(
        &self,
        row: &ConnectionRow,
    ) -> Result<Secrets, VaultError> {
        let stored = crate::cde::Stored {
            key_id: &row.key_id,
            nonce: &row.nonce,
            ciphertext: &row.secret,
        };
        let Some(clear) = self
            .open_stored(&connection_record(&row.id), stored)
            .await?
        else {
            return Ok(Secrets {
                auth: None,
                client_key_pem: None,
            });
        };
        Secrets::from_opened(&clear).ok_or(VaultError::Upstream(UpstreamError::Settings))
    }

    /// Registers a connection from the host's command line (the system operator only; the
    /// body is the API's). Audit `connection.create` by `system`.
    pub async fn create_connection_on_host(
        &self,
        operator: &Actor,
        body: &[u8],
    ) -> Result<ConnectionView, VaultError> {
        self.host_only(operator, "connection.create").await?;
        self.insert_connection(operator, body, &Origin::default())
            .await
    }

    /// Every connection, for the host's command line. Audit `connection.list` by `system`.
    pub async fn connections_on_host(
        &self,
        operator: &Actor,
    ) -> Result<Vec<ConnectionView>, VaultError> {
        self.host_only(operator, "connection.list").await?;
        self.list_connections_as(operator, &Origin::default()).await
    }

    /// Disables a connection from the host's command line. Audit `connection.disable`.
    pub async fn disable_connection_on_host(
        &self,
        operator: &Actor,
        id: &str,
    ) -> Result<ConnectionView, VaultError> {
        self.host_only(operator, "connection.disable").await?;
        self.disable_connection_as(operator, id, &Origin::default())
            .await
    }

    /// Refuses (audited) anyone but the system operator on the host.
    async fn host_only(&self, operator: &Actor, action: &'static str) -> Result<(), VaultError> {
        if operator.is_host_shell_operator() {
            return Ok(());
        }
        let origin = Origin::default();
        let event = AuditEvent::new(operator, action, Outcome::Denied, &origin);
        self.audit_alone(&event).await?;
        Err(Denied {
            action,
            required: "system operator",
            step_up: false,
        }
        .into())
    }
}

/// A connection's settings as its audit events record them (never a secret).
pub(crate) fn settings_detail(v: &ConnectionView) -> serde_json::Value {
    serde_json::json!({
        "name": v.name, "base_url": v.base_url, "routes": v.routes, "auth": v.auth,
        "pinned_ca": v.pinned_ca, "timeout_ms": v.timeout_ms, "api_keys": v.api_keys,
        "client_certificate": v.client_certificate.as_ref().map(|c| &c.sha256),
        "require_use": v.require_use,
    })
}
