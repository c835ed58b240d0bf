//! API-key authentication and scopes.

use crate::helpers::{card_body, spawn_app, spawn_app_with};
use coffer_server::api::RateLimit;
use coffer_vault::access::{Actor, Scope};
use secrecy::ExposeSecret;

#[tokio::test]
async fn missing_wrong_and_revoked_keys_are_401_and_audited() {
    let app = spawn_app().await;
    let body = card_body("cus_a", "4242424242424242");
    let res = app
        .client
        .post(app.url("/api/v1/payment_methods"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let wrong = format!("{}x", app.admin_key);
    assert_eq!(
        app.post(&wrong, "/api/v1/payment_methods", &body)
            .await
            .status(),
        401
    );
    let key = app
        .vault
        .create_api_key(
            &Actor::host_shell_operator(),
            "pos",
            &[Scope::PaymentMethodsWrite],
        )
        .await
        .unwrap();
    let secret = key.key.expose_secret().to_owned();
    assert_eq!(
        app.post(&secret, "/api/v1/payment_methods", &body)
            .await
            .status(),
        201
    );
    assert!(
        app.vault
            .revoke_api_key(&Actor::host_shell_operator(), &key.id)
            .await
            .unwrap()
    );
    assert_eq!(
        app.post(
            &secret,
            "/api/v1/payment_methods",
            &card_body("cus_b", "4242424242424242")
        )
        .await
        .status(),
        401
    );
    let denied = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "auth.api_key" && e.outcome == "denied")
        .count();
    assert_eq!(denied, 3);
}

#[tokio::test]
async fn scopes_gate_each_endpoint_and_denials_are_audited() {
    let app = spawn_app().await;
    let reader = app
        .vault
        .create_api_key(
            &Actor::host_shell_operator(),
            // A read-only key of the channel that stores the card below.
            "web-checkout",
            &[Scope::PaymentMethodsRead],
        )
        .await
        .unwrap();
    let reader = reader.key.expose_secret().to_owned();
    let res = app
        .post(
            &reader,
            "/api/v1/payment_methods",
            &card_body("cus_s", "4242424242424242"),
        )
        .await;
    assert_eq!(res.status(), 403);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "insufficient_scope");
    let pm = app.tokenize_card("cus_s", "4242424242424242").await;
    let id = pm["id"].as_str().unwrap();
    assert_eq!(
        app.get(&reader, &format!("/api/v1/payment_methods/{id}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.delete(&reader, &format!("/api/v1/payment_methods/{id}"))
            .await
            .status(),
        403
    );
    let denied: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.outcome == "denied")
        .collect();
    assert_eq!(denied.len(), 2);
    assert_eq!(denied[1].action, "payment_method.delete");
    assert_eq!(denied[1].resource_id.as_deref(), Some(id));
}

#[tokio::test]
async fn a_client_over_its_budget_gets_429_with_retry_after() {
    let app = spawn_app_with(RateLimit {
        per_second: 1,
        burst: 3,
    })
    .await;
    let path = "/api/v1/payment_methods/pm_doesnotexist000000000000";
    for _ in 0..3 {
        assert_eq!(app.get(&app.admin_key, path).await.status(), 404);
    }
    let res = app.get(&app.admin_key, path).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["type"], "rate_limit_error");
    assert_eq!(e["error"]["code"], "rate_limited");
    // The budget is per key: another client is unaffected.
    assert_eq!(app.get(&app.agent_key, path).await.status(), 404);
    // The refused request did no work: three reads were audited for the first key, not four.
    let reads = app
        .audit()
        .await
        .into_iter()
        .filter(|e| {
            e.action == "payment_method.read" && e.channel.as_deref() == Some("web-checkout")
        })
        .count();
    assert_eq!(reads, 3);
}

#[tokio::test]
async fn creating_and_revoking_api_keys_is_audited() {
    let app = spawn_app().await;
    let key = app
        .vault
        .create_api_key(
            &Actor::host_shell_operator(),
            "marketplace",
            &[Scope::PaymentMethodsRead],
        )
        .await
        .unwrap();
    assert!(
        app.vault
            .revoke_api_key(&Actor::host_shell_operator(), &key.id)
            .await
            .unwrap()
    );
    assert!(
        !app.vault
            .revoke_api_key(&Actor::ANONYMOUS, &key.id)
            .await
            .unwrap()
    );
    let events: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.resource_id.as_deref() == Some(key.id.as_str()))
        .collect();
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("api_key.create", "success"),
            ("api_key.revoke", "success"),
            ("api_key.revoke", "denied")
        ]
    );
    assert!(
        !format!("{events:?}").contains(key.key.expose_secret()),
        "the secret is never audited"
    );
}

#[tokio::test]
async fn a_key_revoked_by_another_process_stops_working_within_a_second() {
    let app = spawn_app().await;
    let path = "/api/v1/payment_methods/pm_doesnotexist000000000000";
    assert_eq!(app.get(&app.agent_key, path).await.status(), 404);
    // Another process (the CLI, another node) revokes the key in the shared database.
    let revoked = app
        .exec("UPDATE api_keys SET revoked_at = 1 WHERE name = 'call-centre'")
        .await
        .unwrap();
    assert_eq!(revoked, 1);
    tokio::time::sleep(coffer_vault::service::VERIFIED_TTL + std::time::Duration::from_millis(100))
        .await;
    assert_eq!(app.get(&app.agent_key, path).await.status(), 401);
}
