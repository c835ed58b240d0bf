//! Taking a card from a caller without seeing it: the agent's link, the caller's page, the card
//! stored for `call_centre` and audited as the customer's with the agent and the reason; the
//! link works once and for half an hour; no card number passes the console.

use super::enrolled;
use crate::customer_pages::{Browser, path_of};
use crate::helpers::spawn_app;
use coffer_vault::access::Role;
use serde_json::Value;

const PAN: &str = "4242424242424242";

fn card_form(number: &str) -> String {
    let year = crate::helpers::next_year();
    format!("number={number}&exp_month=12&exp_year={year}&cvc=123&name=Ada+Lovelace")
}

#[tokio::test]
async fn a_caller_types_their_card_from_the_agents_link_and_the_agent_never_sees_it() {
    let app = spawn_app().await;
    let agent = enrolled(&app, "moto-agent@example.com", &[Role::SupportAgent]).await;
    let agent_id = super::user_id(&app, "moto-agent@example.com").await;
    let link = agent
        .ok(
            "issue_card_collection",
            &[
                ("reference", "cus_moto"),
                ("reason", "new card for order 1042"),
            ],
        )
        .await;
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(url.contains("/c/collect/"), "{url}");

    // The caller's page: a form, and a wrong number counts a try and stores nothing.
    let mut caller = Browser::new(&app);
    let path = path_of(&url);
    let page = caller.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Card number"));
    let wrong = caller
        .post_form(&path, &card_form("4242424242424241"))
        .await;
    assert_eq!(wrong.status, 400);
    assert!(!wrong.body.contains("4242424242424241"));
    let done = caller.post_form(&path, &card_form(PAN)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("4242") && !done.body.contains(PAN));

    // Stored for the call centre, masked to the agent.
    let customer = agent.ok("customer", &[("reference", "cus_moto")]).await;
    let methods = customer["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0]["channel"], "call_centre");
    assert!(!customer.to_string().contains(PAN));
    let pm = methods[0]["id"].as_str().unwrap();
    let event = app
        .audit()
        .await
        .into_iter()
        .find(|e| e.action == "payment_method.create" && e.resource_id.as_deref() == Some(pm))
        .unwrap();
    assert_eq!(event.actor_type, "customer");
    assert_eq!(event.reason.as_deref(), Some("new card for order 1042"));
    let detail: Value = serde_json::from_str(event.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["collected_for"], agent_id.as_str());
    assert_eq!(detail["via"], "card_collection");
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "customer.card_collection_create" && e.actor_id == agent_id)
    );

    // Once only.
    assert_eq!(caller.get(&path).await.status, 410);
    assert_eq!(caller.post_form(&path, &card_form(PAN)).await.status, 410);
}

#[tokio::test]
async fn the_link_needs_a_reason_an_agent_and_expires_in_half_an_hour() {
    let app = spawn_app().await;
    let agent = enrolled(&app, "moto-rules@example.com", &[Role::SupportAgent]).await;
    for (reason, why) in [
        ("", "empty"),
        ("ok", "too short"),
        ("card 4242 4242 4242 4242", "pan"),
    ] {
        let body = agent
            .err(
                "issue_card_collection",
                &[("reference", "cus_moto2"), ("reason", reason)],
                "invalid_input",
            )
            .await;
        assert_eq!(body["field"], "reason", "{why}");
        assert!(!body.to_string().contains("4242 4242"));
    }
    agent
        .err(
            "issue_card_collection",
            &[("reference", PAN), ("reason", "caller asked")],
            "invalid_input",
        )
        .await;
    let officer = enrolled(&app, "moto-officer@example.com", &[Role::ComplianceOfficer]).await;
    officer
        .err(
            "issue_card_collection",
            &[("reference", "cus_moto2"), ("reason", "caller asked")],
            "forbidden",
        )
        .await;
    let link = agent
        .ok(
            "issue_card_collection",
            &[("reference", "cus_moto2"), ("reason", "caller asked")],
        )
        .await;
    let path = path_of(link["url"].as_str().unwrap());
    // Half an hour later the link is gone.
    app.exec(
        "UPDATE customer_links SET expires_at = expires_at - 1800001 WHERE purpose = 'collect'",
    )
    .await
    .unwrap();
    let mut caller = Browser::new(&app);
    assert_eq!(caller.get(&path).await.status, 410);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods WHERE customer = 'cus_moto2'")
            .await,
        0
    );
}
