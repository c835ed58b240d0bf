//! The lifecycle job at a movable clock: transitions, alerts and their suppression, the lease,
//! retention, and the payment_method.* webhooks with retries and the dead-letter list.
//!
//! The test server runs no scheduler: each test runs the job itself at the instants it picks.
//! Card expiries cannot be in the past at intake, so the cards expire a few months from the real
//! clock and the job's clock is moved forward to their end (`expires_at`, the start of the month
//! after the expiry month, UTC).

mod alerts;
mod dead_letters;
mod runs;
mod transitions;

use crate::customer_pages::{Browser, path_of};
use crate::helpers::{TestApp, card_body, spawn_app};
use crate::webhooks::{Receiver, register, wait_for};
use coffer_vault::VaultError;
use coffer_vault::access::{ManageWebhookDeliveries, Role};
use coffer_vault::audit::Origin;
use coffer_vault::clock::now_millis;
use coffer_vault::lifecycle::{expires_at, month_index};
use coffer_vault::service::RunCounts;
use coffer_vault::store::lifecycle::{self as lc, AlertRow, TransitionRow};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use std::time::Duration;

const PAN: &str = "4242424242424242";
const OTHER_PAN: &str = "4000056655665556";
const DAY: i64 = 24 * 60 * 60 * 1000;
const HOUR: i64 = 60 * 60 * 1000;

/// An expiry month (as a month number) three months after the real clock's: its end is at
/// least 89 days away, so the card is `active` now and turns `expiring` only when the job's
/// clock is moved to within 60 days of the end.
fn soon() -> i64 {
    month_index(now_millis()) + 3
}

/// Stores a card for `customer` expiring at the end of month number `month`; returns its id.
async fn card_expiring(app: &TestApp, customer: &str, number: &str, month: i64) -> String {
    let mut body = card_body(customer, number);
    body["card"]["exp_month"] = json!(month % 12 + 1);
    body["card"]["exp_year"] = json!(month / 12);
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
    let pm: Value = res.json().await.unwrap();
    pm["id"].as_str().unwrap().to_owned()
}

/// Stores a card with the tests' default expiry (years away); returns its id.
async fn card(app: &TestApp, customer: &str, number: &str) -> String {
    let pm = app.tokenize_card(customer, number).await;
    pm["id"].as_str().unwrap().to_owned()
}

/// Runs the job as `node-a` at `at` (asserting it got the lease).
async fn run(app: &TestApp, at: i64) -> RunCounts {
    app.vault
        .run_lifecycle("node-a", at)
        .await
        .unwrap()
        .expect("node-a gets the lease")
        .counts
}

/// Whether a run by `node` at clock `at` got the lease (and so ran).
async fn ran(app: &TestApp, node: &str, at: i64) -> bool {
    app.vault.run_lifecycle(node, at).await.unwrap().is_some()
}

async fn status_of(app: &TestApp, id: &str) -> String {
    app.method(id).await["status"].as_str().unwrap().to_owned()
}

async fn transitions(app: &TestApp, id: &str) -> Vec<TransitionRow> {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    lc::transitions_of(&mut conn, id).await.unwrap()
}

/// A method's transitions as (from, to, reason).
async fn steps(app: &TestApp, id: &str) -> Vec<(String, String, String)> {
    transitions(app, id)
        .await
        .into_iter()
        .map(|t| (t.from_status, t.to_status, t.reason))
        .collect()
}

fn step(from: &str, to: &str, reason: &str) -> (String, String, String) {
    (from.into(), to.into(), reason.into())
}

/// A method's alerts, longest lead time first.
async fn alerts(app: &TestApp, id: &str) -> Vec<AlertRow> {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    lc::alerts_of(&mut conn, id).await.unwrap()
}

/// A method's alerts as (lead days, status, reason).
async fn alert_states(app: &TestApp, id: &str) -> Vec<(i64, String, Option<String>)> {
    alerts(app, id)
        .await
        .into_iter()
        .map(|a| (a.lead_days, a.status, a.reason))
        .collect()
}

fn alert(lead: i64, status: &str, reason: Option<&str>) -> (i64, String, Option<String>) {
    (lead, status.into(), reason.map(str::to_owned))
}

/// Every alert row, with when it was decided, for before/after comparisons.
async fn alert_table(app: &TestApp) -> Vec<(String, String, Option<String>, Option<i64>)> {
    sqlx::query("SELECT id, status, reason, decided_at FROM expiry_alerts ORDER BY id")
        .fetch_all(app.vault.store().reader())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("id"),
                r.get("status"),
                r.get("reason"),
                r.get("decided_at"),
            )
        })
        .collect()
}

/// The webhook deliveries queued for events of `event_type`.
async fn deliveries_of(app: &TestApp, event_type: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = '{event_type}'"
    ))
    .await
}

/// Polls `sql` (a count) until it is `want` (deliveries settle in the background).
async fn until_count(app: &TestApp, sql: &str, want: i64) {
    for _ in 0..200 {
        if app.count(sql).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {sql} to be {want}");
}

/// The events a receiver got, parsed, with their signature headers.
fn events(receiver: &Receiver) -> Vec<(String, String, Value)> {
    receiver
        .received()
        .into_iter()
        .map(|(signature, _, body)| {
            let event = serde_json::from_str(&body).unwrap();
            (signature, body, event)
        })
        .collect()
}

fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Issues a re-verification link for `id` and submits `form` on its page with `intent`.
async fn reverify(app: &TestApp, id: &str, intent: &str, form: &str) -> StatusCode {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reverifications"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let link: Value = res.json().await.unwrap();
    let path = path_of(link["url"].as_str().unwrap());
    let mut browser = Browser::new(app);
    let page = browser
        .post_form(&format!("{path}?intent={intent}"), form)
        .await;
    page.status
}

/// The form confirming a new expiry, month number `month`.
fn expiry_form(month: i64) -> String {
    format!("exp_month={:02}&exp_year={}", month % 12 + 1, month / 12)
}

/// A small use of method `id` (no step-up needed).
async fn use_method(app: &TestApp, id: &str) -> reqwest::Response {
    app.post(
        &app.admin_key,
        &format!("/api/v1/payment_methods/{id}/uses"),
        &json!({ "amount": 1_000, "currency": "eur", "order_reference": "ord_1" }),
    )
    .await
}

/// Sets a method's creation back by `days`.
async fn age(app: &TestApp, id: &str, days: i64) {
    let at = now_millis() - days * DAY;
    let n = app
        .exec(&format!(
            "UPDATE payment_methods SET created_at = {at}, updated_at = {at} WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    assert_eq!(n, 1);
}
