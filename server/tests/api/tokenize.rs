//! Tokenize, duplicates, reads and lists.

use crate::helpers::{card_body, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn tokenize_returns_the_masked_view_and_never_the_number() {
    let app = spawn_app().await;
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods",
            &card_body("cus_1", "4242 4242-4242 4242"),
        )
        .await;
    assert_eq!(res.status(), 201);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("4242424242424242") && !text.contains("\"123\""),
        "{text}"
    );
    let pm: Value = serde_json::from_str(&text).unwrap();
    assert!(pm["id"].as_str().unwrap().starts_with("pm_"));
    assert_eq!(pm["object"], "payment_method");
    assert_eq!(pm["type"], "card");
    assert_eq!(pm["customer"], "cus_1");
    assert_eq!(pm["status"], "active");
    assert_eq!(pm["channel"], "web-checkout");
    assert_eq!(pm["card"]["brand"], "visa");
    assert_eq!(pm["card"]["bin"], "424242");
    assert_eq!(pm["card"]["last4"], "4242");
    assert_eq!(pm["card"]["exp_month"], 12);
    assert_eq!(pm["card"]["fingerprint"].as_str().unwrap().len(), 16);
    assert!(pm["card"].get("number").is_none() && pm["card"].get("cvc").is_none());

    let got: Value = app
        .get(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{}", pm["id"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, pm);
}

#[tokio::test]
async fn the_same_card_for_the_same_customer_is_not_stored_twice() {
    let app = spawn_app().await;
    let first = app.tokenize_card("cus_dup", "5555555555554444").await;
    let again = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods",
            &card_body("cus_dup", "5555 5555 5555 4444"),
        )
        .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 1);

    let other_customer = app.tokenize_card("cus_other", "5555555555554444").await;
    assert_ne!(other_customer["id"], first["id"]);
    // Same card, same keyed fingerprint across customers; a different card differs.
    assert_eq!(
        other_customer["card"]["fingerprint"],
        first["card"]["fingerprint"]
    );
    let different = app.tokenize_card("cus_dup", "4000056655665556").await;
    assert_ne!(
        different["card"]["fingerprint"],
        first["card"]["fingerprint"]
    );
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.action == "payment_method.create"
        && e.detail.as_deref() == Some("{\"duplicate\":true}")));
}

#[tokio::test]
async fn brands_are_detected_from_the_bin_table() {
    let app = spawn_app().await;
    let cases = [
        ("378282246310005", "amex", "1234"),
        ("6011111111111117", "discover", "123"),
        ("3566002020360505", "jcb", "123"),
        ("2223003122003222", "mastercard", "123"),
        ("6200000000000005", "unionpay", "123"),
    ];
    for (i, (number, brand, cvc)) in cases.iter().enumerate() {
        let mut body = card_body(&format!("cus_b{i}"), number);
        body["card"]["cvc"] = (*cvc).into();
        let res = app
            .post(&app.admin_key, "/api/v1/payment_methods", &body)
            .await;
        assert_eq!(res.status(), 201, "{number}");
        let pm: Value = res.json().await.unwrap();
        assert_eq!(pm["card"]["brand"], *brand);
    }
}

#[tokio::test]
async fn validate_answers_the_masked_view_and_stores_nothing() {
    let app = spawn_app().await;
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods/validate",
            &card_body("cus_v", "4242424242424242"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["status"], "unsaved");
    assert_eq!(view["card"]["last4"], "4242");
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 0);
}

#[tokio::test]
async fn format_preserving_alias_keeps_bin_and_last4_and_fails_luhn() {
    let app = spawn_app().await;
    let mut body = card_body("cus_alias", "4242424242424242");
    body["alias"] = "format_preserving".into();
    let pm: Value = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await
        .json()
        .await
        .unwrap();
    let alias = pm["card"]["alias"].as_str().unwrap();
    assert_eq!(alias.len(), 16);
    assert!(alias.starts_with("424242") && alias.ends_with("4242"));
    assert_ne!(alias, "4242424242424242");
    assert!(!coffer_dlp::luhn_valid(alias));
}

#[tokio::test]
async fn a_customer_list_pages_with_starting_after() {
    let app = spawn_app().await;
    let numbers = [
        "4242424242424242",
        "5555555555554444",
        "4000056655665556",
        "2223003122003222",
        "6011111111111117",
    ];
    for n in numbers {
        app.tokenize_card("cus_list", n).await;
    }
    app.tokenize_card("cus_someone_else", "4242424242424242")
        .await;
    let page1: Value = app
        .get(
            &app.admin_key,
            "/api/v1/customers/cus_list/payment_methods?limit=3",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page1["object"], "list");
    assert_eq!(page1["has_more"], true);
    let ids1: Vec<&str> = page1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids1.len(), 3);
    let last = ids1[2];
    let page2: Value = app
        .get(
            &app.admin_key,
            &format!("/api/v1/customers/cus_list/payment_methods?limit=3&starting_after={last}"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page2["has_more"], false);
    let ids2: Vec<&str> = page2["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids2.len(), 2);
    assert!(ids2.iter().all(|id| !ids1.contains(id)));
    assert!(
        page2["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["customer"] == "cus_list")
    );
}

#[tokio::test]
async fn concurrent_submissions_of_one_card_store_it_once() {
    let app = spawn_app().await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..24 {
        let (client, url, key) = (
            app.client.clone(),
            app.url("/api/v1/payment_methods"),
            app.admin_key.clone(),
        );
        let body = card_body("cus_race", "4242424242424242");
        set.spawn(async move {
            let res = client
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        });
    }
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = set.join_next().await {
        let (status, pm) = done.unwrap();
        match status {
            201 => created += 1,
            200 => {}
            other => panic!("unexpected status {other}"),
        }
        ids.insert(pm["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(created, 1, "exactly one request creates the method");
    assert_eq!(ids.len(), 1, "every request answers the same method");
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 1);
    let creates = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'payment_method.create'")
        .await;
    assert_eq!(creates, 24, "every request is audited once");
}

#[tokio::test]
async fn a_renewed_card_stored_again_updates_the_card_on_file() {
    let app = spawn_app().await;
    let first = app.tokenize_card("cus_renew", "5555555555554444").await;
    let id = first["id"].as_str().unwrap();
    let old_year = first["card"]["exp_year"].as_i64().unwrap();
    // The same card with an earlier or equal expiry is a plain duplicate: nothing changes.
    let mut same = card_body("cus_renew", "5555555555554444");
    same["card"]["exp_year"] = json!(old_year);
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &same)
        .await;
    assert_eq!(res.status(), 200);
    // A later expiry (the renewed card typed at checkout) updates the method on file.
    let mut renewed = card_body("cus_renew", "5555555555554444");
    renewed["card"]["exp_year"] = json!(old_year + 3);
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &renewed)
        .await;
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["id"], id);
    assert_eq!(v["card"]["exp_year"], old_year + 3);
    assert_eq!(v["status"], "active");
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 1);
    // The sealed secret carries the new expiry too.
    let revealed: Value = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({ "reason": "ticket 77" }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revealed["card"]["exp_year"], old_year + 3);
    let transitions = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_method_transitions WHERE payment_method = '{id}' AND reason = 'updated'"
        ))
        .await;
    assert_eq!(transitions, 1);
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.action == "payment_method.create"
        && e.detail.as_deref() == Some("{\"duplicate\":true,\"expiry_updated\":true}")));
}

/// The security review's item 6 (masking), performed: BIN 6 and last 4 of a 13-digit card leave
/// 3 digits (one fixed by Luhn) to guess, so such a card shows its last 4 only, everywhere.
#[tokio::test]
async fn a_thirteen_digit_card_shows_its_last_four_only() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_13", "4222222222222").await;
    assert_eq!(pm["card"]["masked_number"], "*********2222");
    assert!(pm["card"]["bin"].is_null(), "{pm}");
    assert_eq!(pm["card"]["last4"], "2222");
    let shown = app.method(pm["id"].as_str().unwrap()).await.to_string();
    assert!(!shown.contains("422222"), "{shown}");
    let display: String = sqlx::query_scalar("SELECT display FROM payment_methods WHERE id = $1")
        .bind(pm["id"].as_str().unwrap())
        .fetch_one(app.vault.store().reader())
        .await
        .unwrap();
    assert!(!display.contains("422222"), "{display}");
}
