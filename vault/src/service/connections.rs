//! Relay connections as a security admin (console) or a `connections:manage` key registers,
//! lists and disables them. Credentials are sealed on the way in and never shown again.

use crate::access::{CreateConnection, Grant, ManageConnections};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::seal;
use crate::error::VaultError;
use crate::relay::connection::{ConnectionSpec, Credentials};
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
        created_by: row.created_by.clone(),
        created: row.created_at / 1000,
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
        let actor = grant_actor(grant);
        let spec = ConnectionSpec::parse(body, &self.relay)?;
        let id = crate::token::random_id("conn");
        let sealed = spec
            .auth
            .as_ref()
            .map(|c| {
                seal::seal(
                    &self.keys.current(),
                    &connection_record(&id),
                    &c.to_sealable(),
                )
            })
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
        };
        let mut tx = self.store.writer().begin().await?;
        connections::insert(&mut tx, &row).await?;
        AuditEvent::new(actor, "connection.create", Outcome::Success, origin)
            .resource(CONNECTION, &id)
            .detail(serde_json::json!({
                "base_url": row.base_url, "routes": routes, "auth": row.auth_kind,
                "pinned_ca": row.ca_pem.is_some(), "api_keys": spec.api_keys,
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(view(&row))
    }

    /// Every connection, enabled first. Audit `connection.list`.
    pub async fn connections(
        &self,
        grant: &Grant<ManageConnections>,
        origin: &Origin,
    ) -> Result<Vec<ConnectionView>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let rows = connections::list(&mut conn).await?;
        drop(conn);
        let event = AuditEvent::new(
            grant_actor(grant),
            "connection.list",
            Outcome::Success,
            origin,
        );
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
        let actor = grant_actor(grant);
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

    /// The credentials of `row`, opened (the forward sends them).
    pub(crate) async fn connection_credentials(
        &self,
        row: &ConnectionRow,
    ) -> Result<Option<Credentials>, VaultError> {
        let stored = crate::cde::Stored {
            key_id: &row.key_id,
            nonce: &row.nonce,
            ciphertext: &row.secret,
        };
        let Some(clear) = self
            .open_stored(&connection_record(&row.id), stored)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&clear)
            .map(Some)
            .map_err(|_| VaultError::Upstream(UpstreamError::Settings))
    }
}
