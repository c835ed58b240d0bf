//! Safe edits of a method's details by support agents: saved with a reason code, audited with
//! the values before and after, announced to the method's channel, refused on the field for
//! card-like text (nothing stored, nothing echoed), and not open to other roles.

use super::enrolled;
use crate::helpers::spawn_app;
use coffer_vault::access::Role;
use serde_json::Value;

const PAN: &str = "4242424242424242";

#[tokio::test]
async fn an_agent_edits_billing_details_nickname_and_metadata_with_a_reason() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_edit", PAN).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agent = enrolled(&app, "edit-agent@example.com", &[Role::SupportAgent]).await;
    let form = [
        ("id", pm.as_str()),
        ("details[name]", "Ada Lovelace"),
        ("details[city]", "London"),
        ("details[country]", "gb"),
        ("details[nickname]", "Work card"),
        ("details[metadata]", "crm_id=42\nsegment=gold"),
        ("reason", "customer_request"),
    ];
    agent.ok("edit_payment_method", &form).await;

    // The method shows it, and the OMS sees it through the API.
    let detail = agent.ok("payment_method", &[("id", &pm)]).await;
    assert_eq!(detail["editable"]["nickname"], "Work card");
    assert_eq!(detail["editable"]["country"], "GB");
    assert_eq!(detail["editable"]["metadata"], "crm_id=42\nsegment=gold");
    let facts = detail["facts"].to_string();
    assert!(
        facts.contains("Billing name") && facts.contains("Nickname"),
        "{facts}"
    );
    let api = app.method(&pm).await;
    assert_eq!(api["billing_details"]["name"], "Ada Lovelace");
    assert_eq!(api["metadata"]["nickname"], "Work card");

    // Audited with the reason and the values before and after.
    let event = app
        .audit()
        .await
        .into_iter()
        .rev()
        .find(|e| e.action == "payment_method.update")
        .expect("the edit is audited");
    assert_eq!(event.outcome, "success");
    assert_eq!(event.reason.as_deref(), Some("customer_request"));
    let detail: Value = serde_json::from_str(event.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["before"]["billing_details"], Value::Null);
    assert_eq!(
        detail["after"]["billing_details"]["address"]["city"],
        "London"
    );
    assert_eq!(detail["after"]["metadata"]["segment"], "gold");
    assert_eq!(
        detail["changed"],
        serde_json::json!(["billing_details", "metadata"])
    );
    // And announced to the method's channel.
    let queued = app
        .count(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = 'payment_method.updated' \
             AND payment_method = '{pm}'"
        ))
        .await;
    let endpoints = app.count("SELECT COUNT(*) FROM webhook_endpoints").await;
    assert_eq!(queued, endpoints);

    // Clearing a field is an edit too: the nickname goes, the rest stays as sent.
    let cleared = [
        ("id", pm.as_str()),
        ("details[name]", "Ada Lovelace"),
        ("details[metadata]", "crm_id=42"),
        ("reason", "correction"),
    ];
    agent.ok("edit_payment_method", &cleared).await;
    let api = app.method(&pm).await;
    assert!(api["metadata"].get("nickname").is_none(), "{api}");
    assert_eq!(api["billing_details"].get("address"), None);
}

#[tokio::test]
async fn card_numbers_are_refused_on_their_field_and_other_roles_cannot_edit() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_edit_no", PAN).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let agent = enrolled(&app, "edit-no@example.com", &[Role::SupportAgent]).await;
    for (field, param, value) in [
        (
            "details[name]",
            "billing_details[name]",
            "4242 4242 4242 4242",
        ),
        ("details[nickname]", "nickname", "card 4242-4242-4242-4242"),
        ("details[line1]", "billing_details[address][line1]", PAN),
        (
            "details[metadata]",
            "metadata[note]",
            "note=4242424242424242",
        ),
    ] {
        let body = agent
            .err(
                "edit_payment_method",
                &[("id", &pm), (field, value), ("reason", "correction")],
                "invalid_input",
            )
            .await;
        assert_eq!(body["field"], param, "{body}");
        assert!(!body.to_string().contains("4242"), "{body}");
    }
    let body = agent
        .err(
            "edit_payment_method",
            &[("id", &pm), ("details[name]", "Ada"), ("reason", "because")],
            "invalid_input",
        )
        .await;
    assert_eq!(body["field"], "reason");
    // Nothing was stored, nothing of it reached the audit log.
    let api = app.method(&pm).await;
    assert_eq!(api["billing_details"], Value::Null);
    assert!(!format!("{:?}", app.audit().await).contains("4242 4242"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'payment_method.update'")
            .await,
        0
    );

    // A compliance officer reads, but does not change.
    let officer = enrolled(&app, "edit-officer@example.com", &[Role::ComplianceOfficer]).await;
    let detail = officer.ok("payment_method", &[("id", &pm)]).await;
    assert_eq!(detail["editable"], Value::Null);
    officer
        .err(
            "edit_payment_method",
            &[
                ("id", &pm),
                ("details[name]", "Mallory"),
                ("reason", "correction"),
            ],
            "forbidden",
        )
        .await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'payment_method.update' \
             AND outcome = 'denied'"
        )
        .await,
        1
    );
    // An unknown method: a failure, audited.
    agent
        .err(
            "edit_payment_method",
            &[
                ("id", "pm_missing"),
                ("details[name]", "Ada"),
                ("reason", "correction"),
            ],
            "not_found",
        )
        .await;
}
