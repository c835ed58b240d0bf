//! First sign-in (8.3.5 issued password changed at first use, 8.4.2 MFA enrolment), password
//! rules (8.3.6, 8.3.7), MFA replay (8.5.1), the same answer for unknown accounts, and the
//! session id renewed when the session gains privilege.

use super::{Staff, bootstrap, enrolled};
use crate::helpers::spawn_app;
use coffer_vault::access::Role;

fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("coffer_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn first_sign_in_changes_the_password_enrols_totp_and_renews_the_session_id() {
    let app = spawn_app().await;
    let issued = bootstrap(&app, "ada@example.com", &[Role::SupportAgent]).await;
    let mut ada = Staff::new(&app, "ada@example.com", &issued);

    assert_eq!(ada.state().await, "SignedOut");
    let (_, state, headers) = ada
        .call_full(
            "sign_in",
            &[("email", "ADA@example.com "), ("password", &issued)],
        )
        .await;
    assert_eq!(state["NeedsPasswordChange"]["email"], "ada@example.com");
    let cookie = session_cookie(&headers).expect("a session cookie at sign-in");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let first_id = cookie.split(';').next().unwrap().to_owned();

    // Nothing else is reachable before the password is changed and MFA enrolled.
    ada.err("search", &[("q", "cus_1")], "unauthenticated")
        .await;
    ada.err("mfa_enrolment", &[], "unauthenticated").await;

    let new = "a-new-password-2026";
    let (_, _, headers) = ada
        .call_full(
            "change_password",
            &[
                ("current", &issued),
                ("new_password", new),
                ("confirm", new),
            ],
        )
        .await;
    let renewed = session_cookie(&headers).expect("a new session id after the password change");
    assert_ne!(
        renewed.split(';').next().unwrap(),
        first_id,
        "the session id was renewed"
    );
    ada.password = new.to_owned();

    let codes = ada.enrol().await;
    assert_eq!(codes.len(), 10);
    let state = ada.state().await;
    assert_eq!(state["SignedIn"]["email"], "ada@example.com");
    assert_eq!(state["SignedIn"]["idle_timeout_secs"], 900);
    let perms = state["SignedIn"]["permissions"].to_string();
    assert!(
        perms.contains("payment_methods.read") && !perms.contains("reveal"),
        "{perms}"
    );

    let audit = app.audit().await;
    for action in [
        "staff.sign_in",
        "staff.password_change",
        "staff.mfa_enrolment_start",
        "staff.mfa_enrol",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == action && e.outcome == "success"),
            "{action} audited"
        );
    }
}

impl Staff {
    /// Enrolment after the password step: a wrong code first, then a right one.
    async fn enrol(&mut self) -> Vec<String> {
        let enrolment = self.ok("mfa_enrolment", &[]).await;
        assert!(
            enrolment["otpauth_uri"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/Coffer:")
        );
        assert!(enrolment["qr_size"].as_u64().unwrap() > 21);
        let manual = enrolment["manual_key"].as_str().unwrap();
        self.key = Some(coffer_vault::staff::totp::key_from_manual(manual).unwrap());
        let body = self
            .err("confirm_mfa", &[("code", "000000")], "invalid_code")
            .await;
        assert_eq!(body["field"], "code");
        let code = self.code().await;
        let state = self.ok("confirm_mfa", &[("code", &code)]).await;
        assert!(state.get("SignedIn").is_some(), "{state}");
        enrolment["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn an_unknown_account_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    bootstrap(&app, "bob@example.com", &[Role::SupportAgent]).await;
    let bob = Staff::new(&app, "bob@example.com", "x");
    let wrong = bob
        .err(
            "sign_in",
            &[
                ("email", "bob@example.com"),
                ("password", "wrong-password-1"),
            ],
            "invalid_credentials",
        )
        .await;
    let unknown = bob
        .err(
            "sign_in",
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong-password-1"),
            ],
            "invalid_credentials",
        )
        .await;
    assert_eq!(wrong, unknown);
    let audit = app.audit().await;
    let codes: Vec<String> = audit
        .iter()
        .filter(|e| e.action == "staff.sign_in")
        .filter_map(|e| e.detail.clone())
        .collect();
    assert!(
        codes.iter().any(|d| d.contains("wrong_password")),
        "{codes:?}"
    );
    assert!(
        codes.iter().any(|d| d.contains("unknown_account")),
        "{codes:?}"
    );
}

#[tokio::test]
async fn new_passwords_follow_the_rules_and_differ_from_the_last_four() {
    let app = spawn_app().await;
    let cy = enrolled(&app, "cy@example.com", &[Role::SupportAgent]).await;
    let current = cy.password.clone();
    for (bad, why) in [
        ("only-letters-here", "use both letters and digits"),
        ("123456789012345", "use both letters and digits"),
        ("short-pw-1", "use at least 12 characters"),
    ] {
        let body = cy
            .err(
                "change_password",
                &[
                    ("current", &current),
                    ("new_password", bad),
                    ("confirm", bad),
                ],
                "invalid_input",
            )
            .await;
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
        assert!(!body.to_string().contains(bad));
    }
    let body = cy
        .err(
            "change_password",
            &[
                ("current", "not-the-password-1"),
                ("new_password", "another-one-2026"),
                ("confirm", "another-one-2026"),
            ],
            "invalid_input",
        )
        .await;
    assert_eq!(body["field"], "current");
    // A wrong current password counts towards the lockout like any wrong password.
    let failures = app
        .count("SELECT failed_attempts FROM staff_users WHERE email = 'cy@example.com'")
        .await;
    assert_eq!(failures, 1);
    // Three more passwords: the history then holds the first four (issued, current, p1, p2, p3).
    let mut previous = current.clone();
    for n in 1..=3 {
        let next = format!("rotation-password-{n}");
        cy.ok(
            "change_password",
            &[
                ("current", &previous),
                ("new_password", &next),
                ("confirm", &next),
            ],
        )
        .await;
        previous = next;
    }
    // `current` is the 4th most recent (p3, p2, p1, current): refused.
    let body = cy
        .err(
            "change_password",
            &[
                ("current", &previous),
                ("new_password", &current),
                ("confirm", &current),
            ],
            "invalid_input",
        )
        .await;
    assert!(
        body["message"].as_str().unwrap().contains("last 4"),
        "{body}"
    );
    // The issued one is the 5th: allowed again.
    let history: i64 = app
        .count("SELECT COUNT(*) FROM staff_password_history")
        .await;
    assert_eq!(history, 5);
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_and_a_recovery_code_once() {
    let app = spawn_app().await;
    let issued = bootstrap(&app, "dee@example.com", &[Role::SupportAgent]).await;
    let mut dee = Staff::new(&app, "dee@example.com", &issued);
    let recovery = dee.first_sign_in().await;

    // The code used at enrolment cannot sign in again (a replay), even within its 30 s.
    let used =
        coffer_vault::staff::totp::code_at(dee.key.as_ref().unwrap(), dee.last_step * 30).unwrap();
    dee.ok("sign_out", &[]).await;
    let (email, password) = (dee.email.clone(), dee.password.clone());
    dee.ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    dee.err("verify_mfa", &[("code", &used)], "invalid_code")
        .await;

    // A recovery code works once.
    let state = dee
        .ok("verify_mfa", &[("code", &recovery[0].to_uppercase())])
        .await;
    assert!(state.get("SignedIn").is_some(), "{state}");
    dee.ok("sign_out", &[]).await;
    dee.ok("sign_in", &[("email", &email), ("password", &password)])
        .await;
    dee.err("verify_mfa", &[("code", &recovery[0])], "invalid_code")
        .await;
    let audit = app.audit().await;
    assert!(audit.iter().any(|e| {
        e.action == "staff.mfa"
            && e.outcome == "failure"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("replayed_code"))
    }));
    assert!(audit.iter().any(|e| {
        e.action == "staff.mfa"
            && e.outcome == "success"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains("recovery_code"))
    }));
}

/// Where the sign-in steps send the browser (the `Location` of each step's answer).
fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Signing in returns to the page asked for (`next`, carried through each step), and only to
/// a page of this site: an open redirect would let a link to our sign-in page hand a freshly
/// signed-in agent to a look-alike site.
#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_and_never_to_another_site() {
    let app = spawn_app().await;
    let mut ada = enrolled(&app, "next@example.com", &[Role::SupportAgent]).await;
    let (email, password) = (ada.email.clone(), ada.password.clone());
    // Each step checks `next` afresh: the password step already shows what is kept.
    for (next, after_password) in [
        ("/search?q=cus_1", "/login/mfa?next=%2Fsearch%3Fq%3Dcus_1"),
        ("//evil.example/login", "/login/mfa"),
        ("https://evil.example/", "/login/mfa"),
        ("/\\evil.example", "/login/mfa"),
        ("/login", "/login/mfa"),
    ] {
        ada.ok("sign_out", &[]).await;
        let (status, _, headers) = ada
            .call_full(
                "sign_in",
                &[("email", &email), ("password", &password), ("next", next)],
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(location(&headers), after_password, "next = {next}");
    }
    // The second factor sends the member on: to a page of this site, or else home.
    for (next, after_code) in [
        ("//evil.example/login", "/"),
        ("/search?q=cus_1", "/search?q=cus_1"),
    ] {
        ada.ok("sign_out", &[]).await;
        ada.ok("sign_in", &[("email", &email), ("password", &password)])
            .await;
        let code = ada.code().await;
        let (_, state, headers) = ada
            .call_full("verify_mfa", &[("code", &code), ("next", next)])
            .await;
        assert!(state.get("SignedIn").is_some(), "{state}");
        assert_eq!(location(&headers), after_code, "next = {next}");
    }
}
