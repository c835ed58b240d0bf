//! Console tests through the server functions over HTTP, with a cookie-keeping client: sign-in,
//! MFA, lockout, password rules, sessions, CSRF, roles, reveal with step-up (PCI DSS 7 and 8), and
//! the compliance officer's audit console (PCI DSS 10).

mod access;
mod admin;
mod audit;
mod collect;
mod edits;
mod expiring;
mod lifecycle;
mod lockout;
mod resets;
mod sessions;
mod sign_in;
mod timeline;

use crate::helpers::TestApp;
use coffer_vault::access::{Actor, Role};
use coffer_vault::staff::totp;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// A browser-like client: keeps cookies, sends forms to `/console/api/<endpoint>`.
pub struct Staff {
    pub client: reqwest::Client,
    pub base: String,
    pub email: String,
    pub password: String,
    /// The TOTP key, once enrolled.
    pub key: Option<Vec<u8>>,
    /// The highest TOTP step used so far (codes are never accepted twice).
    pub last_step: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Staff {
    pub fn new(app: &TestApp, email: &str, password: &str) -> Staff {
        Staff {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: app.address.clone(),
            email: email.to_owned(),
            password: password.to_owned(),
            key: None,
            last_step: 0,
        }
    }

    /// Calls a server function; returns (HTTP status, JSON body, response headers).
    pub async fn call_full(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let res = self
            .client
            .post(format!("{}/console/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body, headers)
    }

    /// Calls and expects success (2xx).
    pub async fn ok(&self, endpoint: &str, form: &[(&str, &str)]) -> Value {
        let (status, body, _) = self.call_full(endpoint, form).await;
        assert!((200..300).contains(&status), "{endpoint}: {status} {body}");
        body
    }

    /// Calls and expects a console error with `code`.
    pub async fn err(&self, endpoint: &str, form: &[(&str, &str)], code: &str) -> Value {
        let (status, body, _) = self.call_full(endpoint, form).await;
        assert!(status >= 400, "{endpoint} should fail: {status} {body}");
        assert_eq!(body["code"], code, "{endpoint}: {body}");
        body
    }

    /// A TOTP code for a step never used before: the current step, or the next one (accepted
    /// within the ±1 window); waits for the clock when both were used.
    pub async fn code(&mut self) -> String {
        let key = self.key.clone().expect("enrolled");
        loop {
            let now = now_secs();
            let step = now / 30;
            for candidate in [step, step + 1] {
                if candidate > self.last_step {
                    self.last_step = candidate;
                    return totp::code_at(&key, candidate * 30).unwrap();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    pub async fn state(&self) -> Value {
        self.ok("session", &[]).await
    }

    /// Password, then the TOTP code: a full sign-in of an enrolled account.
    pub async fn sign_in(&mut self) {
        let (email, password) = (self.email.clone(), self.password.clone());
        let state = self
            .ok("sign_in", &[("email", &email), ("password", &password)])
            .await;
        assert!(state.get("NeedsMfa").is_some(), "{state}");
        let code = self.code().await;
        let state = self.ok("verify_mfa", &[("code", &code)]).await;
        assert!(state.get("SignedIn").is_some(), "{state}");
    }

    /// First sign-in of an issued account: password, change it, enrol TOTP, confirm.
    /// Returns the recovery codes shown at enrolment.
    pub async fn first_sign_in(&mut self) -> Vec<String> {
        let (email, issued) = (self.email.clone(), self.password.clone());
        let state = self
            .ok("sign_in", &[("email", &email), ("password", &issued)])
            .await;
        assert!(state.get("NeedsPasswordChange").is_some(), "{state}");
        let new = format!("{}-chosen-2026", email.split('@').next().unwrap());
        let state = self
            .ok(
                "change_password",
                &[
                    ("current", &issued),
                    ("new_password", &new),
                    ("confirm", &new),
                ],
            )
            .await;
        assert!(state.get("NeedsMfaEnrolment").is_some(), "{state}");
        self.password = new;
        let enrolment = self.ok("mfa_enrolment", &[]).await;
        let manual = enrolment["manual_key"].as_str().unwrap();
        self.key = Some(totp::key_from_manual(manual).unwrap());
        let codes = enrolment["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        let code = self.code().await;
        let state = self.ok("confirm_mfa", &[("code", &code)]).await;
        assert!(state.get("SignedIn").is_some(), "{state}");
        codes
    }
}

/// Creates an account from the command line's path and returns its one-time password.
pub async fn bootstrap(app: &TestApp, email: &str, roles: &[Role]) -> String {
    let created = app
        .vault
        .bootstrap_staff(&Actor::host_shell_operator(), email, roles)
        .await
        .unwrap();
    created.password.expose_secret().to_owned()
}

/// A fully enrolled, signed-in staff member with `roles`.
pub async fn enrolled(app: &TestApp, email: &str, roles: &[Role]) -> Staff {
    let issued = bootstrap(app, email, roles).await;
    let mut staff = Staff::new(app, email, &issued);
    staff.first_sign_in().await;
    staff
}

/// The id of the account with `email`.
pub async fn user_id(app: &TestApp, email: &str) -> String {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    coffer_vault::store::staff::find_by_email(&mut conn, email)
        .await
        .unwrap()
        .unwrap()
        .id
}
