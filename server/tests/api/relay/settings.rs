//! A connection's further settings over real TLS: a client certificate for a PSP that asks for
//! mutual TLS, a use required on every forward a channel writes, and changes to a connection
//! (credentials replaced, its destination never) taking effect on the next forward.

use super::psp::{self, ClientCa};
use super::{PAN, connect, database_text, forward, forwarder, stored, stripe_forward};
use crate::helpers::TestApp;
use coffer_vault::access::Scope;
use serde_json::{Value, json};

async fn patch(app: &TestApp, key: &str, conn: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/connections/{conn}")))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn manager(app: &TestApp) -> String {
    app.key_with("relay-admin", &[Scope::ConnectionsManage])
        .await
}

/// The body of a PEM block, the part that is secret in a key.
fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("")
}

#[tokio::test]
async fn a_psp_that_asks_for_mutual_tls_gets_the_client_certificate_and_never_its_key_back() {
    let app = super::relay_app().await;
    let clients = ClientCa::new("Coffer test client CA");
    let psp = psp::start_mtls(&clients).await;
    let pm = app.tokenize_card("cus_mtls", PAN).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let conn = connect(&app, &psp, json!({})).await;
    let key = forwarder(&app).await;
    // No client certificate: the PSP ends the handshake; nothing reaches it.
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 502);
    assert!(psp.received.lock().unwrap().is_empty());

    let (cert_pem, key_pem) = clients.issue_client("coffer-relay-client");
    let admin = manager(&app).await;
    let cert = json!({"cert_pem": cert_pem, "key_pem": key_pem});
    let res = patch(&app, &admin, &conn, json!({"client_certificate": cert})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let text = res.text().await.unwrap();
    assert!(!text.contains("PRIVATE KEY") && !text.contains(&pem_body(&key_pem)[..40]));
    let view: Value = serde_json::from_str(&text).unwrap();
    let shown = &view["client_certificate"];
    assert!(
        shown["subject"]
            .as_str()
            .unwrap()
            .contains("coffer-relay-client")
    );
    assert_eq!(shown["sha256"].as_str().unwrap().len(), 64);
    assert!(view["updated"].as_i64().is_some());

    // The next forward presents it (a new client for the changed connection) and goes through.
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let got = psp.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert!(got[0].body.contains(&format!("card[number]={PAN}")));

    // The key is sealed: not in the list, the audit log, the database file or its WAL.
    let list = app
        .get(&admin, "/api/v1/connections")
        .await
        .text()
        .await
        .unwrap();
    let audit = format!("{:?}", app.audit().await);
    let secret = &pem_body(&key_pem)[..40];
    for (place, text) in [
        ("list", list),
        ("audit", audit),
        ("database", database_text(&app)),
    ] {
        assert!(!text.contains(secret), "the client key is in the {place}");
    }

    // Removing the certificate takes effect at once too.
    let res = patch(&app, &admin, &conn, json!({"client_certificate": null})).await;
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["client_certificate"].is_null());
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 502);
}

#[tokio::test]
async fn a_certificate_that_is_not_one_or_not_its_keys_is_refused_on_its_field() {
    let app = super::relay_app().await;
    let psp = psp::start().await;
    let clients = ClientCa::new("Coffer test client CA");
    let (cert_pem, _) = clients.issue_client("a");
    let (_, other_key) = clients.issue_client("b");
    let admin = manager(&app).await;
    for cert in [
        json!({"cert_pem": cert_pem, "key_pem": other_key}),
        json!({"cert_pem": other_key, "key_pem": cert_pem}),
        json!({"cert_pem": cert_pem}),
    ] {
        let body = json!({
            "name": "mTLS", "base_url": psp.base_url, "ca_pem": psp.ca_pem,
            "routes": [{"method": "POST", "path": "/v1/payment_methods"}],
            "client_certificate": cert,
        });
        let res = app.post(&admin, "/api/v1/connections", &body).await;
        assert_eq!(res.status(), 400);
        let e: Value = res.json().await.unwrap();
        let param = e["error"]["param"].as_str().unwrap();
        assert!(param.starts_with("client_certificate"), "{e}");
        assert!(!e.to_string().contains("PRIVATE KEY"));
    }
}

#[tokio::test]
async fn a_connection_can_require_an_approved_use_on_every_forward_a_channel_writes() {
    let (app, psp, pm) = stored("cus_req", PAN).await;
    let conn = connect(&app, &psp, json!({"require_use": true})).await;
    let key = forwarder(&app).await;
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 400);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["param"], "use");
    assert!(psp.received.lock().unwrap().is_empty());
    let refused = app.audit().await.into_iter().any(|e| {
        e.action == "payment_method.forward"
            && e.outcome == "failure"
            && e.detail.as_deref().unwrap_or("").contains("use_required")
    });
    assert!(refused, "the refusal is audited");
    // An approved use is accepted and spent.
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/uses"),
            &json!({"amount": 1_500, "currency": "eur", "order_reference": "ord_9"}),
        )
        .await;
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["status"], "approved");
    let mut b = stripe_forward(&conn, &pm);
    b["use"] = u["id"].clone();
    assert_eq!(forward(&app, &app.admin_key, b).await.status(), 200);
    // Coffer's own vaulting request moves no money: the requirement does not apply to it.
    let res = app
        .post(
            &key,
            &format!("/api/v1/payment_methods/{pm}/psp_tokens"),
            &json!({"connection": conn, "provider": "stripe"}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_change_replaces_credentials_and_settings_but_never_the_destination() {
    let (app, psp, pm) = stored("cus_edit", PAN).await;
    let conn = connect(&app, &psp, json!({"require_use": true})).await;
    let admin = manager(&app).await;
    let key = forwarder(&app).await;

    let moved = patch(
        &app,
        &admin,
        &conn,
        json!({"base_url": "https://evil.example"}),
    )
    .await;
    assert_eq!(moved.status(), 400);
    assert_eq!(
        moved.json::<Value>().await.unwrap()["error"]["param"],
        "base_url"
    );
    let unknown = json!({"colour": "red"});
    assert_eq!(patch(&app, &admin, &conn, unknown).await.status(), 400);
    let missing = patch(&app, &admin, "conn_nothere", json!({"timeout_ms": 500})).await;
    assert_eq!(missing.status(), 404);
    let denied = patch(&app, &key, &conn, json!({"timeout_ms": 500})).await;
    assert_eq!(denied.status(), 403);

    // The use requirement lifted and the token replaced by a wrong one: the PSP says 401.
    let body = json!({"require_use": false, "name": "Stripe (rotated)",
        "auth": {"type": "bearer", "token": "sk_test_rotated_wrong"}});
    let res = patch(&app, &admin, &conn, body).await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["name"], "Stripe (rotated)");
    assert_eq!(view["require_use"], false);
    assert_eq!(view["base_url"], psp.base_url.as_str());
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], 401);
    // Back to the right token: 200 from the PSP.
    let body = json!({"auth": {"type": "bearer", "token": psp::STRIPE_KEY}});
    assert_eq!(patch(&app, &admin, &conn, body).await.status(), 200);
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], 200);

    // Each change is audited with before and after, and never a credential.
    let audit = app.audit().await;
    let changes: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "connection.update" && e.outcome == "success")
        .collect();
    assert_eq!(changes.len(), 2);
    let detail: Value = serde_json::from_str(changes[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["before"]["require_use"], true);
    assert_eq!(detail["after"]["require_use"], false);
    assert_eq!(detail["auth_replaced"], true);
    let all = format!("{audit:?}");
    assert!(!all.contains("sk_test_rotated_wrong") && !all.contains(psp::STRIPE_KEY));
    assert!(!database_text(&app).contains("sk_test_rotated_wrong"));
}
