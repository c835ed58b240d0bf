//! Bad input: a clear, field-level 4xx in Stripe's shape, nothing stored, no card data echoed.

use crate::helpers::{card_body, next_year, spawn_app};
use serde_json::{Value, json};

async fn error_of(app: &crate::helpers::TestApp, body: &Value) -> (u16, Value) {
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", body)
        .await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert!(
        !text.contains("4242424242424241") && !text.contains("4242424242424242"),
        "echoed: {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn card_errors_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let mut cases: Vec<(Value, u16, &str, &str)> = Vec::new();
    cases.push((
        card_body("c", "4242424242424241"),
        422,
        "invalid_number",
        "card[number]",
    ));
    cases.push((
        card_body("c", "4242-4242-abcd-4242"),
        422,
        "invalid_number",
        "card[number]",
    ));
    cases.push((
        card_body("c", "42424242424"),
        422,
        "invalid_number",
        "card[number]",
    ));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["exp_month"] = 13.into();
    cases.push((b, 422, "invalid_expiry_month", "card[exp_month]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["exp_year"] = 2019.into();
    cases.push((b, 422, "expired_card", "card[exp_year]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["exp_year"] = (next_year() + 40).into();
    cases.push((b, 422, "invalid_expiry_year", "card[exp_year]"));
    let mut b = card_body("c", "378282246310005");
    b["card"]["cvc"] = "123".into();
    cases.push((b, 422, "invalid_cvc", "card[cvc]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["cvc"] = "12345".into();
    cases.push((b, 422, "invalid_cvc", "card[cvc]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"].as_object_mut().unwrap().remove("number");
    cases.push((b, 400, "parameter_missing", "card[number]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["number"] = json!(4242424242424242u64);
    cases.push((b, 400, "parameter_invalid", "card[number]"));
    let mut b = card_body("c", "4242424242424242");
    b["card"]["track2"] = "x".into();
    cases.push((b, 400, "parameter_unknown", "card[track2]"));
    let mut b = card_body("c", "4242424242424242");
    b.as_object_mut().unwrap().remove("customer");
    cases.push((b, 400, "parameter_missing", "customer"));
    let mut b = card_body("c", "4242424242424242");
    b["type"] = "bitcoin".into();
    cases.push((b, 400, "parameter_invalid", "type"));
    let mut b = card_body("c", "4242424242424242");
    b["metadata"] = json!({"note": "card 4242 4242 4242 4242 from phone"});
    cases.push((b, 400, "parameter_invalid", "metadata[note]"));
    let mut b = card_body("c", "4242424242424242");
    b["customer"] = "4242424242424242".into();
    cases.push((b, 400, "parameter_invalid", "customer"));

    for (body, status, code, param) in cases {
        let (got_status, e) = error_of(&app, &body).await;
        assert_eq!(
            (got_status, e["error"]["code"].as_str().unwrap()),
            (status, code),
            "{body}"
        );
        assert_eq!(e["error"]["param"], param, "{body}");
        assert!(
            e["error"]["request_id"]
                .as_str()
                .unwrap()
                .starts_with("req_")
        );
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 0);
    let failures = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.outcome == "failure")
        .count();
    assert_eq!(failures, 15, "every rejected attempt is audited");
}

#[tokio::test]
async fn malformed_bodies_get_clear_4xx() {
    let app = spawn_app().await;
    let post_raw = |ct: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/payment_methods"))
            .bearer_auth(&app.admin_key)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = post_raw(
        "application/json",
        b"{\"customer\": \"c\", \"card\": {\"number\": \"4242424242424242\"".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "invalid_json");

    let res = post_raw("text/plain", b"{}".to_vec()).await.unwrap();
    assert_eq!(res.status(), 415);

    let res = post_raw("application/json", vec![b' '; 200 * 1024])
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    let res = post_raw("application/json", b"[1,2,3]".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM payment_methods").await, 0);
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404_without_echoing_the_path() {
    let app = spawn_app().await;
    let res = app
        .get(
            &app.admin_key,
            "/api/v1/payment_methods/pm_doesnotexist000000000000",
        )
        .await;
    assert_eq!(res.status(), 404);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "resource_missing");
    let res = app
        .get(&app.admin_key, "/api/v1/payment_methods/4242424242424242")
        .await;
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("4242424242424242"));
    let res = app.get(&app.admin_key, "/api/v1/nothing-here").await;
    assert_eq!(res.status(), 404);
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .all(|e| !format!("{e:?}").contains("4242424242424242"))
    );
}

/// Every error answer names the request it answers: the id in its body is the `request-id`
/// header, whichever step refused it (the key check, the body check, the customer reference,
/// the grant, the vault). Handlers do not pass the id along; the request-context layer writes it.
#[tokio::test]
async fn every_error_answer_carries_its_requests_id() {
    let app = spawn_app().await;
    let missing = "/api/v1/payment_methods/pm_doesnotexist000000000000";
    let not_json = app
        .client
        .post(app.url("/api/v1/payment_methods"))
        .bearer_auth(&app.admin_key)
        .body("customer=c")
        .send()
        .await
        .unwrap();
    let answers = [
        ("no key", app.get("", missing).await, 401),
        ("not JSON", not_json, 415),
        (
            "bad customer",
            app.get(&app.admin_key, "/api/v1/customers/a%20b/wallet")
                .await,
            400,
        ),
        (
            "no scope",
            app.post(
                &app.agent_key,
                &format!("{missing}/reveal"),
                &json!({ "reason": "ticket 1" }),
            )
            .await,
            403,
        ),
        ("unknown", app.get(&app.admin_key, missing).await, 404),
    ];
    for (what, res, status) in answers {
        assert_eq!(res.status(), status, "{what}");
        let header = res.headers()["request-id"].to_str().unwrap().to_owned();
        assert!(header.starts_with("req_"), "{what}: {header}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["request_id"], header.as_str(), "{what}");
    }
}
