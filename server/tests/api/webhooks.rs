//! Webhooks to the OMS channels against a local receiving server: signed like Stripe's (checked
//! with the secret shown at registration), sent to the use's channel only, retried with backoff
//! and dead after the last try.

use crate::customer_pages::{Browser, code, enrol_totp, path_of};
use crate::helpers::{TestApp, spawn_app};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PAN: &str = "4242424242424242";

/// A receiver that answers 500 to its first `fail_first` requests, then 200, and keeps each
/// request's signature header and body.
#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<(String, String, String)>>>,
    fail_first: usize,
    calls: Arc<Mutex<usize>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> (Receiver, String) {
        let receiver = Receiver {
            fail_first,
            ..Default::default()
        };
        let r = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let r = r.clone();
                async move {
                    let mut calls = r.calls.lock().unwrap();
                    *calls += 1;
                    if *calls <= r.fail_first {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .map(|v| v.to_str().unwrap().to_owned())
                            .unwrap_or_default()
                    };
                    r.got.lock().unwrap().push((
                        header("coffer-signature"),
                        header("coffer-event-id"),
                        String::from_utf8(body.to_vec()).unwrap(),
                    ));
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    pub fn received(&self) -> Vec<(String, String, String)> {
        self.got.lock().unwrap().clone()
    }
}

pub async fn register(app: &TestApp, url: &str, channel: Option<&str>) -> String {
    let mut body = json!({ "url": url });
    if let Some(c) = channel {
        body["channel"] = json!(c);
    }
    let res = app
        .post(&app.admin_key, "/api/v1/webhook_endpoints", &body)
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap(),
        "no-store"
    );
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["object"], "webhook_endpoint");
    v["secret"].as_str().unwrap().to_owned()
}

/// A use of a new enrolled customer's card that needs a step-up: (method, use JSON, key).
async fn pending_use(app: &TestApp, customer: &str) -> (String, Value, Vec<u8>) {
    let pm = app.tokenize_card(customer, PAN).await;
    let pm = pm["id"].as_str().unwrap().to_owned();
    let key = enrol_totp(app, customer).await;
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/uses"),
            &json!({ "amount": 80_000, "currency": "eur", "order_reference": "ord_77" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    (pm, res.json().await.unwrap(), key)
}

pub async fn wait_for(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for webhook deliveries");
}

#[tokio::test]
async fn an_approved_use_is_announced_signed_to_its_channel_only() {
    let app = spawn_app().await;
    let (web, web_url) = Receiver::start(0).await;
    let (pos, pos_url) = Receiver::start(0).await;
    let secret = register(&app, &web_url, Some("web-checkout")).await;
    register(&app, &pos_url, Some("pos")).await;
    let (_, use_, key) = pending_use(&app, "cus_hook").await;
    let mut b = Browser::new(&app);
    let path = path_of(use_["next_action"]["url"].as_str().unwrap());
    let ok = b.post_form(&path, &format!("code={}", code(&key, 1))).await;
    assert!(ok.body.contains("Payment approved"));

    wait_for(|| !web.received().is_empty()).await;
    let (signature, event_id, body) = web.received().remove(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.as_bytes(),
        now,
        300
    ));
    // A changed body, another secret or a replay ten minutes later do not verify.
    assert!(!coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.replace("approved", "failed").as_bytes(),
        now,
        300
    ));
    assert!(!coffer_vault::webhook::verify(
        b"whsec_other",
        &signature,
        body.as_bytes(),
        now,
        300
    ));
    assert!(!coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.as_bytes(),
        now + 600,
        300
    ));
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "payment_method_use.approved");
    assert_eq!(event["id"], event_id);
    assert_eq!(event["data"]["object"]["id"], use_["id"]);
    assert_eq!(event["data"]["object"]["status"], "approved");
    assert_eq!(event["data"]["object"]["factor"], "totp");
    assert!(!body.contains(PAN) && !body.contains("/c/step-up/"));
    // The pos endpoint hears nothing of a web use.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(pos.received().is_empty());
    assert_eq!(web.received().len(), 1);
}

#[tokio::test]
async fn failed_deliveries_retry_with_backoff_and_die_after_the_last_try() {
    let app = spawn_app().await;
    let (flaky, flaky_url) = Receiver::start(2).await;
    let (_down, down_url) = Receiver::start(usize::MAX).await;
    register(&app, &flaky_url, Some("web-checkout")).await;
    register(&app, &down_url, Some("web-checkout")).await;
    let (pm, use_, _) = pending_use(&app, "cus_retry").await;
    // The challenge runs out and nobody polls: the sweeper closes it and the OMS hears
    // `payment_method_use.failed`.
    let _ = (&pm, &use_);
    app.exec("UPDATE payment_method_uses SET expires_at = 1")
        .await
        .unwrap();

    wait_for(|| !flaky.received().is_empty()).await;
    let (_, _, body) = flaky.received().remove(0);
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "payment_method_use.failed");
    assert_eq!(event["data"]["object"]["failure_code"], "expired");

    // Three tries each (the test app allows 3): delivered on the third, or dead.
    for _ in 0..200 {
        let settled = app
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'pending'")
            .await;
        if settled == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT e.url, d.status, d.attempts, d.last_error, d.created_at, d.next_attempt_at \
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id",
    )
    .fetch_all(app.vault.store().reader())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let url: String = r.get("url");
        let status: String = r.get("status");
        let attempts: i64 = r.get("attempts");
        let error: Option<String> = r.get("last_error");
        assert_eq!(attempts, 3, "{url}");
        if url == flaky_url {
            assert_eq!(status, "delivered");
        } else {
            assert_eq!(status, "dead");
            assert_eq!(error.as_deref(), Some("HTTP 500"));
        }
    }
}

#[tokio::test]
async fn endpoints_need_the_scope_and_a_web_url() {
    let app = spawn_app().await;
    let denied = app
        .post(
            &app.agent_key,
            "/api/v1/webhook_endpoints",
            &json!({ "url": "https://oms.example/hooks" }),
        )
        .await;
    assert_eq!(denied.status(), 403);
    for (body, param) in [
        (json!({}), "url"),
        (json!({ "url": "ftp://oms.example/hooks" }), "url"),
        (
            json!({ "url": format!("https://oms.example/{PAN}") }),
            "url",
        ),
    ] {
        let res = app
            .post(&app.admin_key, "/api/v1/webhook_endpoints", &body)
            .await;
        assert_eq!(res.status(), 400, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["param"], param);
        assert!(!err.to_string().contains(PAN));
    }
    // A channel's key registers for its own channel only.
    let hooks = app
        .key_with("Web Shop", &[coffer_vault::access::Scope::WebhooksManage])
        .await;
    let body = json!({ "url": "https://oms.example/h", "channel": "pos" });
    let res = app.post(&hooks, "/api/v1/webhook_endpoints", &body).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["param"],
        "channel"
    );
    let secret = register(&app, "https://oms.example/hooks", Some("web-checkout")).await;
    assert!(secret.starts_with("whsec_"));
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "webhook_endpoint.create" && e.outcome == "success")
    );
    assert!(audit.iter().all(|e| !format!("{e:?}").contains(&secret)));
    let stored = app
        .count("SELECT COUNT(*) FROM webhook_endpoints WHERE url = 'https://oms.example/hooks'")
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn factor_changes_are_announced_to_endpoints_of_all_channels() {
    let app = spawn_app().await;
    let (all, all_url) = Receiver::start(0).await;
    let (web, web_url) = Receiver::start(0).await;
    let secret = register(&app, &all_url, None).await;
    register(&app, &web_url, Some("web-checkout")).await;
    enrol_totp(&app, "cus_notice").await;
    wait_for(|| !all.received().is_empty()).await;
    let (signature, _, body) = all.received().remove(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(coffer_vault::webhook::verify(
        secret.as_bytes(),
        &signature,
        body.as_bytes(),
        now,
        300
    ));
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "customer.factor_added");
    assert_eq!(event["data"]["object"]["customer"], "cus_notice");
    assert_eq!(event["data"]["object"]["kind"], "totp");
    // A factor is the customer's, not a channel's: a channel's endpoint hears nothing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(web.received().is_empty());
}

/// Waits until no delivery is pending (each delivered or dead).
async fn settled(app: &TestApp) {
    for _ in 0..200 {
        let pending = app
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
            .await;
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("deliveries still pending");
}

/// Expires every open step-up challenge: the sweeper announces `payment_method_use.failed`.
async fn expire_challenges(app: &TestApp) {
    app.exec("UPDATE payment_method_uses SET expires_at = 1 WHERE status = 'requires_action'")
        .await
        .unwrap();
}

#[tokio::test]
async fn channels_list_their_endpoints_and_disable_one() {
    let app = spawn_app().await;
    let (_down, down_url) = Receiver::start(usize::MAX).await;
    let (up, up_url) = Receiver::start(0).await;
    register(&app, &down_url, Some("web-checkout")).await;
    register(&app, &up_url, None).await;
    // The endpoint for all channels also hears each enrolment (`customer.factor_added`).
    let failures = |r: &Receiver| {
        r.received()
            .iter()
            .filter(|(_, _, body)| body.contains("\"payment_method_use.failed\""))
            .count()
    };
    pending_use(&app, "cus_ops").await;
    expire_challenges(&app).await;
    wait_for(|| failures(&up) == 1).await;
    settled(&app).await;

    let list = app.get(&app.admin_key, "/api/v1/webhook_endpoints").await;
    assert_eq!(list.status(), 200);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["object"], "list");
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert!(!list.to_string().contains("whsec_"), "no secret in a list");
    let down = data.iter().find(|e| e["url"] == down_url.as_str()).unwrap();
    let all = data.iter().find(|e| e["url"] == up_url.as_str()).unwrap();
    assert_eq!(down["status"], "enabled");
    assert_eq!(down["channel"], "web-checkout");
    assert_eq!(down["failed_deliveries"], 1);
    assert_eq!(down["pending_deliveries"], 0);
    assert_eq!(down["disabled"], Value::Null);
    assert_eq!(all["channel"], Value::Null);
    assert_eq!(all["failed_deliveries"], 0);
    assert!(down["registered_by"].as_str().unwrap().starts_with("ak_"));
    let down_id = down["id"].as_str().unwrap().to_owned();

    // Agents' keys have no `webhooks:manage`.
    let denied = app.get(&app.agent_key, "/api/v1/webhook_endpoints").await;
    assert_eq!(denied.status(), 403);
    let denied = app
        .delete(
            &app.agent_key,
            &format!("/api/v1/webhook_endpoints/{down_id}"),
        )
        .await;
    assert_eq!(denied.status(), 403);

    // A delivery waiting for a later try when the endpoint is disabled is cancelled.
    app.exec(&format!(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, \
         attempts, next_attempt_at, created_at) VALUES ('whd_waiting', '{down_id}', 'evt_w', \
         'payment_method_use.failed', '{{}}', 'pending', 1, 9999999999999, 1)"
    ))
    .await
    .unwrap();
    let res = app
        .delete(
            &app.admin_key,
            &format!("/api/v1/webhook_endpoints/{down_id}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let disabled: Value = res.json().await.unwrap();
    assert_eq!(disabled["status"], "disabled");
    assert!(disabled["disabled"].as_i64().unwrap() > 0);
    assert_eq!(disabled["pending_deliveries"], 0);
    let cancelled = app
        .count("SELECT COUNT(*) FROM webhook_deliveries WHERE id = 'whd_waiting' AND status = 'cancelled'")
        .await;
    assert_eq!(cancelled, 1);
    // Once only.
    let again = app
        .delete(
            &app.admin_key,
            &format!("/api/v1/webhook_endpoints/{down_id}"),
        )
        .await;
    assert_eq!(again.status(), 404);

    // The next event goes to the enabled endpoint only.
    let before = app
        .count(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = '{down_id}'"
        ))
        .await;
    pending_use(&app, "cus_ops2").await;
    expire_challenges(&app).await;
    wait_for(|| failures(&up) == 2).await;
    let after = app
        .count(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = '{down_id}'"
        ))
        .await;
    assert_eq!(after, before);
    let listed: Value = app
        .get(&app.admin_key, "/api/v1/webhook_endpoints")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["url"], up_url.as_str(), "enabled first");
    assert_eq!(listed["data"][1]["status"], "disabled");

    let audit = app.audit().await;
    let disables: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "webhook_endpoint.disable")
        .collect();
    assert_eq!(disables.len(), 2);
    assert_eq!(disables[0].outcome, "success");
    assert!(
        disables[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("\"cancelled_deliveries\":1")
    );
    assert_eq!(disables[1].outcome, "failure");
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "webhook_endpoint.list" && e.outcome == "success")
            .count(),
        2
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "webhook_endpoint.manage" && e.outcome == "denied"),
        "the agent's refusals are audited"
    );
}
