//! Roles in practice (PCI DSS 7): an agent sees masked data only; revealing needs the separate
//! permission, a step-up and a reason, and every refusal is in the audit table (10.2.1.4).

use super::{enrolled, user_id};
use crate::helpers::spawn_app;
use coffer_vault::access::{GrantAccess, Role, authorize};
use coffer_vault::audit::Origin;

const PAN: &str = "4111111111111111";

#[tokio::test]
async fn an_agent_sees_masked_data_and_reveals_only_with_the_grant_a_step_up_and_a_reason() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_console_1", PAN).await;
    let id = pm["id"].as_str().unwrap().to_owned();
    let mut lee = enrolled(&app, "lee@example.com", &[Role::SupportAgent]).await;

    // Masked everywhere: search, customer, method page.
    for (endpoint, form) in [
        ("search", vec![("q", "cus_console_1")]),
        ("search", vec![("q", "411111…1111")]),
        ("search", vec![("q", id.as_str())]),
        ("customer", vec![("reference", "cus_console_1")]),
        ("payment_method", vec![("id", id.as_str())]),
    ] {
        let body = lee.ok(endpoint, &form).await;
        let text = body.to_string();
        assert!(text.contains("411111 •••• 1111"), "{endpoint}: {text}");
        assert!(
            !text.contains(PAN) && !text.contains("41111111"),
            "{endpoint}: {text}"
        );
    }
    // A full number typed into search is refused without echo.
    let body = lee
        .err("search", &[("q", "4111 1111 1111 1111")], "invalid_input")
        .await;
    assert!(!body.to_string().contains("1111 1111"));
    for (endpoint, field, text) in [
        ("search", "q", "pm_4111111111111111"),
        ("search", "q", "cus 4111.1111.1111.1111"),
        ("customer", "reference", "4111111111111111"),
    ] {
        let body = lee.err(endpoint, &[(field, text)], "invalid_input").await;
        assert_eq!(body["field"], field, "{endpoint}");
        assert!(!body.to_string().contains("41111111"), "{endpoint}: {body}");
    }

    let detail = lee.ok("payment_method", &[("id", &id)]).await;
    assert_eq!(detail["can_reveal"], false);
    assert!(
        !detail["history"].as_array().unwrap().is_empty(),
        "history from the audit table"
    );

    // Without the reveal permission: refused, and the refusal is audited.
    let code = lee.code().await;
    lee.err(
        "reveal",
        &[("id", &id), ("reason", "ticket 42"), ("code", &code)],
        "forbidden",
    )
    .await;
    let lee_id = user_id(&app, "lee@example.com").await;
    let denied = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "payment_method.reveal" && e.outcome == "denied")
        .find(|e| e.actor_id == lee_id)
        .expect("the refused reveal is audited");
    assert_eq!(denied.resource_id.as_deref(), Some(id.as_str()));
    assert_eq!(denied.actor_type, "staff");

    // A security admin grants reveal on purpose (through the vault's grant, as the console does).
    let admin = app.staff_actor(&[Role::SecurityAdmin], true).await;
    let grant = authorize::<GrantAccess>(&admin).unwrap();
    app.vault
        .set_staff_access(
            &grant,
            &lee_id,
            &[Role::SupportAgent],
            true,
            &Origin::default(),
        )
        .await
        .unwrap();

    // With the permission, but no fresh step-up in this request's window yet: a code is asked.
    let detail = lee.ok("payment_method", &[("id", &id)]).await;
    assert_eq!(detail["can_reveal"], true);
    // The earlier step-up (for the refused attempt) is still fresh; a new session has none.
    lee.ok("sign_out", &[]).await;
    lee.sign_in().await;
    lee.err(
        "reveal",
        &[("id", &id), ("reason", "ticket 42")],
        "step_up_required",
    )
    .await;
    let code = lee.code().await;
    let body = lee
        .err(
            "reveal",
            &[("id", &id), ("reason", ""), ("code", &code)],
            "invalid_input",
        )
        .await;
    assert_eq!(body["field"], "reason");
    let (status, body, headers) = lee
        .call_full(
            "reveal",
            &[("id", &id), ("reason", "ticket 42: customer dispute")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["fields"][0][0], "Card number");
    assert_eq!(body["fields"][0][1], PAN);
    let audit = app.audit().await;
    let revealed = audit
        .iter()
        .find(|e| e.action == "payment_method.reveal" && e.outcome == "success")
        .expect("the reveal is audited");
    assert_eq!(
        revealed.reason.as_deref(),
        Some("ticket 42: customer dispute")
    );
    assert_eq!(revealed.actor_id, lee_id);
    assert_eq!(revealed.channel.as_deref(), Some("console"));
    assert!(audit.iter().any(|e| e.action == "payment_method.reveal"
        && e.outcome == "denied"
        && e.detail.as_deref().is_some_and(|d| d.contains("step-up"))));
    for (action, detail) in [
        ("payment_method.search", "bin_last4"),
        ("payment_method.search", "customer"),
        ("payment_method.history", ""),
    ] {
        assert!(
            audit.iter().any(|e| e.action == action
                && e.actor_id == lee_id
                && e.detail.as_deref().unwrap_or_default().contains(detail)),
            "{action} {detail} audited"
        );
    }
}

#[tokio::test]
async fn each_role_is_refused_what_it_is_not_for() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_console_2", PAN).await;
    let id = pm["id"].as_str().unwrap().to_owned();
    let admin = enrolled(&app, "root@example.com", &[Role::SecurityAdmin]).await;
    let mut officer = enrolled(&app, "co@example.com", &[Role::ComplianceOfficer]).await;
    let mut agent = enrolled(&app, "sa@example.com", &[Role::SupportAgent]).await;

    // Security admins manage people and keys, not card data.
    admin
        .err("search", &[("q", "cus_console_2")], "forbidden")
        .await;
    admin
        .err("payment_method", &[("id", &id)], "forbidden")
        .await;
    admin.ok("users", &[]).await;
    admin.ok("api_keys", &[]).await;
    // Compliance officers read masked data and history, but manage nothing and reveal nothing.
    let detail = officer.ok("payment_method", &[("id", &id)]).await;
    assert_eq!(detail["can_delete"], false);
    officer.err("users", &[], "forbidden").await;
    officer.err("api_keys", &[], "forbidden").await;
    let code = officer.code().await;
    officer
        .err(
            "delete_payment_method",
            &[("id", &id), ("code", &code)],
            "forbidden",
        )
        .await;
    // Support agents cannot administer.
    agent.err("users", &[], "forbidden").await;
    let code = agent.code().await;
    agent
        .err(
            "create_user",
            &[
                ("email", "x@example.com"),
                ("role", "security_admin"),
                ("code", &code),
            ],
            "forbidden",
        )
        .await;
    // An agent deletes after a step-up; the method stays as masked history.
    agent.ok("delete_payment_method", &[("id", &id)]).await;
    let detail = agent.ok("payment_method", &[("id", &id)]).await;
    assert_eq!(detail["summary"]["status"], "shredded");
    let denials = app
        .audit()
        .await
        .iter()
        .filter(|e| e.outcome == "denied" && e.actor_type == "staff")
        .count();
    assert_eq!(denials, 7, "every refusal audited");
}

/// The review's item 6 (search), performed: a card number typed into the search box together
/// with its security code or expiry. The console's own rule missed such a run of digits, so the
/// browser was redirected to `/search?q=<card number>`; the vault's detector now refuses it
/// before any redirect, and an ordinary query is still sent on.
#[tokio::test]
async fn a_card_number_typed_with_its_code_into_search_never_reaches_a_url() {
    let app = spawn_app().await;
    let issued = super::bootstrap(&app, "url@example.com", &[Role::SupportAgent]).await;
    let mut lee = super::Staff::new(&app, "url@example.com", &issued);
    lee.client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    lee.first_sign_in().await;
    for typed in [
        "4111111111111111 123",
        "4111 1111 1111 1111 737",
        "4111-1111-1111-1111 12 29",
    ] {
        let (status, body, headers) = lee.call_full("go_search", &[("q", typed)]).await;
        let location = headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(
            !location.contains("4111") && !body.to_string().contains("4111"),
            "{typed}: {status} {location} {body}"
        );
        assert_eq!(body["field"], "q", "{typed}: {body}");
    }
    let (_, _, headers) = lee.call_full("go_search", &[("q", "cus_42")]).await;
    let location = headers.get("location").unwrap().to_str().unwrap();
    assert!(location.ends_with("/search?q=cus_42"), "{location}");
}
