//! User administration by security admins (step-up for every change, never on their own
//! account) and the bootstrap of the first admin from the command line.

use super::{Staff, enrolled, user_id};
use crate::helpers::spawn_app;
use coffer_vault::access::Role;

#[tokio::test]
async fn an_admin_creates_grants_resets_and_disables_accounts_after_a_step_up() {
    let app = spawn_app().await;
    let mut root = enrolled(&app, "root@example.com", &[Role::SecurityAdmin]).await;

    // A new account needs a step-up first.
    root.err(
        "create_user",
        &[("email", "new@example.com"), ("role", "support_agent")],
        "step_up_required",
    )
    .await;
    let session_id = |headers: &reqwest::header::HeaderMap| {
        headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find_map(|c| c.strip_prefix("coffer_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .expect("a session cookie")
    };
    let before = session_id(&root.call_full("users", &[]).await.2);
    assert_eq!(session_id(&root.call_full("users", &[]).await.2), before);
    let code = root.code().await;
    let (status, issued, headers) = root
        .call_full(
            "create_user",
            &[
                ("email", "new@example.com"),
                ("role", "support_agent"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(status, 200, "{issued}");
    // The step-up renewed the session id.
    assert_ne!(session_id(&headers), before);
    // The same email again is refused on its field.
    let body = root
        .err(
            "create_user",
            &[("email", "NEW@example.com"), ("role", "support_agent")],
            "invalid_input",
        )
        .await;
    assert_eq!(body["field"], "email");
    let password = issued["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 19);
    let new_id = issued["user_id"].as_str().unwrap().to_owned();
    // The step-up lasts a few minutes: the next change needs no new code.
    let user = root
        .ok(
            "set_access",
            &[
                ("user_id", &new_id),
                ("support_agent", "on"),
                ("reveal", "on"),
            ],
        )
        .await;
    assert_eq!(user["can_reveal"], true);
    // Not on their own account.
    let own = user_id(&app, "root@example.com").await;
    let body = root
        .err(
            "set_access",
            &[
                ("user_id", &own),
                ("security_admin", "on"),
                ("reveal", "on"),
            ],
            "invalid_input",
        )
        .await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("another security admin")
    );

    // The new member signs in with the one-time password and must change it.
    let mut new = Staff::new(&app, "new@example.com", &password);
    new.first_sign_in().await;
    // Reset MFA: the member's session ends, and they enrol again at the next sign-in.
    let user = root.ok("reset_mfa", &[("user_id", &new_id)]).await;
    assert_eq!(user["mfa_enrolled"], false);
    new.err("session", &[], "unauthenticated").await;
    let (email, password) = (new.email.clone(), new.password.clone());
    let state = new
        .ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    assert_eq!(state["NeedsMfaEnrolment"]["email"], "new@example.com");
    // Disabling ends access at once.
    let user = root
        .ok(
            "set_disabled",
            &[("user_id", &new_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(user["status"], "disabled");
    new.err("session", &[], "unauthenticated").await;
    assert_eq!(new.state().await, "SignedOut");

    // API keys: created (secret shown once) and revoked from the console.
    let key = root
        .ok(
            "create_api_key",
            &[("name", "marketplace"), ("read", "on"), ("write", "on")],
        )
        .await;
    let key_id = key["id"].as_str().unwrap().to_owned();
    assert!(key["secret"].as_str().unwrap().starts_with(&key_id));
    let keys = root.ok("api_keys", &[]).await;
    assert!(!keys.to_string().contains(key["secret"].as_str().unwrap()));
    root.ok("revoke_api_key", &[("id", &key_id)]).await;

    let audit = app.audit().await;
    for action in [
        "user.create",
        "user.access_change",
        "user.mfa_reset",
        "user.disable",
        "api_key.create",
        "api_key.revoke",
        "staff.step_up",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.outcome == "success" && e.actor_id == own),
            "{action} audited as the admin"
        );
    }
    assert!(
        audit
            .iter()
            .any(|e| e.action == "user.create" && e.outcome == "denied")
    );
}

#[tokio::test]
async fn security_admins_see_the_customer_step_up_policy_and_agents_do_not() {
    let app = spawn_app().await;
    let admin = enrolled(&app, "policy-admin@example.com", &[Role::SecurityAdmin]).await;
    let policy = admin.ok("step_up_policy", &[]).await;
    let rules: Vec<&str> = policy["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "any channel, ≥ 500.00 EUR",
            "any channel, ≥ 500.00 USD",
            "any channel, ≥ 500.00 GBP"
        ]
    );
    assert_eq!(policy["unenrolled"], "decline");
    assert_eq!(policy["passkeys"], true);
    assert!(
        policy["public_url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost:")
    );
    let agent = enrolled(&app, "policy-agent@example.com", &[Role::SupportAgent]).await;
    agent.err("step_up_policy", &[], "forbidden").await;
}

/// The security review's item 2, performed: a security admin issues themselves a key that can
/// reveal every card. It does nothing until a second security admin approves it; the issuer
/// cannot approve it; each step is audited and the review raises high-severity flags.
#[tokio::test]
async fn a_reveal_key_issued_in_the_console_works_only_after_a_second_admin_approves_it() {
    use coffer_vault::audit::review::{ReviewRules, kind, severity};
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_rk", "4242424242424242").await;
    let mut mallory = enrolled(&app, "mallory@example.com", &[Role::SecurityAdmin]).await;
    let code = mallory.code().await;
    mallory.ok("step_up", &[("code", &code)]).await;
    let key = mallory
        .ok(
            "create_api_key",
            &[("name", "web-checkout"), ("read", "on"), ("reveal", "on")],
        )
        .await;
    assert_eq!(key["pending_approval"], true);
    let (key_id, secret) = (
        key["id"].as_str().unwrap().to_owned(),
        key["secret"].as_str().unwrap().to_owned(),
    );
    let reveal_path = format!(
        "/api/v1/payment_methods/{}/reveal",
        pm["id"].as_str().unwrap()
    );
    let reason = serde_json::json!({ "reason": "let me see" });
    let res = app.post(&secret, &reveal_path, &reason).await;
    assert_eq!(res.status(), 401);
    assert!(!res.text().await.unwrap().contains("4242424242424242"));
    // The issuer cannot approve their own key.
    mallory
        .err("approve_api_key", &[("id", &key_id)], "invalid_input")
        .await;
    assert_eq!(app.post(&secret, &reveal_path, &reason).await.status(), 401);
    let listed = mallory.ok("api_keys", &[]).await;
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["status"], "pending_approval");
    assert_eq!(row["can_approve"], false);
    assert_eq!(row["created_by"], "mallory@example.com");

    // A second security admin approves it (after a step-up of their own).
    let mut second = enrolled(&app, "second@example.com", &[Role::SecurityAdmin]).await;
    let listed = second.ok("api_keys", &[]).await;
    assert!(listed.to_string().contains("\"can_approve\":true"));
    second
        .err("approve_api_key", &[("id", &key_id)], "step_up_required")
        .await;
    let code = second.code().await;
    second
        .ok("approve_api_key", &[("id", &key_id), ("code", &code)])
        .await;
    let res = app.post(&secret, &reveal_path, &reason).await;
    assert_eq!(res.status(), 200);

    // A key without those scopes works at once.
    let plain = mallory
        .ok("create_api_key", &[("name", "pos"), ("read", "on")])
        .await;
    assert_eq!(plain["pending_approval"], false);

    let audit = app.audit().await;
    let mallory_id = user_id(&app, "mallory@example.com").await;
    let second_id = user_id(&app, "second@example.com").await;
    assert!(audit.iter().any(|e| e.action == "auth.api_key"
        && e.outcome == "denied"
        && e.detail.as_deref() == Some(r#"{"code":"pending_approval"}"#)));
    assert!(audit.iter().any(|e| e.action == "api_key.approve"
        && e.outcome == "denied"
        && e.actor_id == mallory_id));
    assert!(audit.iter().any(|e| e.action == "api_key.approve"
        && e.outcome == "success"
        && e.actor_id == second_id));
    let flags = app
        .vault
        .review_day(coffer_vault::clock::now_millis(), &ReviewRules::default())
        .await
        .unwrap();
    for wanted in [kind::PRIVILEGED_KEY_ISSUED, kind::PRIVILEGED_KEY_APPROVED] {
        assert!(
            flags
                .iter()
                .any(|f| f.kind == wanted && f.subject == key_id),
            "{wanted}: {flags:?}"
        );
        assert_eq!(severity(wanted), "high");
    }
    // The compliance officer's queue puts them first, marked high; the plain key's flag is low.
    let officer = enrolled(&app, "officer@example.com", &[Role::ComplianceOfficer]).await;
    let queue = officer.ok("audit_flags", &[("open_only", "true")]).await;
    let listed: Vec<(String, String)> = queue["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let high = listed.iter().take_while(|(_, s)| s == "high").count();
    assert!(high >= 2, "{listed:?}");
    assert!(
        listed[high..].iter().all(|(_, s)| s != "high"),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|(k, s)| k == kind::NEW_API_KEY && s == "low"),
        "{listed:?}"
    );
}
