//! Stored-credential mandates: set up with a customer-initiated use, confirmed with the network
//! transaction id, then merchant-initiated uses within the mandate's currency and cap, moved to
//! the customer's replacement card, refused once the card is unusable or the mandate cancelled;
//! every step audited.

use crate::customer_pages::{Browser, path_of};
use crate::helpers::{TestApp, next_year, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn setup(app: &TestApp, customer: &str, first_amount: i64) -> (String, reqwest::Response) {
    let pm = app.tokenize_card(customer, "4242424242424242").await;
    let pm = pm["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/mandates"),
            &json!({
                "reference": "sub_gold_monthly", "max_amount": 2_500,
                "amount": first_amount, "currency": "eur", "order_reference": "ord_first",
            }),
        )
        .await;
    (pm, res)
}

async fn mit(app: &TestApp, mandate: &str, amount: i64, currency: &str) -> reqwest::Response {
    app.post(
        &app.admin_key,
        &format!("/api/v1/mandates/{mandate}/uses"),
        &json!({ "amount": amount, "currency": currency, "order_reference": "ord_renewal" }),
    )
    .await
}

async fn error_code(res: reqwest::Response) -> String {
    let v: Value = res.json().await.unwrap();
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_subscription_charges_again_without_the_card_or_the_customer() {
    let app = spawn_app().await;
    let (pm, res) = setup(&app, "cus_sub", 1_999).await;
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    let mandate = m["id"].as_str().unwrap().to_owned();
    assert_eq!(m["status"], "pending");
    assert_eq!(m["initial_use_detail"]["status"], "approved");
    assert_eq!(m["payment_method"], pm.as_str());

    // Before the network transaction id is known, no merchant-initiated use.
    assert_eq!(
        error_code(mit(&app, &mandate, 1_999, "eur").await).await,
        "mandate_inactive"
    );

    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/mandates/{mandate}/confirm"),
            &json!({ "network_transaction_id": "MCC0123456789ABC" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["status"], "active");

    let res = mit(&app, &mandate, 1_999, "eur").await;
    assert_eq!(res.status(), 201);
    let used: Value = res.json().await.unwrap();
    assert_eq!(used["status"], "approved");
    assert_eq!(used["initiator"], "merchant");
    assert_eq!(used["network_transaction_id"], "MCC0123456789ABC");
    assert_eq!(used["step_up"], Value::Null);
    assert_eq!(used["payment_method"], pm.as_str());
    // The use is a real one: readable like any other.
    let got = app
        .get(
            &app.admin_key,
            &format!(
                "/api/v1/payment_methods/{pm}/uses/{}",
                used["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(got.status(), 200);

    // Within the mandate only.
    let over = mit(&app, &mandate, 2_501, "eur").await;
    assert_eq!(over.status(), 400);
    let wrong = mit(&app, &mandate, 100, "usd").await;
    assert_eq!(wrong.status(), 400);
    let uses = app
        .count(&format!(
            "SELECT COUNT(*) FROM mandate_uses WHERE mandate = '{mandate}'"
        ))
        .await;
    assert_eq!(uses, 1);

    let audit = app.audit().await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"mandate.create") && actions.contains(&"mandate.confirm"));
    let merchant = audit
        .iter()
        .filter(|e| e.action == "payment_method.use" && e.outcome == "success")
        .filter(|e| {
            e.detail
                .as_deref()
                .is_some_and(|d| d.contains("\"initiator\":\"merchant\""))
        })
        .count();
    assert_eq!(merchant, 1);
    let refused = audit
        .iter()
        .filter(|e| e.action == "payment_method.use" && e.outcome == "failure")
        .count();
    assert_eq!(refused, 3, "inactive, over the cap, wrong currency");

    // Cancelled: no more charges.
    let res = app
        .delete(&app.admin_key, &format!("/api/v1/mandates/{mandate}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        error_code(mit(&app, &mandate, 1_999, "eur").await).await,
        "mandate_inactive"
    );
}

#[tokio::test]
async fn a_first_use_the_policy_declines_sets_up_nothing() {
    let app = spawn_app().await;
    // 800.00 EUR needs a step-up; the customer has no factor, and the default policy declines.
    let (_pm, res) = setup(&app, "cus_nofactor", 80_000).await;
    assert_eq!(res.status(), 409);
    assert_eq!(app.count("SELECT COUNT(*) FROM mandates").await, 0);
}

#[tokio::test]
async fn a_mandate_stops_when_its_card_is_replaced_and_ids_are_checked() {
    let app = spawn_app().await;
    let (pm, res) = setup(&app, "cus_repl", 500).await;
    let m: Value = res.json().await.unwrap();
    let mandate = m["id"].as_str().unwrap().to_owned();
    // A card number is never accepted as a network transaction id.
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/mandates/{mandate}/confirm"),
            &json!({ "network_transaction_id": "4242424242424242" }),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/mandates/{mandate}/confirm"),
            &json!({ "network_transaction_id": "VISA-TX-00042" }),
        )
        .await;
    assert_eq!(res.status(), 200);
    app.exec(&format!(
        "UPDATE payment_methods SET status = 'replaced' WHERE id = '{pm}'"
    ))
    .await
    .unwrap();
    let res = mit(&app, &mandate, 500, "eur").await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "payment_method_unusable");
    // A second confirmation is refused (it is active already).
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/mandates/{mandate}/confirm"),
            &json!({ "network_transaction_id": "X1" }),
        )
        .await;
    assert_eq!(res.status(), 400);
}

/// Sets up and confirms a mandate on a new Visa card for `customer`: (method, mandate).
async fn active_mandate(app: &TestApp, customer: &str, nti: &str) -> (String, String) {
    let (pm, res) = setup(app, customer, 900).await;
    assert_eq!(res.status(), 201);
    let mandate = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/mandates/{mandate}/confirm"),
            &json!({ "network_transaction_id": nti }),
        )
        .await;
    assert_eq!(res.status(), 200);
    (pm, mandate)
}

/// The customer replaces card `pm` with `number` through a re-verification link.
async fn replace_card(app: &TestApp, pm: &str, number: &str) {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/reverifications"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let path = path_of(res.json::<Value>().await.unwrap()["url"].as_str().unwrap());
    let form = format!(
        "number={number}&exp_month=10&exp_year={}&cvc=123&name=Ada+Lovelace",
        next_year() + 1
    );
    let done = Browser::new(app)
        .post_form(&format!("{path}?intent=replace"), &form)
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

async fn mandate_of(app: &TestApp, id: &str) -> Value {
    let res = app
        .get(&app.admin_key, &format!("/api/v1/mandates/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_mandate_follows_its_card_to_a_replacement_of_the_same_network() {
    let app = spawn_app().await;
    let (old, mandate) = active_mandate(&app, "cus_follow", "VISA-TX-77").await;
    // A second mandate on the same card, cancelled: it stays where it was.
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{old}/mandates"),
            &json!({
                "reference": "sub_old", "amount": 100, "currency": "eur",
                "order_reference": "ord_old",
            }),
        )
        .await;
    let cancelled = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .delete(&app.admin_key, &format!("/api/v1/mandates/{cancelled}"))
        .await;
    assert_eq!(res.status(), 200);

    // Another Visa card replaces it.
    replace_card(&app, &old, "4000056655665556").await;

    // The subscription charges the new card with the same network transaction id.
    let res = mit(&app, &mandate, 900, "eur").await;
    assert_eq!(res.status(), 201);
    let used: Value = res.json().await.unwrap();
    assert_eq!(used["status"], "approved");
    assert_eq!(used["network_transaction_id"], "VISA-TX-77");
    let new = used["payment_method"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let replaced_by = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_methods WHERE id = '{old}' AND replaced_by = '{new}'"
        ))
        .await;
    assert_eq!(replaced_by, 1);
    let m = mandate_of(&app, &mandate).await;
    assert_eq!(m["payment_method"], new.as_str());
    assert_eq!(m["status"], "active");
    assert_eq!(
        mandate_of(&app, &cancelled).await["payment_method"],
        old.as_str()
    );

    // One audited move, by the customer, from the old card to the new.
    let moves: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "mandate.move")
        .collect();
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].resource_id.as_deref(), Some(mandate.as_str()));
    assert_eq!(moves[0].actor_type, "customer");
    assert_eq!(moves[0].actor_id, "cus_follow");
    let detail: Value = serde_json::from_str(moves[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["from"], old.as_str());
    assert_eq!(detail["to"], new.as_str());
}

#[tokio::test]
async fn a_mandate_stays_behind_when_the_replacement_is_another_network() {
    let app = spawn_app().await;
    let (old, mandate) = active_mandate(&app, "cus_switch", "VISA-TX-88").await;
    // A Mastercard never saw the Visa transaction id: the mandate cannot go with it.
    replace_card(&app, &old, "5555555555554444").await;
    let m = mandate_of(&app, &mandate).await;
    assert_eq!(m["payment_method"], old.as_str());
    let res = mit(&app, &mandate, 900, "eur").await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "payment_method_unusable");
    let audit = app.audit().await;
    assert!(!audit.iter().any(|e| e.action == "mandate.move"));
    let reverify = audit
        .iter()
        .find(|e| e.action == "payment_method.reverify" && e.outcome == "success")
        .unwrap();
    let detail: Value = serde_json::from_str(reverify.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["mandates_stopped"], 1);
    assert_eq!(detail["mandates_moved"], 0);
}
