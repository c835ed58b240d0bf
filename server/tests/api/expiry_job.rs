//! The lifecycle job at a movable clock: transitions, alerts and their suppression, the lease,
//! retention, and the payment_method.* webhooks with retries and the dead-letter list.
//!
//! The test server runs no scheduler: each test runs the job itself at the instants it picks.
//! Card expiries cannot be in the past at intake, so the cards expire a few months from the real
//! clock and the job's clock is moved forward to their end (`expires_at`, the start of the month
//! after the expiry month, UTC).

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

// ---- helpers ----------------------------------------------------------------------------

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

// ---- 1. the walk through the states ------------------------------------------------------

#[tokio::test]
async fn a_card_walks_from_active_to_shredded_as_the_clock_moves() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_walk", PAN, month).await;
    let now = now_millis();

    // More than 60 days before its end: nothing to do.
    assert_eq!(run(&app, now).await, RunCounts::default());
    assert_eq!(status_of(&app, &id).await, "active");
    assert!(alerts(&app, &id).await.is_empty());

    // Within 60 days: expiring, with its alerts (the 60-day one due at once).
    let c = run(&app, end - 45 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent), (1, 1));
    assert_eq!(status_of(&app, &id).await, "expiring");

    // A week before: the 7-day alert (the 30-day one, due too, is superseded).
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_skipped), (1, 1));
    assert_eq!(status_of(&app, &id).await, "expiring");

    // An hour after its end: expired.
    let c = run(&app, end + HOUR).await;
    assert_eq!(c.expired, 1);
    assert_eq!(status_of(&app, &id).await, "expired");

    // 90 days after its end: archived.
    let archived_at = end + 91 * DAY;
    let c = run(&app, archived_at).await;
    assert_eq!(c.archived_expired, 1);
    assert_eq!(status_of(&app, &id).await, "archived");
    // Not yet shredded 29 days later.
    assert_eq!(
        run(&app, archived_at + 29 * DAY).await,
        RunCounts::default()
    );

    // 30 days after it was archived: shredded (the masked history stays).
    let c = run(&app, archived_at + 31 * DAY).await;
    assert_eq!(c.shredded, 1);
    let shown = app.method(&id).await;
    assert_eq!(shown["status"], "shredded");
    assert_eq!(shown["card"]["last4"], "4242");
    let left = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' \
             AND ciphertext IS NULL AND nonce IS NULL AND key_id IS NULL"
        ))
        .await;
    assert_eq!(left, 1);

    // Every change of state, in order, by the job, at the job's clock.
    let t = transitions(&app, &id).await;
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "expired", "expired"),
            step("expired", "archived", "retention_expired"),
            step("archived", "shredded", "retention"),
        ]
    );
    let at: Vec<i64> = t.iter().map(|t| t.at).collect();
    assert_eq!(
        at,
        vec![
            end - 45 * DAY,
            end + HOUR,
            archived_at,
            archived_at + 31 * DAY
        ]
    );
    assert!(t.iter().all(|t| t.actor == "service:coffer"), "{t:?}");

    // One record per run, at its clock.
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let mut runs = lc::recent_runs(&mut conn, 100).await.unwrap();
    drop(conn);
    runs.sort_by_key(|r| r.clock);
    let clocks: Vec<i64> = runs.iter().map(|r| r.clock).collect();
    assert_eq!(
        clocks,
        vec![
            now,
            end - 45 * DAY,
            end - 6 * DAY,
            end + HOUR,
            archived_at,
            archived_at + 29 * DAY,
            archived_at + 31 * DAY
        ]
    );
    assert!(runs.iter().all(|r| r.node == "node-a"));
    let last: Value = serde_json::from_str(&runs.last().unwrap().counts).unwrap();
    assert_eq!(last["shredded"], 1);

    let audit = app.audit().await;
    let of = |action: &str| -> Vec<&coffer_vault::store::AuditRow> {
        audit.iter().filter(|e| e.action == action).collect()
    };
    assert_eq!(of("lifecycle.run").len(), 7);
    assert!(
        of("lifecycle.run")
            .iter()
            .all(|e| e.outcome == "success" && e.actor_type == "service")
    );
    for action in ["payment_method.archive", "payment_method.shred"] {
        let rows = of(action);
        assert_eq!(rows.len(), 1, "{action}");
        assert_eq!(rows[0].resource_id.as_deref(), Some(id.as_str()));
        assert_eq!(rows[0].outcome, "success");
    }
    assert!(
        of("payment_method.archive")[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("retention_expired")
    );
}

// ---- 2. alerts -----------------------------------------------------------------------------

#[tokio::test]
async fn alerts_are_scheduled_per_lead_time_and_the_shortest_due_one_is_sent_signed() {
    let app = spawn_app().await;
    let (receiver, url) = Receiver::start(0).await;
    let secret = register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_alert", PAN, month).await;

    // First seen 20 days before its end: the 60- and 30-day alerts are both due, and only the
    // 30-day one is sent.
    let c = run(&app, end - 20 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent, c.alerts_skipped), (1, 1, 1));
    let scheduled = alerts(&app, &id).await;
    assert_eq!(scheduled.len(), 3);
    for (a, lead) in scheduled.iter().zip([60, 30, 7]) {
        assert_eq!(a.payment_method, id);
        assert_eq!(a.lead_days, lead);
        assert_eq!(a.expires_month, month);
        assert_eq!(a.fire_at, end - lead * DAY);
    }
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "skipped", Some("superseded")),
            alert(30, "sent", None),
            alert(7, "pending", None),
        ]
    );

    // A week before: the 7-day alert.
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_skipped), (1, 0));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "skipped", Some("superseded")),
            alert(30, "sent", None),
            alert(7, "sent", None),
        ]
    );
    // Still one row per (method, lead time).
    assert_eq!(alerts(&app, &id).await.len(), 3);

    // Two `payment_method.expiring` events, signed, masked.
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 2);
    wait_for(|| receiver.received().len() >= 2).await;
    let mut got = events(&receiver);
    assert_eq!(got.len(), 2);
    got.sort_by_key(|(_, _, e)| -e["data"]["lead_days"].as_i64().unwrap());
    for ((signature, body, event), lead) in got.iter().zip([30, 7]) {
        assert!(coffer_vault::webhook::verify(
            secret.as_bytes(),
            signature,
            body.as_bytes(),
            now_secs(),
            300
        ));
        assert_eq!(event["type"], "payment_method.expiring");
        assert_eq!(event["data"]["lead_days"], lead);
        assert_eq!(event["data"]["expires_at"], end / 1000);
        let object = &event["data"]["object"];
        assert_eq!(object["object"], "payment_method");
        assert_eq!(object["id"], id.as_str());
        assert_eq!(object["status"], "expiring");
        assert_eq!(object["card"]["last4"], "4242");
        assert_eq!(object["card"]["exp_month"], month % 12 + 1);
        assert_eq!(object["card"]["exp_year"], month / 12);
        assert!(!body.contains(PAN), "{body}");
        assert!(!body.contains("ciphertext"));
    }
}

// ---- 3. suppression ------------------------------------------------------------------------

#[tokio::test]
async fn alerts_of_a_card_updated_before_they_fire_are_suppressed() {
    let app = spawn_app().await;
    let (receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_upd", PAN, month).await;

    let c = run(&app, end - 45 * DAY).await;
    assert_eq!((c.expiring, c.alerts_sent), (1, 1));
    // The customer confirms the card's new expiry: active again, with a later end.
    let later = month + 24;
    let status = reverify(&app, &id, "expiry", &expiry_form(later)).await;
    assert_eq!(status, StatusCode::OK);
    let shown = app.method(&id).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["card"]["exp_year"], later / 12);

    // The 30- and 7-day alerts of the old expiry fall due: suppressed, nothing sent.
    let c = run(&app, end - 6 * DAY).await;
    assert_eq!(
        (c.alerts_sent, c.alerts_suppressed, c.alerts_skipped),
        (0, 2, 0)
    );
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("updated")),
            alert(7, "suppressed", Some("updated")),
        ]
    );
    // The card no longer ends then.
    assert_eq!(run(&app, end + HOUR).await, RunCounts::default());
    assert_eq!(status_of(&app, &id).await, "active");
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "active", "reverified"),
        ]
    );
    assert!(
        transitions(&app, &id).await[1]
            .actor
            .starts_with("customer:")
    );

    // Only the 60-day alert went out (and the update itself).
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 1);
    until_count(
        &app,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'",
        0,
    )
    .await;
    wait_for(|| receiver.received().len() >= 2).await;
    let mut types: Vec<(String, Value)> = events(&receiver)
        .into_iter()
        .map(|(_, _, e)| (e["type"].as_str().unwrap().to_owned(), e["data"].clone()))
        .collect();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(types.len(), 2);
    assert_eq!(types[0].0, "payment_method.expiring");
    assert_eq!(types[0].1["lead_days"], 60);
    assert_eq!(types[1].0, "payment_method.updated");
}

#[tokio::test]
async fn alerts_of_a_replaced_card_are_suppressed() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_repl", PAN, month).await;
    run(&app, end - 45 * DAY).await;

    let form = format!("number={OTHER_PAN}&{}&cvc=123", expiry_form(month + 36));
    assert_eq!(reverify(&app, &id, "replace", &form).await, StatusCode::OK);
    assert_eq!(status_of(&app, &id).await, "replaced");
    let replaced_by = app
        .count(&format!(
            "SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' AND replaced_by IS NOT NULL"
        ))
        .await;
    assert_eq!(replaced_by, 1);

    let c = run(&app, end - 6 * DAY).await;
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (0, 2));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("replaced")),
            alert(7, "suppressed", Some("replaced")),
        ]
    );
    // Alerts are decided before the retention steps: the replaced card is shredded after.
    assert_eq!(c.shredded, 1);
    assert_eq!(
        steps(&app, &id).await,
        vec![
            step("active", "expiring", "expiry_window"),
            step("expiring", "replaced", "replaced"),
            step("replaced", "shredded", "retention"),
        ]
    );
    // The replacement card is active and has no alerts.
    let new_cards = app
        .count(
            "SELECT COUNT(*) FROM payment_methods WHERE customer = 'cus_repl' \
             AND status = 'active' AND last4 = '5556'",
        )
        .await;
    assert_eq!(new_cards, 1);
    let new_alerts = app
        .count(
            "SELECT COUNT(*) FROM expiry_alerts a JOIN payment_methods p \
             ON p.id = a.payment_method WHERE p.last4 = '5556'",
        )
        .await;
    assert_eq!(new_alerts, 0);
}

/// An alert still pending when its card ends (the job did not run in between) is not sent:
/// the card is expired, and `payment_method.expired` says so.
#[tokio::test]
async fn alerts_still_pending_when_the_card_ends_are_suppressed_as_expired() {
    let app = spawn_app().await;
    let (_receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_late", PAN, month).await;
    run(&app, end - 45 * DAY).await;

    let c = run(&app, end + HOUR).await;
    assert_eq!(c.expired, 1);
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (0, 2));
    assert_eq!(
        alert_states(&app, &id).await,
        vec![
            alert(60, "sent", None),
            alert(30, "suppressed", Some("expired")),
            alert(7, "suppressed", Some("expired")),
        ]
    );
    assert_eq!(deliveries_of(&app, "payment_method.expiring").await, 1);
    assert_eq!(deliveries_of(&app, "payment_method.expired").await, 1);
}

/// A card updated to an expiry that is itself soon gets alerts of its own: the old expiry's
/// pending alerts are suppressed and the new expiry's are sent, even when both fall due in the
/// same run.
#[tokio::test]
async fn the_new_expirys_alert_is_sent_when_the_old_ones_are_suppressed_in_the_same_run() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    let id = card_expiring(&app, "cus_next", PAN, month).await;
    run(&app, end - 45 * DAY).await;
    assert_eq!(
        reverify(&app, &id, "expiry", &expiry_form(month + 1)).await,
        StatusCode::OK
    );

    // 20 days before the old end: the old 30-day alert and the new 60-day one are both due.
    let c = run(&app, end - 20 * DAY).await;
    assert_eq!(c.expiring, 1);
    assert_eq!((c.alerts_sent, c.alerts_suppressed), (1, 1));
    let states: Vec<(i64, i64, String, Option<String>)> = alerts(&app, &id)
        .await
        .into_iter()
        .map(|a| (a.expires_month, a.lead_days, a.status, a.reason))
        .collect();
    assert_eq!(
        states,
        vec![
            (month, 60, "sent".into(), None),
            (month, 30, "suppressed".into(), Some("updated".into())),
            (month, 7, "pending".into(), None),
            (month + 1, 60, "sent".into(), None),
            (month + 1, 30, "pending".into(), None),
            (month + 1, 7, "pending".into(), None),
        ]
    );
}

// ---- 4. idempotency and the lease ------------------------------------------------------------

#[tokio::test]
async fn a_second_run_at_the_same_clock_changes_nothing() {
    let app = spawn_app().await;
    let (_receiver, url) = Receiver::start(0).await;
    register(&app, &url, None).await;
    let month = soon();
    let end = expires_at(month);
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(card_expiring(&app, &format!("cus_idem{i}"), PAN, month).await);
    }
    // And a card unused for two years: archived at the first clock, shredded at the third.
    let old = card(&app, "cus_idem_old", PAN).await;
    age(&app, &old, 800).await;

    for at in [end - 20 * DAY, end + HOUR, end + 91 * DAY, end + 130 * DAY] {
        let first = run(&app, at).await;
        assert_ne!(
            first,
            RunCounts::default(),
            "the first run at {at} has work"
        );
        let alerts_before = alert_table(&app).await;
        let transitions_before = app
            .count("SELECT COUNT(*) FROM payment_method_transitions")
            .await;
        let deliveries_before = app.count("SELECT COUNT(*) FROM webhook_deliveries").await;
        assert_eq!(run(&app, at).await, RunCounts::default());
        assert_eq!(alert_table(&app).await, alerts_before);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM payment_method_transitions")
                .await,
            transitions_before
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM webhook_deliveries").await,
            deliveries_before
        );
    }
    for id in &ids {
        assert_eq!(status_of(&app, id).await, "shredded");
        assert_eq!(alerts(&app, id).await.len(), 3);
        assert_eq!(transitions(&app, id).await.len(), 4);
    }
    assert_eq!(status_of(&app, &old).await, "shredded");
}

/// Sums the counts of the runs that got the lease.
fn total(runs: &[Option<coffer_vault::service::LifecycleRun>]) -> RunCounts {
    let mut t = RunCounts::default();
    for c in runs.iter().flatten().map(|r| &r.counts) {
        t.expiring += c.expiring;
        t.alerts_sent += c.alerts_sent;
        t.alerts_suppressed += c.alerts_suppressed;
        t.alerts_skipped += c.alerts_skipped;
        t.expired += c.expired;
        t.archived_expired += c.archived_expired;
        t.archived_unused += c.archived_unused;
        t.shredded += c.shredded;
    }
    t
}

#[tokio::test]
async fn concurrent_runs_do_each_step_once() {
    let app = spawn_app().await;
    let month = soon();
    let end = expires_at(month);
    const N: u64 = 30;
    for i in 0..N {
        card_expiring(&app, &format!("cus_many{i}"), PAN, month).await;
    }

    // Two nodes: the lease lets one through at a time.
    let (a, b) = tokio::join!(
        app.vault.run_lifecycle("node-a", end - 20 * DAY),
        app.vault.run_lifecycle("node-b", end - 20 * DAY),
    );
    let runs = [a.unwrap(), b.unwrap()];
    assert!(runs.iter().any(Option::is_some));
    let t = total(&runs);
    assert_eq!((t.expiring, t.alerts_sent, t.alerts_skipped), (N, N, N));

    // The same node twice (both hold the lease): every step is still done once.
    let (a, b) = tokio::join!(
        app.vault.run_lifecycle("node-a", end + HOUR),
        app.vault.run_lifecycle("node-a", end + HOUR),
    );
    let runs = [a.unwrap(), b.unwrap()];
    let t = total(&runs);
    // (The 7-day alerts, due since a week, are suppressed: the cards have ended.)
    assert_eq!((t.expired, t.alerts_sent, t.alerts_suppressed), (N, 0, N));

    let n = i64::try_from(N).unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM expiry_alerts").await, 3 * n);
    let doubled = app
        .count(
            "SELECT COUNT(*) FROM (SELECT payment_method, lead_days FROM expiry_alerts \
             GROUP BY payment_method, lead_days HAVING COUNT(*) > 1) d",
        )
        .await;
    assert_eq!(doubled, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM expiry_alerts WHERE status = 'sent'")
            .await,
        n
    );
    for (to, want) in [("expiring", n), ("expired", n)] {
        let once = app
            .count(&format!(
                "SELECT COUNT(*) FROM (SELECT payment_method FROM payment_method_transitions \
                 WHERE to_status = '{to}' GROUP BY payment_method HAVING COUNT(*) = 1) d"
            ))
            .await;
        assert_eq!(once, want, "{to}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_method_transitions")
            .await,
        2 * n
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods WHERE status = 'expired'")
            .await,
        n
    );
}

#[tokio::test]
async fn the_lease_is_held_by_one_node_until_released_or_expired() {
    let app = spawn_app().await;
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    let c = &mut *conn;
    let name = "test-job";
    assert!(lc::acquire_lease(c, name, "a", 1_000, 2_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 1_500, 2_500).await.unwrap());
    // The holder may renew it.
    assert!(lc::acquire_lease(c, name, "a", 1_600, 3_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 2_500, 3_500).await.unwrap());
    lc::release_lease(c, name, "a", 2_600).await.unwrap();
    assert!(lc::acquire_lease(c, name, "b", 2_700, 4_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "a", 2_800, 5_000).await.unwrap());
    // Only the holder can release it.
    lc::release_lease(c, name, "a", 2_900).await.unwrap();
    assert!(!lc::acquire_lease(c, name, "a", 3_000, 5_000).await.unwrap());
    // b never released it: once its time is up, another node takes over.
    assert!(!lc::acquire_lease(c, name, "a", 3_999, 5_000).await.unwrap());
    assert!(lc::acquire_lease(c, name, "a", 4_000, 5_000).await.unwrap());
    assert!(!lc::acquire_lease(c, name, "b", 4_500, 6_000).await.unwrap());
    drop(conn);

    // The job's own lease: a node that holds it keeps the others out.
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    let now = now_millis();
    assert!(
        lc::acquire_lease(&mut conn, "lifecycle", "node-x", now, now + 60_000)
            .await
            .unwrap()
    );
    drop(conn);
    assert!(
        app.vault
            .run_lifecycle("node-a", now)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM lifecycle_runs").await, 0);
    let mut conn = app.vault.store().writer().acquire().await.unwrap();
    lc::release_lease(&mut conn, "lifecycle", "node-x", now)
        .await
        .unwrap();
    drop(conn);
    assert!(
        app.vault
            .run_lifecycle("node-a", now)
            .await
            .unwrap()
            .is_some()
    );
}

/// A run at another clock (`coffer lifecycle run --at`) must not lock the scheduler's nodes
/// out: the lease is about the wall clock, not the clock the policy is applied at.
#[tokio::test]
async fn a_run_at_a_future_clock_does_not_hold_the_lease_until_then() {
    let app = spawn_app().await;
    let now = now_millis();
    assert!(
        app.vault
            .run_lifecycle("coffer-cli", now + 400 * DAY)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.vault
            .run_lifecycle("node-a", now)
            .await
            .unwrap()
            .is_some()
    );
    // And one at a past clock is not refused either.
    assert!(
        app.vault
            .run_lifecycle("coffer-cli", now - 400 * DAY)
            .await
            .unwrap()
            .is_some()
    );
}

// ---- 5. retention by disuse --------------------------------------------------------------------

#[tokio::test]
async fn only_methods_unused_for_two_years_are_archived() {
    let app = spawn_app().await;
    let used = card(&app, "cus_used", PAN).await;
    let unused = card(&app, "cus_unused", PAN).await;
    let fresh = card(&app, "cus_fresh", PAN).await;
    age(&app, &used, 800).await;
    age(&app, &unused, 800).await;
    let res = use_method(&app, &used).await;
    assert_eq!(res.status(), 201);
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["status"], "approved");

    let c = run(&app, now_millis()).await;
    assert_eq!(c.archived_unused, 1);
    assert_eq!(status_of(&app, &unused).await, "archived");
    assert_eq!(status_of(&app, &used).await, "active");
    assert_eq!(status_of(&app, &fresh).await, "active");
    assert_eq!(
        steps(&app, &unused).await,
        vec![step("active", "archived", "unused")]
    );
    assert!(steps(&app, &used).await.is_empty());
    let archive: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.archive")
        .collect();
    assert_eq!(archive.len(), 1);
    assert_eq!(archive[0].resource_id.as_deref(), Some(unused.as_str()));
    assert!(archive[0].detail.as_deref().unwrap().contains("unused"));
    // An archived method is no longer usable.
    assert_eq!(use_method(&app, &unused).await.status(), 409);
}

// ---- 6. retries and dead letters ---------------------------------------------------------------

#[tokio::test]
async fn dead_payment_method_events_are_listed_and_can_be_replayed() {
    let app = spawn_app().await;
    let (_down, down_url) = Receiver::start(usize::MAX).await;
    let (flaky, flaky_url) = Receiver::start(3).await;
    register(&app, &down_url, None).await;
    let secret = register(&app, &flaky_url, None).await;
    // An old unused method is archived now: `payment_method.archived` to both endpoints.
    let id = card(&app, "cus_dead", PAN).await;
    age(&app, &id, 800).await;
    assert_eq!(run(&app, now_millis()).await.archived_unused, 1);
    assert_eq!(deliveries_of(&app, "payment_method.archived").await, 2);

    // Both fail three tries (the test app's maximum) and are dead.
    until_count(
        &app,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'dead' AND attempts = 3",
        2,
    )
    .await;
    assert!(flaky.received().is_empty());

    let grant = app
        .vault
        .authorize::<ManageWebhookDeliveries>(
            &app.staff_actor(&[Role::SecurityAdmin], false).await,
            &Origin::default(),
            None,
        )
        .await
        .unwrap();
    let dead = app
        .vault
        .dead_letters(&grant, 50, &Origin::default())
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    for d in &dead {
        assert_eq!(d.event_type, "payment_method.archived");
        assert_eq!(d.attempts, 3);
        assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
        assert!(d.url == down_url || d.url == flaky_url);
    }
    assert_eq!(dead[0].event_id, dead[1].event_id);
    let to_flaky = dead.iter().find(|d| d.url == flaky_url).unwrap();

    // Replayed, the flaky endpoint (now answering) gets it.
    app.vault
        .replay_dead_letter(&grant, &to_flaky.id, &Origin::default())
        .await
        .unwrap();
    wait_for(|| !flaky.received().is_empty()).await;
    let (signature, body, event) = events(&flaky).remove(0);
    assert!(coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.as_bytes(),
        now_secs(),
        300
    ));
    assert_eq!(event["type"], "payment_method.archived");
    assert_eq!(event["id"], to_flaky.event_id.as_str());
    assert_eq!(event["data"]["object"]["id"], id.as_str());
    assert_eq!(event["data"]["object"]["status"], "archived");
    assert!(!body.contains(PAN));
    until_count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE id = '{}' AND status = 'delivered'",
            to_flaky.id
        ),
        1,
    )
    .await;
    let dead = app
        .vault
        .dead_letters(&grant, 50, &Origin::default())
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].url, down_url);

    // Replaying a delivery that is not dead (delivered, or unknown) is NotFound, audited.
    for not_dead in [to_flaky.id.as_str(), "whd_unknown"] {
        let err = app
            .vault
            .replay_dead_letter(&grant, not_dead, &Origin::default())
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::NotFound), "{err:?}");
    }
    let replays: Vec<(String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "webhook_delivery.replay")
        .map(|e| (e.outcome, e.resource_id))
        .collect();
    assert_eq!(
        replays,
        vec![
            ("success".to_owned(), Some(to_flaky.id.clone())),
            ("failure".to_owned(), Some(to_flaky.id.clone())),
            ("failure".to_owned(), Some("whd_unknown".to_owned())),
        ]
    );
    let listed = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "webhook_delivery.list")
        .count();
    assert_eq!(listed, 2);
}

// ---- 7. uses of methods that are no longer usable ---------------------------------------------

/// Asks to use `id` and expects 409 `payment_method_unusable`, audited as a failure.
async fn assert_unusable(app: &TestApp, id: &str, status: &str) {
    assert_eq!(status_of(app, id).await, status);
    let res = use_method(app, id).await;
    assert_eq!(res.status(), 409, "{status}");
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "payment_method_unusable");
    let refused = app.audit().await.into_iter().any(|e| {
        e.action == "payment_method.use"
            && e.outcome == "failure"
            && e.resource_id.as_deref() == Some(id)
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("payment_method_unusable"))
    });
    assert!(refused, "{status}");
}

#[tokio::test]
async fn expired_and_replaced_methods_cannot_be_used() {
    let app = spawn_app().await;
    let replaced = card(&app, "cus_rep", PAN).await;
    let month = soon();
    let form = format!("number={OTHER_PAN}&{}&cvc=123", expiry_form(month + 36));
    assert_eq!(
        reverify(&app, &replaced, "replace", &form).await,
        StatusCode::OK
    );
    assert_unusable(&app, &replaced, "replaced").await;

    let end = expires_at(month);
    let expired = card_expiring(&app, "cus_exp", PAN, month).await;
    // Usable while expiring.
    run(&app, end - 20 * DAY).await;
    assert_eq!(status_of(&app, &expired).await, "expiring");
    assert_eq!(use_method(&app, &expired).await.status(), 201);
    run(&app, end + HOUR).await;
    assert_unusable(&app, &expired, "expired").await;

    // The replaced card was shredded 30 days after it was replaced: gone.
    assert_eq!(status_of(&app, &replaced).await, "shredded");
    let res = use_method(&app, &replaced).await;
    assert_eq!(res.status(), 410);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "payment_method_shredded");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_method_uses").await,
        1
    );
}
