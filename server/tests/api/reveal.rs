//! Reveal: only with the reveal scope and a reason; audited allowed or denied; never cached.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn reveal_with_scope_returns_the_card_uncached_and_audits_the_reason() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_r", "4242424242424242").await;
    let id = pm["id"].as_str().unwrap();
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "chargeback CB-1009"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], id);
    assert_eq!(body["card"]["number"], "4242424242424242");
    assert_eq!(body["card"]["name"], "Ada Lovelace");
    assert_eq!(body["card"]["exp_month"], 12);
    assert!(body["card"].get("cvc").is_none(), "the CVC is never stored");
    let event = app
        .audit()
        .await
        .into_iter()
        .find(|e| e.action == "payment_method.reveal")
        .unwrap();
    assert_eq!(event.outcome, "success");
    assert_eq!(event.reason.as_deref(), Some("chargeback CB-1009"));
    assert_eq!(event.resource_id.as_deref(), Some(id));
    assert_eq!(event.actor_type, "api_client");
    assert_eq!(event.channel.as_deref(), Some("web-checkout"));
    assert!(event.request_id.as_deref().unwrap().starts_with("req_"));
    assert!(event.origin_ip.is_some());
}

#[tokio::test]
async fn reveal_without_the_scope_is_denied_and_the_denial_is_audited() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_r", "4242424242424242").await;
    let id = pm["id"].as_str().unwrap();
    let res = app
        .post(
            &app.agent_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "curious"}),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(!res.text().await.unwrap().contains("4242424242424242"));
    let event = app
        .audit()
        .await
        .into_iter()
        .find(|e| e.action == "payment_method.reveal")
        .unwrap();
    assert_eq!(event.outcome, "denied");
    assert_eq!(event.resource_id.as_deref(), Some(id));
    assert_eq!(event.channel.as_deref(), Some("call-centre"));
}

#[tokio::test]
async fn reveal_needs_a_reason() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_r", "4242424242424242").await;
    let path = format!(
        "/api/v1/payment_methods/{}/reveal",
        pm["id"].as_str().unwrap()
    );
    let res = app.post(&app.admin_key, &path, &json!({})).await;
    assert_eq!(res.status(), 400);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["param"], "reason");
    let res = app
        .post(
            &app.admin_key,
            &path,
            &json!({"reason": "customer read 4242424242424242 aloud"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let audit = app.audit().await;
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "payment_method.reveal" && e.outcome == "failure")
            .count(),
        2
    );
}
