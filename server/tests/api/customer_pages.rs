//! A customer's browser over the `/c/` pages (plain forms, one cookie), and the tests of the
//! enrolment link and the factor pages themselves.

use crate::helpers::{TestApp, spawn_app};
use coffer_vault::staff::totp;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// One customer's browser: no redirects followed, the session cookie kept by hand.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    client: reqwest::Client,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

/// The path of a link Coffer built (`http://localhost:PORT/c/...` → `/c/...`).
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_owned())
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            app,
            client,
            cookie: None,
        }
    }

    async fn page(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = match &self.cookie {
            Some(c) => req.header(COOKIE, c.clone()),
            None => req,
        };
        let res = req.send().await.unwrap();
        if let Some(set) = res.headers().get(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        assert_eq!(
            res.headers()
                .get("referrer-policy")
                .map(|v| v.to_str().unwrap()),
            Some("no-referrer")
        );
        Page {
            status: res.status(),
            location: res
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.app.url(path));
        self.page(req).await
    }

    pub async fn post_form(&mut self, path: &str, form: &str) -> Page {
        let req = self
            .client
            .post(self.app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned());
        self.page(req).await
    }
}

/// Asks for an enrolment link for `customer` (asserting 201) and returns its URL.
pub async fn enrolment_link(app: &TestApp, customer: &str) -> String {
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/customers/{customer}/mfa/enrollments"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["object"], "mfa_enrollment_link");
    body["url"].as_str().unwrap().to_owned()
}

/// The text of the element whose start tag contains `marker`.
pub fn element_text<'t>(html: &'t str, marker: &str) -> Option<&'t str> {
    let at = html.find(marker)?;
    let from = at + html[at..].find('>')? + 1;
    let len = html[from..].find('<')?;
    Some(&html[from..from + len])
}

/// Text between `start` and the next `end` after it.
pub fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A code from `key` for the time step `steps` after now.
pub fn code(key: &[u8], steps: u64) -> String {
    totp::code_at(key, now_secs() + 30 * steps).unwrap()
}

/// Enrols an authenticator app for `customer` through the pages; returns its key.
pub async fn enrol_totp(app: &TestApp, customer: &str) -> Vec<u8> {
    let link = enrolment_link(app, customer).await;
    let mut b = Browser::new(app);
    let redeemed = b.post_form(&path_of(&link), "").await;
    assert_eq!(redeemed.status, StatusCode::SEE_OTHER);
    let setup = b.post_form("/c/factors/totp", "").await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let manual = element_text(&setup.body, "data-testid=\"manual-key\"").unwrap();
    let key = totp::key_from_manual(manual).unwrap();
    let factor = between(&setup.body, "action=\"/c/factors/totp/", "\"").unwrap();
    let confirmed = b
        .post_form(
            &format!("/c/factors/totp/{factor}"),
            &format!("code={}", code(&key, 0)),
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    assert_eq!(confirmed.location.as_deref(), Some("/c/factors?added=totp"));
    key
}

#[tokio::test]
async fn an_enrolment_link_is_single_use_and_looking_at_it_spends_nothing() {
    let app = spawn_app().await;
    let link = enrolment_link(&app, "cus_link").await;
    let path = path_of(&link);
    assert!(link.starts_with("http://localhost:"), "{link}");
    let mut b = Browser::new(&app);
    // A mail scanner (or the customer) opening the link twice spends nothing.
    for _ in 0..2 {
        let landing = b.get(&path).await;
        assert_eq!(landing.status, StatusCode::OK);
        assert!(landing.body.contains("Continue"));
    }
    let redeemed = b.post_form(&path, "").await;
    assert_eq!(redeemed.status, StatusCode::SEE_OTHER);
    assert_eq!(redeemed.location.as_deref(), Some("/c/factors"));
    let cookie = b.cookie.clone().unwrap();
    assert!(cookie.starts_with("coffer_customer="));
    let list = b.get("/c/factors").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("You have not added a method yet."));

    // Used: a second redemption (from another browser) and the landing page are refused.
    let mut other = Browser::new(&app);
    assert_eq!(other.post_form(&path, "").await.status, StatusCode::GONE);
    assert_eq!(other.get(&path).await.status, StatusCode::GONE);
    // Without the cookie there is no session.
    assert_eq!(other.get("/c/factors").await.status, StatusCode::GONE);

    let opens: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "customer_mfa.link_open")
        .collect();
    assert_eq!(opens.len(), 2);
    assert_eq!(opens[0].outcome, "success");
    assert_eq!(opens[0].actor_type, "customer");
    assert_eq!(opens[0].actor_id, "cus_link");
    assert_eq!(opens[1].outcome, "failure");
    assert!(
        opens[1]
            .detail
            .as_deref()
            .unwrap()
            .contains("expired_or_used")
    );
}

#[tokio::test]
async fn links_and_sessions_expire() {
    let app = spawn_app().await;
    let link = enrolment_link(&app, "cus_old").await;
    app.exec("UPDATE customer_links SET expires_at = 1")
        .await
        .unwrap();
    let mut b = Browser::new(&app);
    assert_eq!(b.get(&path_of(&link)).await.status, StatusCode::GONE);
    assert_eq!(
        b.post_form(&path_of(&link), "").await.status,
        StatusCode::GONE
    );

    let link = enrolment_link(&app, "cus_old").await;
    let mut b = Browser::new(&app);
    assert_eq!(
        b.post_form(&path_of(&link), "").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(b.get("/c/factors").await.status, StatusCode::OK);
    app.exec("UPDATE customer_links SET expires_at = 1 WHERE purpose = 'session'")
        .await
        .unwrap();
    assert_eq!(b.get("/c/factors").await.status, StatusCode::GONE);
    assert_eq!(
        b.post_form("/c/factors/totp", "").await.status,
        StatusCode::GONE
    );
}

#[tokio::test]
async fn customers_add_list_and_remove_an_authenticator_with_every_step_audited() {
    let app = spawn_app().await;
    let link = enrolment_link(&app, "cus_fac").await;
    let mut b = Browser::new(&app);
    b.post_form(&path_of(&link), "").await;
    let setup = b.post_form("/c/factors/totp", "").await;
    assert!(setup.body.contains("class=\"qr\""));
    assert!(setup.body.contains("<svg"));
    let manual = element_text(&setup.body, "data-testid=\"manual-key\"").unwrap();
    let key = totp::key_from_manual(manual).unwrap();
    let factor = between(&setup.body, "action=\"/c/factors/totp/", "\"")
        .unwrap()
        .to_owned();
    // A wrong code does not confirm it.
    let wrong = b
        .post_form(&format!("/c/factors/totp/{factor}"), "code=000000")
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("did not match"));
    let ok = b
        .post_form(
            &format!("/c/factors/totp/{factor}"),
            &format!("code={}", code(&key, 0)),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let list = b.get("/c/factors?added=totp").await;
    assert!(list.body.contains("Authenticator app"));
    assert!(list.body.contains("Your authenticator app is set up."));
    // The key is sealed at rest: neither its bytes nor its manual form are in the row.
    {
        use sqlx::Row;
        let row = sqlx::query("SELECT secret FROM customer_factors WHERE confirmed = 1")
            .fetch_one(app.vault.store().reader())
            .await
            .unwrap();
        let secret: Vec<u8> = row.get("secret");
        assert!(!secret.windows(key.len()).any(|w| w == key.as_slice()));
        let manual = manual.replace(' ', "");
        assert!(!String::from_utf8_lossy(&secret).contains(&manual));
    }

    let removed = b
        .post_form(&format!("/c/factors/{factor}/remove"), "")
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let list = b.get("/c/factors").await;
    assert!(list.body.contains("You have not added a method yet."));
    // Another customer's factor cannot be removed from this session.
    enrol_totp(&app, "cus_other").await;
    {
        use sqlx::Row;
        let row = sqlx::query("SELECT id FROM customer_factors WHERE customer = 'cus_other'")
            .fetch_one(app.vault.store().reader())
            .await
            .unwrap();
        let id: String = row.get("id");
        let stranger = b.post_form(&format!("/c/factors/{id}/remove"), "").await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    }
    let still = app
        .count("SELECT COUNT(*) FROM customer_factors WHERE customer = 'cus_other'")
        .await;
    assert_eq!(still, 1);

    let done = b.post_form("/c/done", "").await;
    assert!(done.body.contains("All set"));
    assert_eq!(b.get("/c/factors").await.status, StatusCode::GONE);

    let actions: Vec<(String, String)> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action.starts_with("customer_mfa."))
        .filter(|e| e.actor_id == "cus_fac" || e.resource_id.as_deref() == Some("cus_fac"))
        .map(|e| (e.action, e.outcome))
        .collect();
    let expected = [
        ("customer_mfa.link_create", "success"),
        ("customer_mfa.link_open", "success"),
        ("customer_mfa.enrol_start", "success"),
        ("customer_mfa.enrol", "failure"),
        ("customer_mfa.enrol", "success"),
        ("customer_mfa.remove", "success"),
        ("customer_mfa.session_end", "success"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, o)| ((*a).to_owned(), (*o).to_owned()))
        .collect();
    assert_eq!(actions, expected);
}

#[tokio::test]
async fn enrolment_links_need_the_scope() {
    let app = spawn_app().await;
    let res = app
        .post(
            &app.agent_key,
            "/api/v1/customers/cus_x/mfa/enrollments",
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 403);
    let bad = app
        .post(
            &app.admin_key,
            "/api/v1/customers/4242424242424242/mfa/enrollments",
            &json!({}),
        )
        .await;
    assert_eq!(bad.status(), 400);
    let denied = app
        .audit()
        .await
        .into_iter()
        .any(|e| e.action == "customer_mfa.link_create" && e.outcome == "denied");
    assert!(denied);
}

#[tokio::test]
async fn a_customer_reference_with_a_colon_can_enrol_an_authenticator() {
    let app = spawn_app().await;
    // ':' separates issuer and account in an otpauth URI; the account name is made safe.
    let key = enrol_totp(&app, "shop:cus_42").await;
    assert_eq!(key.len(), 20);
}

#[tokio::test]
async fn a_customer_with_a_factor_proves_it_before_changing_any() {
    let app = spawn_app().await;
    let key = enrol_totp(&app, "cus_proof").await;
    // A second link (whoever holds it) cannot add or remove anything without the factor.
    let link = enrolment_link(&app, "cus_proof").await;
    let mut b = Browser::new(&app);
    b.post_form(&path_of(&link), "").await;
    let list = b.get("/c/factors").await;
    assert!(list.body.contains("Confirm it&#39;s you") || list.body.contains("Confirm it's you"));
    assert!(
        !list.body.contains("/remove\""),
        "no remove form before the proof"
    );
    let id = {
        use sqlx::Row;
        let row = sqlx::query("SELECT id FROM customer_factors WHERE customer = 'cus_proof'")
            .fetch_one(app.vault.store().reader())
            .await
            .unwrap();
        row.get::<String, _>("id")
    };
    for (path, form) in [
        ("/c/factors/totp".to_owned(), ""),
        (format!("/c/factors/{id}/remove"), ""),
        ("/c/preferences".to_owned(), "always=on"),
    ] {
        let refused = b.post_form(&path, form).await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(refused.location.as_deref(), Some("/c/factors"));
    }
    let options = b.post_form("/c/passkeys/options", "").await;
    assert_eq!(options.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM customer_factors WHERE customer = 'cus_proof'")
            .await,
        1
    );

    let wrong = b.post_form("/c/verify", "code=000000").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let ok = b
        .post_form("/c/verify", &format!("code={}", code(&key, 1)))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let removed = b.post_form(&format!("/c/factors/{id}/remove"), "").await;
    assert_eq!(removed.location.as_deref(), Some("/c/factors?removed=1"));
    let proofs: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "customer_mfa.session_verify")
        .map(|e| e.outcome)
        .collect();
    assert_eq!(proofs, ["failure", "success"]);
}

#[tokio::test]
async fn five_wrong_proofs_end_the_session() {
    let app = spawn_app().await;
    enrol_totp(&app, "cus_guess").await;
    let link = enrolment_link(&app, "cus_guess").await;
    let mut b = Browser::new(&app);
    b.post_form(&path_of(&link), "").await;
    for _ in 0..4 {
        assert_eq!(
            b.post_form("/c/verify", "code=999999").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    b.post_form("/c/verify", "code=999999").await;
    assert_eq!(b.get("/c/factors").await.status, StatusCode::GONE);
}
