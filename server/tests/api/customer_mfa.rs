//! Uses of stored methods and the customer's step-up: the policy's threshold, TOTP challenges
//! (single-use codes, five attempts, ten minutes), the reveal gate, and the audit trail.

use crate::customer_pages::{Browser, code, enrol_totp, path_of};
use crate::helpers::{TestApp, spawn_app, spawn_app_with_customer};
use coffer_vault::access::Scope;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

const PAN: &str = "4242424242424242";

async fn use_method(app: &TestApp, pm: &str, amount: i64, currency: &str) -> Value {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/uses"),
            &json!({ "amount": amount, "currency": currency, "order_reference": "ord_1001" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn get_use(app: &TestApp, pm: &str, id: &str) -> Value {
    let res = app
        .get(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/uses/{id}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// A customer with a card and an authenticator: (method id, TOTP key).
async fn enrolled(app: &TestApp, customer: &str) -> (String, Vec<u8>) {
    let pm = app.tokenize_card(customer, PAN).await;
    let key = enrol_totp(app, customer).await;
    (pm["id"].as_str().unwrap().to_owned(), key)
}

#[tokio::test]
async fn below_the_threshold_is_approved_and_at_it_the_customer_must_step_up() {
    let app = spawn_app().await;
    let (pm, _) = enrolled(&app, "cus_th").await;
    let small = use_method(&app, &pm, 49_999, "eur").await;
    assert_eq!(small["status"], "approved");
    assert_eq!(small["object"], "payment_method_use");
    assert!(small["next_action"].is_null());
    // Another currency's threshold is its own: 499.99 USD approved, 500.00 EUR not.
    assert_eq!(
        use_method(&app, &pm, 49_999, "usd").await["status"],
        "approved"
    );
    let big = use_method(&app, &pm, 50_000, "EUR").await;
    assert_eq!(big["status"], "requires_action");
    assert_eq!(big["step_up"], "threshold");
    assert_eq!(big["currency"], "eur");
    assert_eq!(big["next_action"]["type"], "mfa_step_up");
    let url = big["next_action"]["url"].as_str().unwrap();
    assert!(url.contains("/c/step-up/"), "{url}");
    // Polling shows the state, never the link again.
    let polled = get_use(&app, &pm, big["id"].as_str().unwrap()).await;
    assert_eq!(polled["status"], "requires_action");
    assert!(polled["next_action"]["url"].is_null());
    assert!(!big.to_string().contains(PAN));

    let uses: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.use")
        .collect();
    assert_eq!(uses.len(), 3);
    assert!(
        uses[2]
            .detail
            .as_deref()
            .unwrap()
            .contains("requires_action")
    );
}

#[tokio::test]
async fn the_use_body_is_checked_field_by_field() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_body", PAN).await;
    let pm = pm["id"].as_str().unwrap();
    let path = format!("/api/v1/payment_methods/{pm}/uses");
    let cases = [
        (json!({"currency": "eur", "order_reference": "o"}), "amount"),
        (
            json!({"amount": 0, "currency": "eur", "order_reference": "o"}),
            "amount",
        ),
        (
            json!({"amount": 5, "currency": "euro", "order_reference": "o"}),
            "currency",
        ),
        (
            json!({"amount": 5, "currency": "eur", "order_reference": PAN}),
            "order_reference",
        ),
        (
            json!({"amount": 5, "currency": "eur", "order_reference": "o", "channel": "Web Shop"}),
            "channel",
        ),
    ];
    for (body, param) in cases {
        let res = app.post(&app.admin_key, &path, &body).await;
        assert_eq!(res.status(), 400, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["param"], param, "{err}");
        assert!(!err.to_string().contains(PAN));
    }
    let missing = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods/pm_missing/uses",
            &json!({"amount": 5, "currency": "eur", "order_reference": "o"}),
        )
        .await;
    assert_eq!(missing.status(), 404);
    let denied = app
        .post(
            &app.agent_key,
            &path,
            &json!({"amount": 5, "currency": "eur", "order_reference": "o"}),
        )
        .await;
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn a_totp_step_up_approves_the_use_and_its_code_works_once() {
    let app = spawn_app().await;
    let (pm, key) = enrolled(&app, "cus_ok").await;
    let big = use_method(&app, &pm, 120_000, "eur").await;
    let path = path_of(big["next_action"]["url"].as_str().unwrap());
    let mut b = Browser::new(&app);
    let page = b.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1200.00 EUR"), "{}", page.body);
    assert!(page.body.contains("Visa •••• 4242"));
    assert!(page.body.contains("ord_1001"));
    assert!(page.body.contains("Coffer demo shop"));
    assert!(!page.body.contains(PAN));
    assert!(!page.body.contains("424242424242"));

    let wrong = b.post_form(&path, "code=000000").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("4 tries left"), "{}", wrong.body);
    // The enrolment spent this time step's code; the next step's code is fresh.
    let fresh = code(&key, 1);
    let ok = b.post_form(&path, &format!("code={fresh}")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("Payment approved"), "{}", ok.body);
    let polled = get_use(&app, &pm, big["id"].as_str().unwrap()).await;
    assert_eq!(polled["status"], "approved");
    assert_eq!(polled["factor"], "totp");
    // The link is spent.
    assert_eq!(b.get(&path).await.status, StatusCode::GONE);

    // The same code on the next challenge is refused (PCI DSS 8.5.1).
    let again = use_method(&app, &pm, 120_000, "eur").await;
    let path2 = path_of(again["next_action"]["url"].as_str().unwrap());
    let replay = b.post_form(&path2, &format!("code={fresh}")).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    let challenges: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "customer_mfa.challenge")
        .collect();
    assert_eq!(challenges.len(), 3);
    assert_eq!(challenges[0].outcome, "failure");
    assert!(
        challenges[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("invalid_code")
    );
    assert_eq!(challenges[1].outcome, "success");
    assert_eq!(challenges[1].actor_type, "customer");
    assert!(
        challenges[2]
            .detail
            .as_deref()
            .unwrap()
            .contains("replayed_code")
    );
}

#[tokio::test]
async fn a_challenge_allows_five_attempts() {
    let app = spawn_app().await;
    let (pm, key) = enrolled(&app, "cus_five").await;
    let big = use_method(&app, &pm, 90_000, "gbp").await;
    let path = path_of(big["next_action"]["url"].as_str().unwrap());
    let mut b = Browser::new(&app);
    for left in (1..5).rev() {
        let wrong = b.post_form(&path, "code=111111").await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        let tries = if left == 1 { "try" } else { "tries" };
        assert!(
            wrong.body.contains(&format!("{left} {tries} left")),
            "{}",
            wrong.body
        );
    }
    let last = b.post_form(&path, "code=111111").await;
    assert!(last.body.contains("Too many wrong tries"), "{}", last.body);
    // Even the right code is too late now.
    let late = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert_eq!(late.status, StatusCode::GONE);
    let polled = get_use(&app, &pm, big["id"].as_str().unwrap()).await;
    assert_eq!(polled["status"], "failed");
    assert_eq!(polled["failure_code"], "attempts_exceeded");
}

#[tokio::test]
async fn a_challenge_expires_after_its_time() {
    let app = spawn_app().await;
    let (pm, key) = enrolled(&app, "cus_late").await;
    let big = use_method(&app, &pm, 60_000, "usd").await;
    let path = path_of(big["next_action"]["url"].as_str().unwrap());
    let expires = big["next_action"]["expires_at"].as_i64().unwrap();
    let created = big["created"].as_i64().unwrap();
    assert_eq!(expires - created, 600);
    // Move the clock past the ten minutes.
    app.exec("UPDATE payment_method_uses SET expires_at = 1")
        .await
        .unwrap();
    let polled = get_use(&app, &pm, big["id"].as_str().unwrap()).await;
    assert_eq!(polled["status"], "failed");
    assert_eq!(polled["failure_code"], "expired");
    let mut b = Browser::new(&app);
    let late = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert_eq!(late.status, StatusCode::GONE);
    let expired = app.audit().await.into_iter().any(|e| {
        e.action == "customer_mfa.challenge"
            && e.detail.as_deref().is_some_and(|d| d.contains("expired"))
    });
    assert!(expired);
}

#[tokio::test]
async fn a_reveal_for_a_use_waits_for_its_approval() {
    let app = spawn_app().await;
    let (pm, key) = enrolled(&app, "cus_rev").await;
    let big = use_method(&app, &pm, 75_000, "eur").await;
    let use_id = big["id"].as_str().unwrap();
    let reveal = |use_id: String| {
        let app = &app;
        let pm = pm.clone();
        async move {
            app.post(
                &app.admin_key,
                &format!("/api/v1/payment_methods/{pm}/reveal"),
                &json!({ "reason": "charge order ord_1001", "use": use_id }),
            )
            .await
        }
    };
    let refused = reveal(use_id.to_owned()).await;
    assert_eq!(refused.status(), 409);
    let err: Value = refused.json().await.unwrap();
    assert_eq!(err["error"]["code"], "use_not_approved");
    assert_eq!(err["error"]["param"], "use");
    // A made-up use is refused the same way, and nothing card-like reaches the log.
    assert_eq!(reveal(PAN.to_owned()).await.status(), 409);

    let mut b = Browser::new(&app);
    let path = path_of(big["next_action"]["url"].as_str().unwrap());
    let ok = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert!(ok.body.contains("Payment approved"));
    // Another API key cannot spend this key's approved use.
    let other_key = app
        .vault
        .create_api_key(
            &coffer_vault::access::Actor::host_shell_operator(),
            "mobile-app",
            &[Scope::PaymentMethodsReveal, Scope::PaymentMethodsUse],
        )
        .await
        .unwrap();
    let theirs = app
        .post(
            other_key.key.expose_secret(),
            &format!("/api/v1/payment_methods/{pm}/reveal"),
            &json!({ "reason": "charge order ord_1001", "use": use_id }),
        )
        .await;
    assert_eq!(theirs.status(), 409);
    let revealed = reveal(use_id.to_owned()).await;
    assert_eq!(revealed.status(), 200);
    let body: Value = revealed.json().await.unwrap();
    assert_eq!(body["card"]["number"], PAN);
    // A use opens one reveal.
    assert_eq!(reveal(use_id.to_owned()).await.status(), 409);

    // Another method's approved use does not open this one.
    let other = app.tokenize_card("cus_rev", "5555555555554444").await;
    let res = app
        .post(
            &app.admin_key,
            &format!(
                "/api/v1/payment_methods/{}/reveal",
                other["id"].as_str().unwrap()
            ),
            &json!({ "reason": "charge order ord_1001", "use": use_id }),
        )
        .await;
    assert_eq!(res.status(), 409);

    let reveals: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.reveal")
        .collect();
    assert_eq!(reveals.len(), 6);
    assert!(
        reveals[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("use_not_approved")
    );
    assert!(
        reveals[1]
            .detail
            .as_deref()
            .unwrap()
            .contains("use_malformed")
    );
    assert_eq!(reveals[2].outcome, "failure");
    assert_eq!(reveals[3].outcome, "success");
    assert!(reveals[3].detail.as_deref().unwrap().contains(use_id));
    assert_eq!(reveals[4].outcome, "failure");
    assert_eq!(reveals[5].outcome, "failure");
    for e in &reveals {
        assert!(!format!("{e:?}").contains(PAN));
    }
}

#[tokio::test]
async fn customers_without_a_factor_are_declined_above_the_threshold() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_none", PAN).await;
    let pm = pm["id"].as_str().unwrap();
    assert_eq!(
        use_method(&app, pm, 1_000, "eur").await["status"],
        "approved"
    );
    let big = use_method(&app, pm, 50_000, "eur").await;
    assert_eq!(big["status"], "failed");
    assert_eq!(big["failure_code"], "customer_not_enrolled");
    let audited = app.audit().await.into_iter().any(|e| {
        e.action == "payment_method.use"
            && e.outcome == "failure"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("customer_not_enrolled"))
    });
    assert!(audited);
}

#[tokio::test]
async fn customers_can_ask_for_a_step_up_on_every_use() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_all", PAN).await;
    let pm = pm["id"].as_str().unwrap();
    let link = crate::customer_pages::enrolment_link(&app, "cus_all").await;
    let mut b = Browser::new(&app);
    b.post_form(&path_of(&link), "").await;
    // Not without a factor.
    let refused = b.post_form("/c/preferences", "always=on").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let setup = b.post_form("/c/factors/totp", "").await;
    let manual =
        crate::customer_pages::element_text(&setup.body, "data-testid=\"manual-key\"").unwrap();
    let key = coffer_vault::staff::totp::key_from_manual(manual).unwrap();
    let factor = crate::customer_pages::between(&setup.body, "action=\"/c/factors/totp/", "\"")
        .unwrap()
        .to_owned();
    b.post_form(
        &format!("/c/factors/totp/{factor}"),
        &format!("code={}", code(&key, 0)),
    )
    .await;
    let saved = b.post_form("/c/preferences", "always=on").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let small = use_method(&app, pm, 500, "eur").await;
    assert_eq!(small["status"], "requires_action");
    assert_eq!(small["step_up"], "customer");
    // Removing the last factor turns it off again.
    b.post_form(&format!("/c/factors/{factor}/remove"), "")
        .await;
    assert_eq!(use_method(&app, pm, 500, "eur").await["status"], "approved");
}

#[tokio::test]
async fn an_amount_in_a_currency_no_rule_names_needs_a_step_up() {
    let app = spawn_app().await;
    let (pm, _) = enrolled(&app, "cus_cur").await;
    let odd = use_method(&app, &pm, 100, "xxx").await;
    assert_eq!(odd["status"], "requires_action");
    assert_eq!(odd["step_up"], "currency");
    assert_eq!(
        use_method(&app, &pm, 100, "eur").await["status"],
        "approved"
    );
}

#[tokio::test]
async fn wrong_answers_across_challenges_lock_the_customer_out_for_an_hour() {
    let app = spawn_app().await;
    let (pm, key) = enrolled(&app, "cus_lock").await;
    let mut b = Browser::new(&app);
    // Two challenges of five wrong answers each: new uses do not buy new guesses.
    for _ in 0..2 {
        let big = use_method(&app, &pm, 60_000, "eur").await;
        let path = path_of(big["next_action"]["url"].as_str().unwrap());
        for _ in 0..5 {
            b.post_form(&path, "code=222222").await;
        }
    }
    let third = use_method(&app, &pm, 60_000, "eur").await;
    let path = path_of(third["next_action"]["url"].as_str().unwrap());
    let right = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert!(
        right.body.contains("Payment not approved"),
        "{}",
        right.body
    );
    let polled = get_use(&app, &pm, third["id"].as_str().unwrap()).await;
    assert_eq!(polled["status"], "failed");
    assert_eq!(polled["failure_code"], "too_many_failures");
    // An hour later (moved by hand), the customer may answer again.
    app.exec("UPDATE payment_method_uses SET created_at = created_at - 3600001")
        .await
        .unwrap();
    let fourth = use_method(&app, &pm, 60_000, "eur").await;
    let path = path_of(fourth["next_action"]["url"].as_str().unwrap());
    let ok = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert!(ok.body.contains("Payment approved"), "{}", ok.body);
}

#[tokio::test]
async fn with_reveal_requires_use_a_channel_must_name_an_approved_use() {
    let app = spawn_app_with_customer(|c| c.reveal_requires_use = true).await;
    let pm = app.tokenize_card("cus_req", PAN).await;
    let pm = pm["id"].as_str().unwrap();
    let path = format!("/api/v1/payment_methods/{pm}/reveal");
    let bare = app
        .post(
            &app.admin_key,
            &path,
            &json!({ "reason": "charge order 1" }),
        )
        .await;
    assert_eq!(bare.status(), 400);
    let err: Value = bare.json().await.unwrap();
    assert_eq!(err["error"]["param"], "use");
    let small = use_method(&app, pm, 1_000, "eur").await;
    let ok = app
        .post(
            &app.admin_key,
            &path,
            &json!({ "reason": "charge order 1", "use": small["id"] }),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let refused = app.audit().await.into_iter().any(|e| {
        e.action == "payment_method.reveal"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("use_required"))
    });
    assert!(refused);
}
