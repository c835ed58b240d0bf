//! The relay's connections in the console (security admins, `api_keys.manage`): the list,
//! registering or changing one after a step-up (the form becomes the vault's JSON body; its
//! credentials are sealed there and never come back), and disabling one.

use super::errors::map;
use super::{VaultBackend, views};
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::ConnectionsBackend;
use coffer_app::model::{
    ClientCertificateSummary, ConnectionSummary, EditConnectionRequest, NewConnectionRequest,
};
use coffer_vault::access::{CreateConnection, EditConnection, ManageConnections};
use coffer_vault::relay::ConnectionView;
use serde_json::{Value, json};

fn summary(c: ConnectionView) -> ConnectionSummary {
    ConnectionSummary {
        id: c.id,
        name: c.name,
        base_url: c.base_url,
        routes: c
            .routes
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect(),
        auth: c.auth,
        pinned_ca: c.pinned_ca,
        timeout_ms: c.timeout_ms,
        api_keys: c.api_keys.unwrap_or_default(),
        client_certificate: c.client_certificate.map(|cc| ClientCertificateSummary {
            subject: cc.subject,
            not_after: views::rfc3339(cc.not_after * 1000),
            sha256: cc.sha256,
        }),
        require_use: c.require_use,
        created_by: c.created_by,
        created_at: views::rfc3339(c.created * 1000),
        updated_at: c.updated.map(|t| views::rfc3339(t * 1000)),
        status: c.status.to_owned(),
    }
}

/// `METHOD /path` lines as the vault's routes.
fn routes(text: &str) -> Result<Vec<Value>, ConsoleError> {
    let mut routes = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((method, path)) = line.split_once(char::is_whitespace) else {
            return Err(ConsoleError::field(
                "routes",
                "Write each route as METHOD /path, e.g. POST /v1/payment_methods.",
            ));
        };
        routes.push(json!({ "method": method, "path": path.trim() }));
    }
    Ok(routes)
}

/// The credentials chosen (`None` for `none`).
fn auth(
    kind: &str,
    token: &str,
    user: (&str, &str),
    header: (&str, &str),
) -> Result<Option<Value>, ConsoleError> {
    Ok(Some(match kind {
        "none" => return Ok(None),
        "bearer" => json!({ "type": "bearer", "token": token }),
        "basic" => json!({ "type": "basic", "username": user.0, "password": user.1 }),
        "header" => json!({ "type": "header", "name": header.0, "value": header.1 }),
        _ => {
            return Err(ConsoleError::field(
                "auth",
                "Choose how Coffer authenticates.",
            ));
        }
    }))
}

/// A client certificate from its two fields: both blank is none; one alone is a mistake.
fn client_certificate(cert: &str, key: &str) -> Result<Option<Value>, ConsoleError> {
    match (cert.trim(), key.trim()) {
        ("", "") => Ok(None),
        ("", _) | (_, "") => Err(ConsoleError::field(
            "client_certificate",
            "Give both the certificate chain and its private key.",
        )),
        (c, k) => Ok(Some(json!({ "cert_pem": c, "key_pem": k }))),
    }
}

fn timeout(text: &str) -> Result<Option<i64>, ConsoleError> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| ConsoleError::field("timeout_ms", "Give milliseconds from 100 to 60000.")),
    }
}

fn key_list(text: &str) -> Vec<&str> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect()
}

/// The change form as the vault's patch: only what the form changes.
fn patch(r: &EditConnectionRequest) -> Result<Value, ConsoleError> {
    let mut b = json!({});
    if !r.name.trim().is_empty() {
        b["name"] = json!(r.name.trim());
    }
    if !r.routes.trim().is_empty() {
        b["routes"] = json!(routes(&r.routes)?);
    }
    if r.auth_type != "keep" {
        let user = (r.username.as_str(), r.password.as_str());
        let header = (r.header_name.as_str(), r.header_value.as_str());
        b["auth"] = auth(&r.auth_type, &r.token, user, header)?.unwrap_or(Value::Null);
    }
    if r.remove_ca {
        b["ca_pem"] = Value::Null;
    } else if !r.ca_pem.trim().is_empty() {
        b["ca_pem"] = json!(r.ca_pem.trim());
    }
    if r.remove_client_certificate {
        b["client_certificate"] = Value::Null;
    } else if let Some(c) = client_certificate(&r.client_cert_pem, &r.client_key_pem)? {
        b["client_certificate"] = c;
    }
    if let Some(ms) = timeout(&r.timeout_ms)? {
        b["timeout_ms"] = json!(ms);
    }
    match r.api_keys.trim() {
        "" => {}
        "any" => b["api_keys"] = Value::Null,
        keys => b["api_keys"] = json!(key_list(keys)),
    }
    match r.require_use.as_str() {
        "yes" => b["require_use"] = json!(true),
        "no" => b["require_use"] = json!(false),
        _ => {}
    }
    if b.as_object().is_some_and(serde_json::Map::is_empty) {
        return Err(ConsoleError::field("id", "Change at least one setting."));
    }
    Ok(b)
}

/// The form as the vault's registration body.
fn body(r: &NewConnectionRequest) -> Result<Value, ConsoleError> {
    let user = (r.username.as_str(), r.password.as_str());
    let header = (r.header_name.as_str(), r.header_value.as_str());
    let auth = auth(&r.auth_type, &r.token, user, header)?;
    let mut b = json!({
        "name": r.name.trim(), "base_url": r.base_url.trim(), "routes": routes(&r.routes)?,
    });
    if let Some(auth) = auth {
        b["auth"] = auth;
    }
    if !r.ca_pem.trim().is_empty() {
        b["ca_pem"] = json!(r.ca_pem.trim());
    }
    if let Some(c) = client_certificate(&r.client_cert_pem, &r.client_key_pem)? {
        b["client_certificate"] = c;
    }
    if let Some(ms) = timeout(&r.timeout_ms)? {
        b["timeout_ms"] = json!(ms);
    }
    let keys = key_list(&r.api_keys);
    if !keys.is_empty() {
        b["api_keys"] = json!(keys);
    }
    if r.require_use {
        b["require_use"] = json!(true);
    }
    Ok(b)
}

#[async_trait]
impl ConnectionsBackend for VaultBackend {
    async fn connections(&self) -> Result<Vec<ConnectionSummary>, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageConnections>(&mut who, None, None)
            .await?;
        let found = self
            .vault
            .connections(&grant, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(found.into_iter().map(summary).collect())
    }

    async fn create_connection(
        &self,
        request: NewConnectionRequest,
    ) -> Result<ConnectionSummary, ConsoleError> {
        let body = body(&request)?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<CreateConnection>(&mut who, request.code, None)
            .await?;
        self.vault
            .create_connection(&grant, body.to_string().as_bytes(), &who.req.origin)
            .await
            .map(summary)
            .map_err(map)
    }

    async fn update_connection(
        &self,
        request: EditConnectionRequest,
    ) -> Result<ConnectionSummary, ConsoleError> {
        let body = patch(&request)?;
        let mut who = self.signed_in().await?;
        let target = Some(("connection", request.id.as_str()));
        let grant = self
            .authorize_with::<EditConnection>(&mut who, request.code.clone(), target)
            .await?;
        self.vault
            .update_connection(
                &grant,
                &request.id,
                body.to_string().as_bytes(),
                &who.req.origin,
            )
            .await
            .map(summary)
            .map_err(map)
    }

    async fn disable_connection(&self, id: String) -> Result<ConnectionSummary, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageConnections>(&mut who, None, Some(("connection", &id)))
            .await?;
        self.vault
            .disable_connection(&grant, &id, &who.req.origin)
            .await
            .map(summary)
            .map_err(map)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_form_becomes_the_vaults_body() {
        let r = NewConnectionRequest {
            name: " Stripe ".into(),
            base_url: "https://api.stripe.com".into(),
            routes: "POST /v1/payment_methods\n\n post  /v1/payment_intents*".into(),
            auth_type: "bearer".into(),
            token: "sk_test_1".into(),
            timeout_ms: "2000".into(),
            api_keys: "ak_a, ak_b".into(),
            ..Default::default()
        };
        let b = body(&r).unwrap();
        assert_eq!(b["name"], "Stripe");
        assert_eq!(
            b["routes"][1],
            json!({"method": "post", "path": "/v1/payment_intents*"})
        );
        assert_eq!(b["auth"]["token"], "sk_test_1");
        assert_eq!(b["timeout_ms"], 2000);
        assert_eq!(b["api_keys"], json!(["ak_a", "ak_b"]));
        assert!(b.get("ca_pem").is_none());
        let bad = NewConnectionRequest {
            routes: "POST".into(),
            auth_type: "none".into(),
            ..r
        };
        assert_eq!(body(&bad).unwrap_err().field.as_deref(), Some("routes"));
        assert!(!format!("{bad:?}").contains("sk_test_1"));
    }

    #[test]
    fn the_change_form_becomes_a_patch_of_what_it_changes() {
        let keep = EditConnectionRequest {
            id: "conn_1".into(),
            auth_type: "keep".into(),
            require_use: "keep".into(),
            ..Default::default()
        };
        assert_eq!(patch(&keep).unwrap_err().field.as_deref(), Some("id"));
        let r = EditConnectionRequest {
            timeout_ms: "2500".into(),
            require_use: "yes".into(),
            remove_ca: true,
            api_keys: "any".into(),
            auth_type: "bearer".into(),
            token: "sk_live_2".into(),
            ..keep.clone()
        };
        let b = patch(&r).unwrap();
        assert_eq!(
            b,
            json!({"timeout_ms": 2500, "require_use": true, "ca_pem": null, "api_keys": null,
                   "auth": {"type": "bearer", "token": "sk_live_2"}})
        );
        assert!(!format!("{r:?}").contains("sk_live_2"));
        let half = EditConnectionRequest {
            client_cert_pem: "-----BEGIN CERTIFICATE-----".into(),
            ..keep
        };
        assert_eq!(
            patch(&half).unwrap_err().field.as_deref(),
            Some("client_certificate")
        );
    }
}
