//! Credential resets by a security admin (PCI DSS 8.3.1, 8.2.4, 10.2.1.5): a password reset
//! issues a one-time password, lifts a lockout, keeps or removes the authenticator by choice,
//! and ends every session the account had, so a session taken over before the reset cannot
//! outlive it.

use super::{Staff, enrolled, user_id};
use crate::helpers::{TestApp, spawn_app};
use coffer_vault::access::Role;

/// The reset's audit detail, from the last `user.password_reset` event about `id`.
async fn reset_detail(app: &TestApp, id: &str) -> serde_json::Value {
    let event = app
        .audit()
        .await
        .into_iter()
        .rev()
        .find(|e| e.action == "user.password_reset" && e.resource_id.as_deref() == Some(id))
        .expect("a user.password_reset event");
    assert_eq!(event.outcome, "success");
    serde_json::from_str(event.detail.as_deref().unwrap_or("{}")).unwrap()
}

/// The attack: someone holds a support agent's session (a stolen cookie, an unlocked desk).
/// The agent reports it; a security admin resets the password. The held session must end at
/// once and the old password must stop working; the agent's authenticator is kept.
#[tokio::test]
async fn a_password_reset_ends_a_taken_over_session_and_keeps_the_authenticator() {
    let app = spawn_app().await;
    let mut root = enrolled(&app, "reset-root@example.com", &[Role::SecurityAdmin]).await;
    let mut agent = enrolled(&app, "reset-agent@example.com", &[Role::SupportAgent]).await;
    let old_password = agent.password.clone();
    let id = user_id(&app, "reset-agent@example.com").await;
    assert!(agent.state().await.get("SignedIn").is_some());

    // Refused without a step-up, for another role, and on the admin's own account.
    root.err("reset_password", &[("user_id", &id)], "step_up_required")
        .await;
    agent
        .err("reset_password", &[("user_id", &id)], "forbidden")
        .await;
    let code = root.code().await;
    root.ok("step_up", &[("code", &code)]).await;
    let own = user_id(&app, "reset-root@example.com").await;
    root.err("reset_password", &[("user_id", &own)], "invalid_input")
        .await;

    let issued = root.ok("reset_password", &[("user_id", &id)]).await;
    let password = issued["password"].as_str().unwrap().to_owned();
    assert_eq!(password.len(), 19);
    assert_eq!(issued["email"], "reset-agent@example.com");
    // Not in the admin's list of accounts, nor in the audit log.
    assert!(!root.ok("users", &[]).await.to_string().contains(&password));
    assert!(!format!("{:?}", app.audit().await).contains(&password));

    // The held session is over, and says so once; then it is simply signed out.
    agent.err("session", &[], "unauthenticated").await;
    assert_eq!(agent.state().await, "SignedOut");
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "staff.session_revoked" && e.actor_id == id)
    );
    // The old password no longer signs in.
    agent
        .err(
            "sign_in",
            &[
                ("email", "reset-agent@example.com"),
                ("password", &old_password),
            ],
            "invalid_credentials",
        )
        .await;
    // The one-time password does, then the kept authenticator, then a new password.
    let state = agent
        .ok(
            "sign_in",
            &[
                ("email", "reset-agent@example.com"),
                ("password", &password),
            ],
        )
        .await;
    assert!(state.get("NeedsMfa").is_some(), "{state}");
    let code = agent.code().await;
    let state = agent.ok("verify_mfa", &[("code", &code)]).await;
    assert!(state.get("NeedsPasswordChange").is_some(), "{state}");
    agent
        .err("search", &[("q", "cus_1")], "unauthenticated")
        .await;
    let chosen = "agent-after-reset-2026";
    let state = agent
        .ok(
            "change_password",
            &[
                ("current", &password),
                ("new_password", chosen),
                ("confirm", chosen),
            ],
        )
        .await;
    assert!(state.get("SignedIn").is_some(), "{state}");

    let detail = reset_detail(&app, &id).await;
    assert_eq!(detail["mfa_reset"], false);
    assert_eq!(detail["mfa_kept"], true);
    assert_eq!(detail["sessions_ended"], true);
    let audit = app.audit().await;
    let event = audit
        .iter()
        .rev()
        .find(|e| e.action == "user.password_reset" && e.outcome == "success")
        .unwrap();
    assert_eq!(event.actor_id, own);
    assert!(
        audit
            .iter()
            .any(|e| e.action == "user.password_reset" && e.outcome == "denied")
    );
}

/// For someone locked out who also lost their phone and recovery codes: the reset lifts the
/// lock and, when asked, removes the authenticator so that they enrol a new one.
#[tokio::test]
async fn a_password_reset_lifts_a_lockout_and_can_reset_the_authenticator() {
    let app = spawn_app().await;
    let mut root = enrolled(&app, "lock-root@example.com", &[Role::SecurityAdmin]).await;
    let eve = enrolled(&app, "lock-eve@example.com", &[Role::SupportAgent]).await;
    eve.ok("sign_out", &[]).await;
    let id = user_id(&app, "lock-eve@example.com").await;
    for _ in 0..10 {
        eve.err(
            "sign_in",
            &[
                ("email", "lock-eve@example.com"),
                ("password", "wrong-password-9"),
            ],
            "invalid_credentials",
        )
        .await;
    }
    let locked =
        format!("SELECT COUNT(*) FROM staff_users WHERE id = '{id}' AND locked_until IS NOT NULL");
    assert_eq!(app.count(&locked).await, 1);

    let code = root.code().await;
    let issued = root
        .ok(
            "reset_password",
            &[("user_id", &id), ("reset_mfa", "true"), ("code", &code)],
        )
        .await;
    assert_eq!(app.count(&locked).await, 0);
    let password = issued["password"].as_str().unwrap().to_owned();
    let user = root.ok("user", &[("id", &id)]).await;
    assert_eq!(user["mfa_enrolled"], false);
    // No longer locked: only the password change stands between them and the console.
    assert_eq!(user["status"], "password_change_required");

    // The first sign-in again: the one-time password, a new password, a new authenticator.
    let eve = Staff::new(&app, "lock-eve@example.com", &password);
    let state = eve
        .ok(
            "sign_in",
            &[("email", "lock-eve@example.com"), ("password", &password)],
        )
        .await;
    assert!(state.get("NeedsPasswordChange").is_some(), "{state}");
    let chosen = "eve-after-the-reset-2026";
    let state = eve
        .ok(
            "change_password",
            &[
                ("current", &password),
                ("new_password", chosen),
                ("confirm", chosen),
            ],
        )
        .await;
    assert!(state.get("NeedsMfaEnrolment").is_some(), "{state}");
    let enrolment = eve.ok("mfa_enrolment", &[]).await;
    assert_eq!(enrolment["recovery_codes"].as_array().unwrap().len(), 10);

    let detail = reset_detail(&app, &id).await;
    assert_eq!(detail["mfa_reset"], true);
    assert_eq!(detail["mfa_kept"], false);
    assert_eq!(detail["was_locked"], true);
}

/// The attack on an MFA reset: a session that passed the old factor stays open after the
/// reset and enrols an authenticator of the intruder's own. The reset must end it first.
#[tokio::test]
async fn an_mfa_reset_ends_the_session_so_it_cannot_enrol_its_own_authenticator() {
    let app = spawn_app().await;
    let mut root = enrolled(&app, "mfa-root@example.com", &[Role::SecurityAdmin]).await;
    let held = enrolled(&app, "mfa-agent@example.com", &[Role::SupportAgent]).await;
    let id = user_id(&app, "mfa-agent@example.com").await;
    let code = root.code().await;
    root.ok("reset_mfa", &[("user_id", &id), ("code", &code)])
        .await;
    held.err("mfa_enrolment", &[], "unauthenticated").await;
    held.err("confirm_mfa", &[("code", "123456")], "unauthenticated")
        .await;
    assert_eq!(held.state().await, "SignedOut");
    let enrolments = format!(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'staff.mfa_enrolment_start' \
         AND actor_id = '{id}'"
    );
    // Only the first enrolment, at the account's first sign-in.
    assert_eq!(app.count(&enrolments).await, 1);
}

/// "Forgot my authenticator": a recovery code signs the member in, and then (only in that
/// session, minutes after) they replace the authenticator themselves. The lost one stops
/// working, so do the old recovery codes, and any other session of the account ends (whoever
/// has the lost phone may be signed in somewhere).
#[tokio::test]
async fn after_a_recovery_code_the_member_replaces_their_own_authenticator() {
    let app = spawn_app().await;
    let issued = super::bootstrap(&app, "lost-phone@example.com", &[Role::SupportAgent]).await;
    let mut ada = Staff::new(&app, "lost-phone@example.com", &issued);
    let codes = ada.first_sign_in().await;
    // A session that used the authenticator itself may not.
    ada.err("replace_authenticator", &[], "forbidden").await;
    // A second session, signed in with the (soon lost) authenticator.
    let mut other = Staff::new(&app, "lost-phone@example.com", &ada.password);
    other.key = ada.key.clone();
    other.last_step = ada.last_step;
    other.sign_in().await;
    ada.last_step = other.last_step;

    ada.ok("sign_out", &[]).await;
    let (email, password) = (ada.email.clone(), ada.password.clone());
    ada.ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    let state = ada.ok("verify_mfa", &[("code", &codes[0])]).await;
    assert_eq!(
        state["SignedIn"]["can_replace_authenticator"], true,
        "{state}"
    );
    let state = ada.ok("replace_authenticator", &[]).await;
    assert!(state.get("NeedsMfaEnrolment").is_some(), "{state}");
    other.err("session", &[], "unauthenticated").await;

    // A new authenticator and new recovery codes.
    let old_key = ada.key.clone();
    let enrolment = ada.ok("mfa_enrolment", &[]).await;
    ada.key = Some(
        coffer_vault::staff::totp::key_from_manual(enrolment["manual_key"].as_str().unwrap())
            .unwrap(),
    );
    let code = ada.code().await;
    let state = ada.ok("confirm_mfa", &[("code", &code)]).await;
    assert!(state.get("SignedIn").is_some(), "{state}");
    assert_eq!(state["SignedIn"]["can_replace_authenticator"], false);

    // The lost authenticator and the old recovery codes no longer sign in.
    ada.ok("sign_out", &[]).await;
    ada.ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    let mut lost = Staff::new(&app, &email, &password);
    lost.key = old_key;
    let old_code = lost.code().await;
    ada.err("verify_mfa", &[("code", &old_code)], "invalid_code")
        .await;
    ada.err("verify_mfa", &[("code", &codes[1])], "invalid_code")
        .await;
    let id = user_id(&app, "lost-phone@example.com").await;
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "staff.mfa_replace" && e.actor_id == id && e.outcome == "success")
    );
}
