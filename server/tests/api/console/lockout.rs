//! Lockout after 10 failed attempts for 30 minutes (PCI DSS 8.3.4), counted for passwords and
//! codes alike; accounts unused for 90 days are disabled (8.2.6).

use super::{Staff, bootstrap, enrolled, user_id};
use crate::helpers::spawn_app;
use coffer_vault::access::Role;
use coffer_vault::clock::now_millis;

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_for_thirty_minutes() {
    let app = spawn_app().await;
    let eve = enrolled(&app, "eve@example.com", &[Role::SupportAgent]).await;
    eve.ok("sign_out", &[]).await;
    let id = user_id(&app, "eve@example.com").await;
    for _ in 0..9 {
        eve.err(
            "sign_in",
            &[
                ("email", "eve@example.com"),
                ("password", "wrong-password-9"),
            ],
            "invalid_credentials",
        )
        .await;
    }
    // Nine failures: not locked yet.
    let locked: i64 = app
        .count(&format!(
            "SELECT COUNT(*) FROM staff_users WHERE id = '{id}' AND locked_until IS NOT NULL"
        ))
        .await;
    assert_eq!(locked, 0);
    eve.err(
        "sign_in",
        &[
            ("email", "eve@example.com"),
            ("password", "wrong-password-9"),
        ],
        "invalid_credentials",
    )
    .await;
    // The tenth locked it: the right password gets the same refusal.
    let password = eve.password.clone();
    eve.err(
        "sign_in",
        &[("email", "eve@example.com"), ("password", &password)],
        "invalid_credentials",
    )
    .await;
    let until = app
        .count(&format!(
            "SELECT locked_until FROM staff_users WHERE id = '{id}'"
        ))
        .await;
    let minutes = (until - now_millis()) as f64 / 60_000.0;
    assert!(
        (29.0..=30.5).contains(&minutes),
        "locked for {minutes} minutes"
    );
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "staff.lock" && e.resource_id.as_deref() == Some(&id))
    );
    assert!(audit.iter().any(|e| {
        e.action == "staff.sign_in"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("\"locked\""))
    }));

    // Thirty minutes later (the lock moved into the past), the right password works again.
    app.exec(&format!(
        "UPDATE staff_users SET locked_until = {} WHERE id = '{id}'",
        now_millis() - 1
    ))
    .await
    .unwrap();
    let state = eve
        .ok(
            "sign_in",
            &[("email", "eve@example.com"), ("password", &password)],
        )
        .await;
    assert!(state.get("NeedsMfa").is_some(), "{state}");
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lockout_too() {
    let app = spawn_app().await;
    let mut fay = enrolled(&app, "fay@example.com", &[Role::SupportAgent]).await;
    fay.ok("sign_out", &[]).await;
    let (email, password) = (fay.email.clone(), fay.password.clone());
    fay.ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    for _ in 0..10 {
        let (status, _, _) = fay.call_full("verify_mfa", &[("code", "000000")]).await;
        assert!(status >= 400);
    }
    // Locked: even a right code is refused, and the session no longer counts.
    let code = fay.code().await;
    fay.err("verify_mfa", &[("code", &code)], "unauthenticated")
        .await;
    fay.err(
        "sign_in",
        &[("email", &email), ("password", &password)],
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn an_account_unused_for_ninety_days_is_disabled() {
    let app = spawn_app().await;
    let issued = bootstrap(&app, "gus@example.com", &[Role::ComplianceOfficer]).await;
    let id = user_id(&app, "gus@example.com").await;
    let ninety_one_days = 91 * 24 * 60 * 60 * 1000_i64;
    app.exec(&format!(
        "UPDATE staff_users SET last_active_at = {} WHERE id = '{id}'",
        now_millis() - ninety_one_days
    ))
    .await
    .unwrap();
    let gus = Staff::new(&app, "gus@example.com", &issued);
    gus.err(
        "sign_in",
        &[("email", "gus@example.com"), ("password", &issued)],
        "invalid_credentials",
    )
    .await;
    let disabled = app
        .count(&format!(
            "SELECT COUNT(*) FROM staff_users WHERE id = '{id}' AND disabled_at IS NOT NULL AND disabled_reason = 'inactive'"
        ))
        .await;
    assert_eq!(disabled, 1);
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| e.action == "user.disable"
        && e.actor_type == "service"
        && e.resource_id.as_deref() == Some(&id)));

    // The periodic sweep disables others the same way, without a sign-in attempt.
    bootstrap(&app, "hal@example.com", &[Role::SupportAgent]).await;
    let hal = user_id(&app, "hal@example.com").await;
    app.exec(&format!(
        "UPDATE staff_users SET last_active_at = {} WHERE id = '{hal}'",
        now_millis() - ninety_one_days
    ))
    .await
    .unwrap();
    assert_eq!(app.vault.disable_inactive_staff().await.unwrap(), 1);
}
