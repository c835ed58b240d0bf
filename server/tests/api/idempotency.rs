//! Idempotency-Key with Stripe's semantics.

use crate::helpers::{card_body, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn same_key_same_body_replays_and_another_body_conflicts() {
    let app = spawn_app().await;
    let send = |body: Value, key: &'static str| {
        app.client
            .post(app.url("/api/v1/payment_methods"))
            .bearer_auth(&app.admin_key)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send(card_body("cus_i", "4242424242424242"), "order-1001")
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();

    let replay = send(card_body("cus_i", "4242424242424242"), "order-1001")
        .await
        .unwrap();
    assert_eq!(
        replay.status(),
        201,
        "the first answer is replayed, status included"
    );
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first);

    let other = send(card_body("cus_i", "5555555555554444"), "order-1001")
        .await
        .unwrap();
    assert_eq!(other.status(), 409);
    let e: Value = other.json().await.unwrap();
    assert_eq!(e["error"]["type"], "idempotency_error");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 1);
}

#[tokio::test]
async fn keys_are_per_client_and_errors_replay_too() {
    let app = spawn_app().await;
    let send = |api_key: &str, number: &str| {
        app.client
            .post(app.url("/api/v1/payment_methods"))
            .bearer_auth(api_key)
            .header("Idempotency-Key", "k-1")
            .json(&card_body("cus_k", number))
            .send()
    };
    assert_eq!(
        send(&app.admin_key, "4242424242424241")
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        send(&app.admin_key, "4242424242424241")
            .await
            .unwrap()
            .status(),
        422
    );
    // Another client may use the same key string independently.
    assert_eq!(
        send(&app.agent_key, "4242424242424242")
            .await
            .unwrap()
            .status(),
        201
    );
    let stored = app.count("SELECT COUNT(*) FROM idempotency_keys").await;
    assert_eq!(stored, 2);
}
