//! The customer timeline in the console: every source a real flow writes (a card stored, a use
//! that needed the customer's step-up, a re-verification link, a webhook delivery, the audit
//! trail) in one newest-first list, filters by source and method, keyset pages, and the rules
//! around it: history permission needed, the read audited, no card number in or out.

use super::enrolled;
use crate::helpers::{TestApp, spawn_app};
use coffer_vault::access::Role;
use serde_json::{Value, json};

const PAN: &str = "4242424242424242";

fn form<'a>(
    reference: &'a str,
    sources: &'a str,
    method: &'a str,
    before: &'a str,
) -> [(&'a str, &'a str); 4] {
    [
        ("reference", reference),
        ("sources", sources),
        ("method", method),
        ("before", before),
    ]
}

async fn use_method(app: &TestApp, pm: &str, amount: i64) -> Value {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/uses"),
            &json!({ "amount": amount, "currency": "eur", "order_reference": "ord_tl_1" }),
        )
        .await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_agent_sees_every_source_of_a_customer_newest_first_and_nothing_clear() {
    let app = spawn_app().await;
    let (_receiver, url) = crate::webhooks::Receiver::start(0).await;
    crate::webhooks::register(&app, &url, None).await;
    let first = app.tokenize_card("cus_tl", PAN).await;
    let pm = first["id"].as_str().unwrap().to_owned();
    // A card expiring next month: the lifecycle job marks it expiring and tells the OMS.
    let month = coffer_dlp::calendar::month_index(coffer_vault::clock::now_millis()) + 1;
    let mut body = crate::helpers::card_body("cus_tl", "5555555555554444");
    body["card"]["exp_month"] = json!(month % 12 + 1);
    body["card"]["exp_year"] = json!(month / 12);
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
    let second: Value = res.json().await.unwrap();
    app.vault
        .run_lifecycle("node-a", coffer_vault::clock::now_millis())
        .await
        .unwrap()
        .expect("the lease");
    let other = app
        .tokenize_card("cus_someone_else", "4000056655665556")
        .await;
    // A use big enough to need the customer's step-up, and a re-verification link.
    let big = use_method(&app, &pm, 60_000).await;
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{pm}/reverifications"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let agent = enrolled(&app, "tl-agent@example.com", &[Role::SupportAgent]).await;
    let page = agent
        .ok("customer_timeline", &form("cus_tl", "", "", ""))
        .await;
    let text = page.to_string();
    assert!(
        !text.contains(PAN) && !text.contains("5555555555554444"),
        "{text}"
    );
    assert!(
        !text.contains(other["id"].as_str().unwrap()),
        "another customer's method"
    );
    let items = page["items"].as_array().unwrap();
    let sources: Vec<&str> = items
        .iter()
        .map(|i| i["source"].as_str().unwrap())
        .collect();
    for source in ["method", "status", "use", "link", "webhook", "audit"] {
        assert!(sources.contains(&source), "{source} in {sources:?}");
    }
    let times: Vec<&str> = items.iter().map(|i| i["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let the_use = items.iter().find(|i| i["source"] == "use").unwrap();
    assert_eq!(the_use["outcome"], big["status"]);
    assert!(
        the_use["detail"].as_str().unwrap().contains("600.00 EUR"),
        "{the_use}"
    );
    assert!(
        the_use["detail"]
            .as_str()
            .unwrap()
            .contains("step-up asked")
    );
    let stored = items
        .iter()
        .filter(|i| i["source"] == "method")
        .map(|i| i["detail"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert!(
        stored.iter().any(|d| d.contains("Visa •••• 4242")),
        "{stored:?}"
    );
    assert!(stored.iter().any(|d| d.contains("Mastercard •••• 4444")));
    assert_eq!(page["methods"].as_array().unwrap().len(), 2);

    // One source, one method.
    let uses = agent
        .ok("customer_timeline", &form("cus_tl", "use,link", "", ""))
        .await;
    assert!(
        uses["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["source"] == "use" || i["source"] == "link")
    );
    let second_id = second["id"].as_str().unwrap();
    let only = agent
        .ok("customer_timeline", &form("cus_tl", "", second_id, ""))
        .await;
    let only = only["items"].as_array().unwrap();
    assert!(!only.is_empty());
    assert!(
        only.iter().all(|i| i["payment_method"] == second_id),
        "{only:?}"
    );

    // Each read is audited, with what was shown.
    let reads = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'customer.timeline' AND resource_id = 'cus_tl' AND outcome = 'success'")
        .await;
    assert_eq!(reads, 3);
}

#[tokio::test]
async fn pages_follow_each_other_and_bad_input_is_refused_on_its_field() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_tl_pages", PAN).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..30 {
        use_method(&app, &pm, 1_000).await;
    }
    let agent = enrolled(&app, "tl-pages@example.com", &[Role::SupportAgent]).await;
    let audit_before = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE resource_id = '{pm}' \
             OR resource_id = 'cus_tl_pages' \
             OR resource_id IN (SELECT id FROM payment_method_uses WHERE customer = 'cus_tl_pages')"
        ))
        .await;
    // Uses only: 30 of them, and the method's audit events: more than one page of 50 in all.
    let mut seen = Vec::new();
    let mut before = String::new();
    loop {
        let page = agent
            .ok(
                "customer_timeline",
                &form("cus_tl_pages", "use,audit", "", &before),
            )
            .await;
        for item in page["items"].as_array().unwrap() {
            seen.push(item.clone());
        }
        match page["next_before"].as_str() {
            Some(next) => before = next.to_owned(),
            None => break,
        }
    }
    assert!(seen.len() > 50, "{}", seen.len());
    assert_eq!(seen.iter().filter(|i| i["source"] == "use").count(), 30);
    // Every audit event about the method, the customer and its uses, once each.
    assert_eq!(
        seen.iter().filter(|i| i["source"] == "audit").count() as i64,
        audit_before,
        "no entry twice, none left out"
    );

    for (fields, field) in [
        (form(PAN, "", "", ""), "reference"),
        (form("cus_tl_pages", "nope", "", ""), "sources"),
        (form("cus_tl_pages", "", "", "1.audit.x'; DROP"), "before"),
        (form("cus_tl_pages", "", "4242 4242", ""), "method"),
    ] {
        let body = agent
            .err("customer_timeline", &fields, "invalid_input")
            .await;
        assert_eq!(body["field"], field);
        assert!(!body.to_string().contains(PAN));
    }
    // A security admin manages accounts, not customers: refused and audited.
    let admin = enrolled(&app, "tl-admin@example.com", &[Role::SecurityAdmin]).await;
    admin
        .err(
            "customer_timeline",
            &form("cus_tl_pages", "", "", ""),
            "forbidden",
        )
        .await;
    let denied = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'customer.timeline' AND outcome = 'denied'")
        .await;
    assert_eq!(denied, 1);
}
