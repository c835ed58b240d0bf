//! Re-verification links and the customer page, the wallet and default method, and uses of
//! methods that are no longer usable.

mod expiry;
mod leaks;
mod replacement;
mod wallet;

use crate::customer_pages::{Browser, Page, element_text, path_of};
use crate::helpers::{TestApp, card_body, next_year, spawn_app};
use axum::routing::post;
use coffer_vault::access::Scope;
use coffer_vault::store::AuditRow;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The card on file (Visa debit: BIN 400005, last 4 5556).
const OLD_PAN: &str = "4000056655665556";
/// The replacement (Mastercard, last 4 4444).
const NEW_PAN: &str = "5555555555554444";

fn this_year() -> i64 {
    crate::helpers::this_year()
}

/// Stores a card for `customer` and returns its id.
/// Stores a card through the agent's key (channel `call-centre`, which issues the links).
async fn card(app: &TestApp, customer: &str, number: &str) -> String {
    let res = app
        .post(
            &app.agent_key,
            "/api/v1/payment_methods",
            &crate::helpers::card_body(customer, number),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn issue(app: &TestApp, key: &str, id: &str) -> reqwest::Response {
    app.post(
        key,
        &format!("/api/v1/payment_methods/{id}/reverifications"),
        &json!({}),
    )
    .await
}

/// Issues a link for `id` with the agent's key (asserting 201) and returns its path.
async fn link_path(app: &TestApp, id: &str) -> String {
    let res = issue(app, &app.agent_key, id).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    path_of(body["url"].as_str().unwrap())
}

async fn reveal(app: &TestApp, id: &str) -> Value {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "re-verification test"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn wallet(app: &TestApp, customer: &str) -> Vec<Value> {
    let res = app
        .get(
            &app.agent_key,
            &format!("/api/v1/customers/{customer}/wallet"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "list");
    body["data"].as_array().unwrap().clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn set_default(app: &TestApp, customer: &str, id: &str) -> reqwest::Response {
    // The admin key is OMS-wide: it may set the default of any channel's method.
    app.post(
        &app.admin_key,
        &format!("/api/v1/customers/{customer}/default_payment_method"),
        &json!({ "payment_method": id }),
    )
    .await
}

/// Asks to use `id` for a small order (below any step-up threshold).
async fn use_method(app: &TestApp, id: &str) -> reqwest::Response {
    app.post(
        &app.admin_key,
        &format!("/api/v1/payment_methods/{id}/uses"),
        &json!({ "amount": 500, "currency": "eur", "order_reference": "ord_rv" }),
    )
    .await
}

/// One text value (or NULL) from the database.
async fn text(app: &TestApp, sql: &str) -> Option<String> {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_one(app.vault.store().reader())
        .await
        .expect("query");
    row.try_get::<Option<String>, _>(0).expect("text")
}

/// Every value of the first (text) column.
async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(app.vault.store().reader())
        .await
        .expect("query")
        .iter()
        .map(|r| r.try_get::<String, _>(0).expect("text"))
        .collect()
}

async fn audit_of(app: &TestApp, action: &str) -> Vec<AuditRow> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.action == action)
        .collect()
}

fn replace_form(number: &str, month: i64, year: i64, cvc: &str) -> String {
    format!("number={number}&exp_month={month:02}&exp_year={year}&cvc={cvc}&name=Ada+Lovelace")
}

fn expiry_form(month: i64, year: i64) -> String {
    format!("exp_month={month:02}&exp_year={year}")
}

fn tries_left(page: &Page) -> String {
    page.body
        .split("class=\"hint\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_owned()
}

/// A webhook receiver that answers 200 and keeps the bodies, registered for every channel.
async fn webhook_receiver(app: &TestApp) -> Arc<Mutex<Vec<String>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        post(move |body: String| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/webhook_endpoints",
            &json!({ "url": url }),
        )
        .await;
    assert_eq!(res.status(), 201);
    got
}

/// The payloads of the `payment_method.updated` deliveries about `id`.
async fn updates_about(app: &TestApp, id: &str) -> Vec<Value> {
    texts(
        app,
        "SELECT payload FROM webhook_deliveries WHERE event_type = 'payment_method.updated' ORDER BY created_at",
    )
    .await
    .iter()
    .map(|p| serde_json::from_str::<Value>(p).unwrap())
    .filter(|p| p["data"]["object"]["id"] == id)
    .collect()
}
