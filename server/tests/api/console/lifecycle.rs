//! The lifecycle in the console over HTTP: who sees the expiry dashboard, its list and CSV
//! (masked, audited), who creates re-verification links, and who lists and replays dead
//! webhook deliveries (PCI DSS 7: by job function, default deny).

use super::enrolled;
use crate::helpers::{card_body, spawn_app};
use coffer_vault::access::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn agents_and_compliance_see_the_expiry_dashboard_and_admins_do_not() {
    let app = spawn_app().await;
    let now = time::OffsetDateTime::now_utc();
    let (month, year) = (u8::from(now.month()), now.year());
    // Two cards ending this month on the test's channel, one far ahead.
    for number in ["4242424242424242", "5555555555554444"] {
        let mut body = card_body("cus_exp", number);
        body["card"]["exp_month"] = json!(month);
        body["card"]["exp_year"] = json!(year);
        let res = app
            .post(&app.admin_key, "/api/v1/payment_methods", &body)
            .await;
        assert_eq!(res.status(), 201);
    }
    app.tokenize_card("cus_far", "4000056655665556").await;

    let agent = enrolled(&app, "exp-agent@example.com", &[Role::SupportAgent]).await;
    let d = agent
        .ok("expiry_overview", &[("bucket", "this_month")])
        .await;
    let tile = |key: &str| {
        d["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["key"] == key)
            .unwrap()["total"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(tile("this_month"), 2);
    assert_eq!(tile("expired"), 0);
    assert!(tile("90d") >= 2);
    assert_eq!(d["rows"].as_array().unwrap().len(), 2);
    let text = d.to_string();
    assert!(!text.contains("4242424242424242") && !text.contains("424242"));
    assert!(text.contains("\"last4\":\"4242\""));

    let filtered = agent
        .ok(
            "expiry_overview",
            &[("bucket", "this_month"), ("brand", "mastercard")],
        )
        .await;
    let rows = filtered["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["brand"], "Mastercard");
    // A filter value outside the allowed characters never reaches a query.
    agent
        .err(
            "expiry_overview",
            &[("bucket", "this_month"), ("brand", "x' OR 1=1 --")],
            "invalid_input",
        )
        .await;

    // The CSV download: masked rows, no-store, audited with its row count.
    let res = agent
        .client
        .get(format!(
            "{}/console/expiry.csv?bucket=this_month",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "payment_method,customer,brand,last4,expiry,channel,status"
    );
    assert_eq!(lines.len(), 3);
    assert!(!csv.contains("4242424242424242"));
    let audit = app.audit().await;
    let export = audit
        .iter()
        .find(|e| e.action == "lifecycle.expiry_export")
        .unwrap();
    assert!(export.detail.as_deref().unwrap().contains("\"rows\":2"));
    assert!(audit.iter().any(|e| e.action == "lifecycle.dashboard"));

    let compliance = enrolled(&app, "exp-co@example.com", &[Role::ComplianceOfficer]).await;
    compliance.ok("expiry_overview", &[]).await;
    let admin = enrolled(&app, "exp-admin@example.com", &[Role::SecurityAdmin]).await;
    admin.err("expiry_overview", &[], "forbidden").await;
    let res = admin
        .client
        .get(format!("{}/console/expiry.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "lifecycle.dashboard" && e.outcome == "denied")
    );
}

#[tokio::test]
async fn agents_create_reverification_links_and_see_their_state() {
    let app = spawn_app().await;
    let pm = app
        .tokenize_card("cus_rv_console", "4242424242424242")
        .await;
    let id = pm["id"].as_str().unwrap();
    let agent = enrolled(&app, "rv-agent@example.com", &[Role::SupportAgent]).await;
    let link = agent.ok("issue_reverification", &[("id", id)]).await;
    let url = link["url"].as_str().unwrap();
    assert!(url.contains("/c/reverify/"), "{url}");
    let customer = agent
        .ok("customer", &[("reference", "cus_rv_console")])
        .await;
    let items = customer["reverifications"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["payment_method"], id);
    assert_eq!(items[0]["state"], "open");
    // The link's token is never stored or shown again.
    assert!(!customer.to_string().contains(url));
    let admin = enrolled(&app, "rv-admin@example.com", &[Role::SecurityAdmin]).await;
    admin
        .err("issue_reverification", &[("id", id)], "forbidden")
        .await;
    // A compliance officer reads the method but may not send its customer a link that takes a
    // new card number (read-only role: payment_methods.reverify is the agent's).
    let officer = enrolled(&app, "rv-officer@example.com", &[Role::ComplianceOfficer]).await;
    officer.ok("payment_method", &[("id", id)]).await;
    officer
        .err("issue_reverification", &[("id", id)], "forbidden")
        .await;
}

#[tokio::test]
async fn security_admins_list_and_replay_dead_deliveries_and_agents_cannot() {
    let app = spawn_app().await;
    // An endpoint nobody listens on: every try fails, and the delivery dies after three.
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/webhook_endpoints",
            &json!({ "url": "http://127.0.0.1:9/hook" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    let customer = "cus_dead";
    let pm = app.tokenize_card(customer, "4242424242424242").await;
    let id = pm["id"].as_str().unwrap();
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reverifications"),
            &json!({}),
        )
        .await;
    let url = res.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    // The customer confirms a new expiry: `payment_method.updated` is queued for the endpoint.
    let path = url
        .split_once("/c/")
        .map(|(_, p)| format!("/c/{p}"))
        .unwrap();
    let year = time::OffsetDateTime::now_utc().year() + 6;
    let res = app
        .client
        .post(app.url(&format!("{path}?intent=expiry")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("exp_month=03&exp_year={year}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut dead = 0;
    for _ in 0..200 {
        dead = app
            .count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'dead'")
            .await;
        if dead == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(dead, 1);

    let admin = enrolled(&app, "wh-admin@example.com", &[Role::SecurityAdmin]).await;
    let list = admin.ok("dead_letters", &[]).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["event_type"], "payment_method.updated");
    assert_eq!(items[0]["attempts"], 3);
    assert!(!items[0]["last_error"].as_str().unwrap().is_empty());
    let delivery = items[0]["id"].as_str().unwrap().to_owned();

    let agent = enrolled(&app, "wh-agent@example.com", &[Role::SupportAgent]).await;
    agent.err("dead_letters", &[], "forbidden").await;
    agent
        .err("replay_delivery", &[("id", &delivery)], "forbidden")
        .await;

    admin.ok("replay_delivery", &[("id", &delivery)]).await;
    let status: i64 = app
        .count(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE id = '{delivery}' AND status <> 'dead'"
        ))
        .await;
    assert_eq!(status, 1);
    // The replay starts a fresh count of tries: the endpoint is still down, so the delivery
    // dies again after three more, and is listed again with three tries.
    let mut listed = Value::Null;
    for _ in 0..200 {
        listed = admin.ok("dead_letters", &[]).await;
        if listed.as_array().is_some_and(|a| a.len() == 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(listed[0]["id"], delivery.as_str());
    assert_eq!(listed[0]["attempts"], 3);
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "webhook_delivery.replay" && e.outcome == "success")
    );

    // The endpoint behind it: listed with its failed delivery, and disabled by the admin only.
    let endpoints = admin.ok("webhook_endpoints", &[]).await;
    let endpoints = endpoints.as_array().unwrap();
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0]["url"], "http://127.0.0.1:9/hook");
    assert_eq!(endpoints[0]["failed"], 1);
    assert_eq!(endpoints[0]["disabled_at"], Value::Null);
    let endpoint = endpoints[0]["id"].as_str().unwrap().to_owned();
    agent.err("webhook_endpoints", &[], "forbidden").await;
    agent
        .err(
            "disable_webhook_endpoint",
            &[("id", &endpoint)],
            "forbidden",
        )
        .await;
    let disabled = admin
        .ok("disable_webhook_endpoint", &[("id", &endpoint)])
        .await;
    assert!(disabled["disabled_at"].as_str().is_some());
    admin
        .err(
            "disable_webhook_endpoint",
            &[("id", &endpoint)],
            "not_found",
        )
        .await;
    // Its failed deliveries are no longer offered for replay, nor replayable.
    assert_eq!(admin.ok("dead_letters", &[]).await, json!([]));
    admin
        .err("replay_delivery", &[("id", &delivery)], "not_found")
        .await;
}
