//! Changing a relay connection: its name, routes, timeout, pinned CA, permitted API keys, the
//! use requirement, and replacing its credentials or client certificate. Its destination (the
//! base URL) never changes: that is a new connection. Every change is checked as a registration
//! is, sealed anew, and audited with the settings before and after (never a secret).

use super::connections::{CONNECTION, connection_record, settings_detail, view};
use crate::access::{EditConnection, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::cde::seal;
use crate::error::VaultError;
use crate::relay::ConnectionView;
use crate::relay::connection::{ConnectionSpec, Credentials, sealable};
use crate::service::{Vault, grant_actor};
use crate::store::connections::{self, ConnectionRow};
use serde_json::{Map, Value};

/// The connection's current settings as a registration body, with `patch` laid over them
/// (`null` clears an optional setting). Credentials and the client certificate are taken from
/// the patch only: the stored ones are kept unless it replaces them.
fn merged(row: &ConnectionRow, patch: &Map<String, Value>) -> Result<Value, IntakeError> {
    if patch.contains_key("base_url") {
        return Err(IntakeError::invalid_because(
            "base_url",
            "a connection's destination cannot change: register a new one and disable this",
        ));
    }
    let mut body = serde_json::json!({
        "name": row.name,
        "base_url": row.base_url,
        "routes": serde_json::from_str::<Value>(&row.routes).unwrap_or(Value::Null),
        "timeout_ms": row.timeout_ms,
        "require_use": row.require_use != 0,
    });
    if let Some(ca) = &row.ca_pem {
        body["ca_pem"] = Value::String(ca.clone());
    }
    if let Some(keys) = row.api_keys.as_deref() {
        body["api_keys"] = serde_json::from_str(keys).unwrap_or(Value::Null);
    }
    let Value::Object(fields) = &mut body else {
        return Err(IntakeError::malformed_json());
    };
    for (k, v) in patch {
        if v.is_null() {
            fields.remove(k);
        } else {
            fields.insert(k.clone(), v.clone());
        }
    }
    Ok(body)
}

impl Vault {
    /// Changes connection `id`. Scope `connections:manage`, or a security admin who stepped up;
    /// audit `connection.update` with the settings before and after and which secrets were
    /// replaced. 404 for no enabled connection `id`. Forwards after it use the new settings,
    /// on every server sharing the database (the HTTP client is keyed by the change time).
    pub async fn update_connection(
        &self,
        grant: &Grant<EditConnection>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<ConnectionView, VaultError> {
        let actor = grant_actor(grant);
        let de = &mut serde_json::Deserializer::from_slice(body);
        let patch: Map<String, Value> =
            serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
        let mut conn = self.store.reader().acquire().await?;
        let found = connections::find_enabled(&mut conn, id).await?;
        drop(conn);
        let Some(row) = found else {
            let event = AuditEvent::new(actor, "connection.update", Outcome::Failure, origin)
                .resource(CONNECTION, id)
                .detail(serde_json::json!({ "code": "resource_missing" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        };
        let body = merged(&row, &patch)?;
        let spec = ConnectionSpec::parse(body.to_string().as_bytes(), &self.relay)?;
        let old = self.connection_secrets(&row).await?;
        let new_auth = patch.contains_key("auth");
        let new_cert = patch.contains_key("client_certificate");
        let auth = if new_auth {
            spec.auth.as_ref()
        } else {
            old.auth.as_ref()
        };
        let (cert_pem, key) = match (&spec.client_certificate, new_cert) {
            (Some(c), true) => (Some(c.cert_pem.clone()), Some(&c.key_pem)),
            (None, true) => (None, None),
            (_, false) => (row.client_cert_pem.clone(), old.client_key_pem.as_ref()),
        };
        let sealed = sealable(auth, key)
            .map(|clear| seal::seal(&self.keys.current(), &connection_record(id), &clear))
            .transpose()?;
        let now = crate::clock::now_millis();
        let after = ConnectionRow {
            name: spec.name.clone(),
            routes: serde_json::to_string(&spec.routes).unwrap_or_default(),
            auth_kind: auth.map_or("none", Credentials::kind).to_owned(),
            key_id: sealed.as_ref().map(|s| s.key_id.clone()),
            nonce: sealed.as_ref().map(|s| s.nonce.clone()),
            secret: sealed.map(|s| s.ciphertext),
            ca_pem: spec.ca_pem.clone(),
            timeout_ms: spec.timeout_ms,
            api_keys: spec
                .api_keys
                .as_ref()
                .map(|k| serde_json::to_string(k).unwrap_or_default()),
            client_cert_pem: cert_pem,
            require_use: i64::from(spec.require_use),
            updated_at: Some(now.max(row.updated_at.unwrap_or(0) + 1)),
            ..row.clone()
        };
        let (before, shown) = (view(&row), view(&after));
        let mut tx = self.store.writer().begin().await?;
        if !connections::update(&mut tx, &after, row.updated_at).await? {
            return Err(IntakeError::invalid_because(
                "body",
                "the connection changed or was disabled while this edit was made: read it again",
            )
            .into());
        }
        AuditEvent::new(actor, "connection.update", Outcome::Success, origin)
            .resource(CONNECTION, id)
            .detail(serde_json::json!({
                "before": settings_detail(&before), "after": settings_detail(&shown),
                "auth_replaced": new_auth, "client_certificate_replaced": new_cert,
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        self.relay_clients.forget(id);
        Ok(shown)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn row() -> ConnectionRow {
        ConnectionRow {
            id: "conn_1".into(),
            name: "Stripe".into(),
            base_url: "https://api.stripe.com".into(),
            routes: r#"[{"method":"POST","path":"/v1/payment_methods"}]"#.into(),
            auth_kind: "bearer".into(),
            key_id: None,
            nonce: None,
            secret: None,
            ca_pem: Some("PEM".into()),
            timeout_ms: 10_000,
            api_keys: Some(r#"["ak_a"]"#.into()),
            created_by: "usr_1".into(),
            created_at: 1,
            disabled_at: None,
            client_cert_pem: None,
            require_use: 0,
            updated_at: None,
        }
    }

    fn patch(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_patch_lays_over_the_settings_and_null_clears() {
        let b = merged(
            &row(),
            &patch(serde_json::json!({"timeout_ms": 2000, "ca_pem": null, "require_use": true})),
        )
        .unwrap();
        assert_eq!(b["timeout_ms"], 2000);
        assert_eq!(b["require_use"], true);
        assert!(b.get("ca_pem").is_none());
        assert_eq!(b["api_keys"], serde_json::json!(["ak_a"]));
        assert_eq!(b["routes"][0]["path"], "/v1/payment_methods");
        assert!(
            b.get("auth").is_none(),
            "stored credentials are never put in the body"
        );
    }

    #[test]
    fn the_destination_cannot_change() {
        let err = merged(
            &row(),
            &patch(serde_json::json!({"base_url": "https://evil.example"})),
        )
        .unwrap_err();
        assert_eq!(err.param.as_deref(), Some("base_url"));
    }
}
