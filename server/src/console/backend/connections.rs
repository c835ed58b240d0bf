//! The relay's connections in the console (security admins, `api_keys.manage`): the list,
//! registering one after a step-up (the form becomes the vault's JSON body; its credentials
//! are sealed there and never come back), and disabling one.

use super::errors::map;
use super::{VaultBackend, views};
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::ConnectionsBackend;
use coffer_app::model::{ConnectionSummary, NewConnectionRequest};
use coffer_vault::access::{CreateConnection, ManageConnections};
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
        created_by: c.created_by,
        created_at: views::rfc3339(c.created * 1000),
        status: c.status.to_owned(),
    }
}

/// The form as the vault's registration body.
fn body(r: &NewConnectionRequest) -> Result<Value, ConsoleError> {
    let mut routes = Vec::new();
    for line in r.routes.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((method, path)) = line.split_once(char::is_whitespace) else {
            return Err(ConsoleError::field(
                "routes",
                "Write each route as METHOD /path, e.g. POST /v1/payment_methods.",
            ));
        };
        routes.push(json!({ "method": method, "path": path.trim() }));
    }
    let auth = match r.auth_type.as_str() {
        "none" => Value::Null,
        "bearer" => json!({ "type": "bearer", "token": r.token }),
        "basic" => json!({ "type": "basic", "username": r.username, "password": r.password }),
        "header" => json!({ "type": "header", "name": r.header_name, "value": r.header_value }),
        _ => {
            return Err(ConsoleError::field(
                "auth",
                "Choose how Coffer authenticates.",
            ));
        }
    };
    let mut b = json!({ "name": r.name.trim(), "base_url": r.base_url.trim(), "routes": routes });
    if !auth.is_null() {
        b["auth"] = auth;
    }
    if !r.ca_pem.trim().is_empty() {
        b["ca_pem"] = json!(r.ca_pem.trim());
    }
    match r.timeout_ms.trim() {
        "" => {}
        t => {
            let ms: i64 = t.parse().map_err(|_| {
                ConsoleError::field("timeout_ms", "Give milliseconds from 100 to 60000.")
            })?;
            b["timeout_ms"] = json!(ms);
        }
    }
    let keys: Vec<&str> = r
        .api_keys
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if !keys.is_empty() {
        b["api_keys"] = json!(keys);
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
}
