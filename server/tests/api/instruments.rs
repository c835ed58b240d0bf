//! SEPA debit, US bank accounts and Alipay: normalised into the same model, masked, revealable.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

async fn create_and_reveal(app: &crate::helpers::TestApp, body: Value) -> (Value, Value) {
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
    let view: Value = res.json().await.unwrap();
    let path = format!(
        "/api/v1/payment_methods/{}/reveal",
        view["id"].as_str().unwrap()
    );
    let revealed: Value = app
        .post(&app.admin_key, &path, &json!({"reason": "ticket 42"}))
        .await
        .json()
        .await
        .unwrap();
    (view, revealed)
}

#[tokio::test]
async fn sepa_debit_is_masked_and_reveals_the_iban() {
    let app = spawn_app().await;
    let body = json!({"customer": "cus_eu", "type": "sepa_debit", "sepa_debit": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}});
    let (view, revealed) = create_and_reveal(&app, body).await;
    assert_eq!(view["sepa_debit"]["country"], "DE");
    assert_eq!(view["sepa_debit"]["last4"], "3000");
    assert!(!view.to_string().contains("370400440532013000"));
    assert_eq!(revealed["sepa_debit"]["iban"], "DE89370400440532013000");
}

#[tokio::test]
async fn a_bad_iban_checksum_is_a_field_error() {
    let app = spawn_app().await;
    let body = json!({"customer": "cus_eu", "type": "sepa_debit", "sepa_debit": {"iban": "DE89370400440532013001"}});
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 422);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "invalid_iban");
    assert_eq!(e["error"]["param"], "sepa_debit[iban]");
}

#[tokio::test]
async fn us_bank_account_checks_the_routing_number() {
    let app = spawn_app().await;
    let good = json!({"customer": "cus_us", "type": "us_bank_account",
        "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789", "account_type": "savings"}});
    let (view, revealed) = create_and_reveal(&app, good).await;
    assert_eq!(view["us_bank_account"]["last4"], "6789");
    assert_eq!(view["us_bank_account"]["account_type"], "savings");
    assert!(!view.to_string().contains("000123456789"));
    assert_eq!(
        revealed["us_bank_account"]["account_number"],
        "000123456789"
    );

    let bad = json!({"customer": "cus_us", "type": "us_bank_account",
        "us_bank_account": {"routing_number": "110000001", "account_number": "000123456789"}});
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &bad)
        .await;
    assert_eq!(res.status(), 422);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "invalid_routing_number");
}

#[tokio::test]
async fn alipay_accounts_are_masked() {
    let app = spawn_app().await;
    let body =
        json!({"customer": "cus_cn", "type": "alipay", "alipay": {"account": "2088123412341234"}});
    let (view, revealed) = create_and_reveal(&app, body).await;
    assert_eq!(view["alipay"]["account_kind"], "user_id");
    assert!(!view.to_string().contains("2088123412341234"));
    assert_eq!(revealed["alipay"]["account"], "2088123412341234");
}
