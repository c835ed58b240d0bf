//! The outbound relay over real TLS to local PSP doubles: an OMS stores a card and sends it to
//! Stripe's or Braintree's vault without ever holding the number; what a forward may not do is
//! refused and audited.

mod psp;
mod psp_tokens;
mod settings;

use crate::helpers::{TestApp, spawn_app, spawn_configured};
use coffer_vault::access::Scope;
use psp::{BRAINTREE_PRIVATE, BRAINTREE_PUBLIC, Psp, STRIPE_KEY};
use serde_json::{Value, json};

const PAN: &str = "4242424242424242";

async fn relay_app() -> TestApp {
    spawn_configured(|c| {
        c.relay.allowed_private = coffer_vault::net::parse_list("127.0.0.1").unwrap();
    })
    .await
}

/// A relay app, a running PSP double and a card stored for `customer`.
async fn stored(customer: &str, number: &str) -> (TestApp, Psp, String) {
    let app = relay_app().await;
    let psp = psp::start().await;
    let pm = app.tokenize_card(customer, number).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (app, psp, pm)
}

/// The double's Braintree endpoint as a connection (basic auth with its key pair).
async fn connect_braintree(app: &TestApp, psp: &Psp) -> String {
    let auth =
        json!({"type": "basic", "username": BRAINTREE_PUBLIC, "password": BRAINTREE_PRIVATE});
    let routes = json!([{"method": "POST", "path": "/graphql"}]);
    connect(
        app,
        psp,
        json!({"name": "Braintree (double)", "routes": routes, "auth": auth}),
    )
    .await
}

/// Registers a connection to `psp` with `extra` merged in; returns its id.
async fn connect(app: &TestApp, psp: &Psp, extra: Value) -> String {
    let key = app
        .key_with("relay-admin", &[Scope::ConnectionsManage])
        .await;
    let mut body = json!({
        "name": "Stripe (double)",
        "base_url": psp.base_url,
        "routes": [{"method": "POST", "path": "/v1/payment_methods"}],
        "auth": {"type": "bearer", "token": STRIPE_KEY},
        "ca_pem": psp.ca_pem,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = app.post(&key, "/api/v1/connections", &body).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn stripe_body(pm: &str) -> String {
    format!(
        "type=card&card[number]={{{{ {pm}:number }}}}&card[exp_month]={{{{ {pm}:exp_month }}}}\
         &card[exp_year]={{{{ {pm}:exp_year }}}}&billing_details[name]={{{{ {pm}:name }}}}"
    )
}

async fn forward(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.post(key, "/api/v1/forward", &body).await
}

fn stripe_forward(conn: &str, pm: &str) -> Value {
    json!({
        "connection": conn, "method": "POST", "path": "/v1/payment_methods",
        "content_type": "application/x-www-form-urlencoded", "body": stripe_body(pm),
        "headers": {"Stripe-Version": "2025-08-27.basil", "Idempotency-Key": "order-1001"},
    })
}

async fn forwarder(app: &TestApp) -> String {
    app.key_with("web-checkout", &[Scope::PaymentMethodsForward])
        .await
}

/// Every byte of the SQLite database and its WAL, as text.
fn database_text(app: &TestApp) -> String {
    let mut all = Vec::new();
    if let Some(path) = &app.sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let p = format!("{}{suffix}", path.display());
            all.extend(std::fs::read(p).unwrap_or_default());
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn a_stored_card_reaches_stripe_through_the_relay_and_nowhere_else() {
    let (app, psp, pm) = stored("cus_relay", PAN).await;
    let conn = connect(&app, &psp, json!({})).await;
    let key = forwarder(&app).await;
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let text = res.text().await.unwrap();
    assert!(!text.contains(PAN), "the answer carries the PAN: {text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["object"], "forward");
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["payment_methods"], json!([pm]));
    let psp_body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(psp_body["id"], "pm_1QstripeDouble");
    assert_eq!(psp_body["card"]["last4"], "4242");
    assert_eq!(psp_body["card"]["exp_month"], 12);
    // The PSP echoed the number; the caller sees it masked.
    assert_eq!(psp_body["debug"]["number_received"], "424242******4242");
    // It echoed the name on the card too: a value Coffer filled in comes back hidden.
    assert_eq!(psp_body["billing_details"]["name"], "************");

    // What the PSP received: the number, the month as two digits, the key, the caller's headers.
    let got = psp.received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/v1/payment_methods");
    let fields: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(got[0].body.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(fields["card[number]"], PAN);
    assert_eq!(fields["card[exp_month]"], "12");
    assert_eq!(fields["billing_details[name]"], "Ada Lovelace");
    assert_eq!(
        got[0].headers["authorization"],
        format!("Bearer {STRIPE_KEY}")
    );
    assert_eq!(got[0].headers["stripe-version"], "2025-08-27.basil");
    assert_eq!(got[0].headers["idempotency-key"], "order-1001");

    // Audited before and after, without the number, the body or the PSP's key.
    let audit = app.audit().await;
    let sent: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "payment_method.forward")
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].outcome, "success");
    assert_eq!(sent[0].resource_id.as_deref(), Some(pm.as_str()));
    let result = audit
        .iter()
        .find(|e| e.action == "payment_method.forward_result")
        .expect("result audited");
    let detail: Value = serde_json::from_str(result.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["status"], 200);
    assert!(detail["bytes_out"].as_u64().unwrap() > 60);
    assert!(detail["latency_ms"].is_u64());
    let everything = format!("{audit:?}{}", database_text(&app));
    for secret in [PAN, STRIPE_KEY, "card[number]=4242"] {
        assert!(
            !everything.contains(secret),
            "{secret} is stored or audited"
        );
    }
}

#[tokio::test]
async fn braintree_vaults_a_card_sent_as_graphql_json() {
    let (app, psp, pm) = stored("cus_bt", "4000056655665556").await;
    let conn = connect_braintree(&app, &psp).await;
    let template = format!(
        r#"{{"query":"mutation Tok($input: TokenizeCreditCardInput!) {{ tokenizeCreditCard(input: $input) {{ paymentMethod {{ id details {{ ... on CreditCardDetails {{ last4 }} }} }} }} }}","variables":{{"input":{{"creditCard":{{"number":"{{{{ {pm}:number }}}}","expirationMonth":"{{{{ {pm}:exp_month }}}}","expirationYear":"{{{{ {pm}:exp_year }}}}","cardholderName":"{{{{ {pm}:name }}}}"}}}}}}}}"#
    );
    let key = forwarder(&app).await;
    let res = forward(
        &app,
        &key,
        json!({
            "connection": conn, "path": "/graphql", "content_type": "application/json",
            "headers": {"Braintree-Version": "2019-01-01"}, "body": template,
        }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    let method = &body["data"]["tokenizeCreditCard"]["paymentMethod"];
    assert_eq!(method["id"], "tokencc_bt_double");
    assert_eq!(method["details"]["last4"], "5556");
    let got = psp.received.lock().unwrap().clone();
    let sent: Value = serde_json::from_str(&got[0].body).unwrap();
    let card = &sent["variables"]["input"]["creditCard"];
    assert_eq!(card["number"], "4000056655665556");
    assert_eq!(card["cardholderName"], "Ada Lovelace");
    assert_eq!(got[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn forwards_the_relay_must_not_make_are_refused_and_audited() {
    let (app, psp, pm) = stored("cus_r", PAN).await;
    let conn = connect(&app, &psp, json!({})).await;
    let key = forwarder(&app).await;
    let refused = |status: u16, param: &'static str| (status, param);
    let mut cases = Vec::new();
    let mut b = stripe_forward(&conn, &pm);
    b["connection"] = json!("conn_nosuchconnection");
    cases.push((b, refused(400, "connection")));
    let mut b = stripe_forward(&conn, &pm);
    b["path"] = json!("/v1/customers");
    cases.push((b, refused(400, "path")));
    let mut b = stripe_forward(&conn, &pm);
    b["body"] = json!(format!("type=card&card[number]={PAN}"));
    cases.push((b, refused(400, "body")));
    let mut b = stripe_forward(&conn, &pm);
    b["body"] = json!(format!("iban={{{{ {pm}:iban }}}}"));
    cases.push((b, refused(400, "body")));
    let mut b = stripe_forward(&conn, &pm);
    b["headers"] = json!({"Authorization": "Bearer sk_live_mine"});
    cases.push((b, refused(400, "headers")));
    let mut b = stripe_forward(&conn, &pm);
    b["content_type"] = json!("text/xml");
    cases.push((b, refused(400, "content_type")));
    let mut b = stripe_forward(&conn, &pm);
    b["path"] = json!(format!("/v1/payment_methods/{PAN}"));
    cases.push((b, refused(400, "path")));
    for (body, (status, param)) in cases {
        let res = forward(&app, &key, body).await;
        assert_eq!(res.status(), status, "{param}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"]["param"], param);
        assert!(!e.to_string().contains(PAN));
    }
    // The reveal scope is not the forward scope.
    let res = forward(&app, &app.agent_key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 403);
    // Another channel's card is unknown to this channel's key.
    let pos = app.key_with("pos", &[Scope::PaymentMethodsForward]).await;
    let res = forward(&app, &pos, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 404);
    // A connection that names its keys admits no other.
    let only = connect(&app, &psp, json!({"api_keys": ["ak_someoneelse"]})).await;
    let res = forward(&app, &key, stripe_forward(&only, &pm)).await;
    assert_eq!(res.status(), 403);
    // A disabled connection takes no forward.
    let admin = app
        .key_with("relay-admin", &[Scope::ConnectionsManage])
        .await;
    let res = app
        .delete(&admin, &format!("/api/v1/connections/{conn}"))
        .await;
    assert_eq!(res.status(), 200);
    let res = forward(&app, &key, stripe_forward(&conn, &pm)).await;
    assert_eq!(res.status(), 400);
    // Nothing of that reached the PSP; every refusal is in the audit log.
    assert!(psp.received.lock().unwrap().is_empty());
    let audit = app.audit().await;
    let refusals = audit
        .iter()
        .filter(|e| e.action == "payment_method.forward" && e.outcome != "success")
        .count();
    assert!(refusals >= 5, "{refusals}");
    assert!(!format!("{audit:?}").contains(PAN));
}

#[tokio::test]
async fn a_connection_names_a_public_https_host_and_keeps_its_credentials() {
    let app = spawn_app().await;
    let psp = psp::start().await;
    let key = app
        .key_with("relay-admin", &[Scope::ConnectionsManage])
        .await;
    let base = json!({
        "name": "x", "routes": [{"method": "POST", "path": "/v1/*"}],
        "auth": {"type": "bearer", "token": STRIPE_KEY},
    });
    for url in [
        psp.base_url.as_str(),
        "https://localhost:9443",
        "http://api.stripe.com",
        "https://10.0.0.8",
        "https://169.254.169.254",
    ] {
        let mut b = base.clone();
        b["base_url"] = json!(url);
        let res = app.post(&key, "/api/v1/connections", &b).await;
        assert_eq!(res.status(), 400, "{url}");
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["error"]["param"], "base_url");
    }
    let mut b = base.clone();
    b["base_url"] = json!("https://api.stripe.com");
    let res = app.post(&key, "/api/v1/connections", &b).await;
    assert_eq!(res.status(), 201);
    let created = res.text().await.unwrap();
    assert!(!created.contains(STRIPE_KEY));
    let list = app
        .get(&key, "/api/v1/connections")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("\"auth\":\"bearer\"") && !list.contains(STRIPE_KEY));
    // Registering one takes the manage scope: the forward scope is not enough.
    let fwd = forwarder(&app).await;
    assert_eq!(
        app.post(&fwd, "/api/v1/connections", &b).await.status(),
        403
    );
    let everything = format!("{:?}{}", app.audit().await, database_text(&app));
    assert!(!everything.contains(STRIPE_KEY));
}

#[tokio::test]
async fn an_untrusted_certificate_or_a_slow_psp_is_a_clear_audited_failure() {
    let (app, psp, pm) = stored("cus_f", PAN).await;
    let key = forwarder(&app).await;
    // Without the pinned CA, the double's certificate chains to no trusted root.
    let untrusted = connect(&app, &psp, json!({"ca_pem": null})).await;
    let res = forward(&app, &key, stripe_forward(&untrusted, &pm)).await;
    assert_eq!(res.status(), 502);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "upstream_unreachable");
    assert!(psp.received.lock().unwrap().is_empty());
    let slow = connect(
        &app,
        &psp,
        json!({"routes": [{"method": "POST", "path": "/slow"}], "timeout_ms": 300}),
    )
    .await;
    let mut b = stripe_forward(&slow, &pm);
    b["path"] = json!("/slow");
    let res = forward(&app, &key, b).await;
    assert_eq!(res.status(), 504);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "upstream_timeout");
    let failures: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.forward_result" && e.outcome == "failure")
        .map(|e| e.detail.unwrap_or_default())
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[0].contains("upstream_unreachable"));
    assert!(failures[1].contains("upstream_timeout"));
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "coffer_relay_forwards_total{outcome=\"upstream_unreachable\",status=\"none\"} 1",
        "coffer_relay_forwards_total{outcome=\"upstream_timeout\",status=\"none\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} missing");
    }
    assert!(!metrics.contains("conn_"), "no connection ids in labels");
}

#[tokio::test]
async fn each_connection_and_each_key_has_a_forward_budget() {
    // 20 a minute with bursts of 2, per connection.
    let app = spawn_configured(|c| {
        c.relay.allowed_private = coffer_vault::net::parse_list("127.0.0.1").unwrap();
        c.guards.connection_forward_per_minute = 20;
    })
    .await;
    let psp = psp::start().await;
    let pm = app.tokenize_card("cus_rl", PAN).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let busy = connect(&app, &psp, json!({})).await;
    let quiet = connect(&app, &psp, json!({})).await;
    let key = forwarder(&app).await;
    for _ in 0..2 {
        let res = forward(&app, &key, stripe_forward(&busy, &pm)).await;
        assert_eq!(res.status(), 200);
    }
    let res = forward(&app, &key, stripe_forward(&busy, &pm)).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "rate_limited");
    // Another connection has its own budget; the refused forward never reached the PSP.
    assert_eq!(
        forward(&app, &key, stripe_forward(&quiet, &pm))
            .await
            .status(),
        200
    );
    assert_eq!(psp.received.lock().unwrap().len(), 3);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("coffer_relay_forwards_total{outcome=\"rate_limited\",status=\"none\"} 1")
    );
    assert!(metrics.contains("coffer_relay_forwards_total{outcome=\"answered\",status=\"2xx\"} 3"));
}

/// A forward that charges an order names its use: approved by the step-up policy, spent once.
#[tokio::test]
async fn a_forward_that_names_a_use_needs_it_approved_and_spends_it() {
    let (app, psp, pm) = stored("cus_use", PAN).await;
    let conn = connect(&app, &psp, json!({})).await;
    let use_of = |amount: i64| {
        let app = &app;
        let pm = pm.clone();
        async move {
            let res = app
                .post(
                    &app.admin_key,
                    &format!("/api/v1/payment_methods/{pm}/uses"),
                    &json!({"amount": amount, "currency": "eur", "order_reference": "ord_77"}),
                )
                .await;
            assert_eq!(res.status(), 201);
            let u: Value = res.json().await.unwrap();
            (
                u["id"].as_str().unwrap().to_owned(),
                u["status"].as_str().unwrap().to_owned(),
            )
        }
    };
    // Below the threshold: approved at once; the forward spends it.
    let (small, status) = use_of(1_999).await;
    assert_eq!(status, "approved");
    let mut b = stripe_forward(&conn, &pm);
    b["use"] = json!(small);
    assert_eq!(forward(&app, &app.admin_key, b.clone()).await.status(), 200);
    let again = forward(&app, &app.admin_key, b).await;
    assert_eq!(again.status(), 409);
    let e: Value = again.json().await.unwrap();
    assert_eq!(e["error"]["code"], "use_not_approved");
    // At the threshold, the customer has not stepped up: nothing is sent.
    let (big, status) = use_of(50_000).await;
    assert_ne!(status, "approved");
    let mut b = stripe_forward(&conn, &pm);
    b["use"] = json!(big);
    assert_eq!(forward(&app, &app.admin_key, b).await.status(), 409);
    assert_eq!(psp.received.lock().unwrap().len(), 1);
    let refused = app
        .audit()
        .await
        .into_iter()
        .filter(|e| {
            e.action == "payment_method.forward"
                && e.outcome == "failure"
                && e.detail
                    .as_deref()
                    .unwrap_or("")
                    .contains("use_not_approved")
        })
        .count();
    assert_eq!(refused, 2);
}
