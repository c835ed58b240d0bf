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
    // Reset MFA: the member enrols again at the next sign-in.
    let user = root.ok("reset_mfa", &[("user_id", &new_id)]).await;
    assert_eq!(user["mfa_enrolled"], false);
    assert_eq!(
        new.state().await["NeedsMfaEnrolment"]["email"],
        "new@example.com"
    );
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
