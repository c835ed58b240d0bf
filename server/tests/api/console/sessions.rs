//! Sessions: 15 minutes idle ends them (PCI DSS 8.2.8; a short timeout here), sign-out ends
//! them, a disabled account's session ends at once (8.2.5), and cross-site requests are refused.

use super::{enrolled, user_id};
use crate::helpers::{spawn_app, spawn_app_with_idle};
use coffer_vault::access::Role;
use std::time::Duration;

#[tokio::test]
async fn an_idle_session_must_sign_in_again() {
    let app = spawn_app_with_idle(Duration::from_secs(2)).await;
    let mut ivy = enrolled(&app, "ivy@example.com", &[Role::SupportAgent]).await;
    assert!(ivy.state().await.get("SignedIn").is_some());
    // Activity within the timeout keeps it alive.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(ivy.state().await.get("SignedIn").is_some());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Every request after the timeout is told the session ended (until the next sign-in).
    ivy.err("session", &[], "unauthenticated").await;
    ivy.err("session", &[], "unauthenticated").await;
    ivy.err("search", &[("q", "cus_1")], "unauthenticated")
        .await;
    let id = user_id(&app, "ivy@example.com").await;
    let timeouts = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "staff.session_timeout" && e.actor_id == id)
        .count();
    assert_eq!(timeouts, 1);
    // Signing in again clears the mark.
    ivy.sign_in().await;
    assert!(ivy.state().await.get("SignedIn").is_some());
}

#[tokio::test]
async fn sign_out_and_disabling_end_the_session() {
    let app = spawn_app().await;
    let jo = enrolled(&app, "jo@example.com", &[Role::SupportAgent]).await;
    jo.ok("sign_out", &[]).await;
    assert_eq!(jo.state().await, "SignedOut");
    let jo_id = user_id(&app, "jo@example.com").await;
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "staff.sign_out" && e.actor_id == jo_id)
    );

    let kim = enrolled(&app, "kim@example.com", &[Role::SupportAgent]).await;
    let id = user_id(&app, "kim@example.com").await;
    app.exec(&format!(
        "UPDATE staff_users SET disabled_at = 1, disabled_reason = 'admin' WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    kim.err("session", &[], "unauthenticated").await;
    assert_eq!(kim.state().await, "SignedOut");
}

#[tokio::test]
async fn cross_site_requests_to_server_functions_are_refused() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let res = client
            .post(app.url("/console/api/sign_in"))
            .header(header, value)
            .form(&[("email", "a@example.com"), ("password", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{header}: {value}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "cross_site");
    }
    let same = client
        .post(app.url("/console/api/session"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(same.headers()["cache-control"], "no-store");
}

/// Console sessions live in the vault's own `console_sessions` table (through its one writer):
/// a colliding id gets a new one, an expired record is never loaded and the sweep deletes it.
#[tokio::test]
async fn sessions_are_kept_in_the_vaults_table_and_expire() {
    use coffer_server::console::session::SessionStore;
    use tower_sessions::SessionStore as _;
    use tower_sessions::session::Record;
    use tower_sessions::session_store::ExpiredDeletion;
    let app = spawn_app().await;
    let _ivy = enrolled(&app, "table@example.com", &[Role::SupportAgent]).await;
    assert!(app.count("SELECT COUNT(*) FROM console_sessions").await >= 1);

    let store = SessionStore::new(app.vault.clone());
    let hour = time::Duration::hours(1);
    let record = |data: i64, expiry| Record {
        id: Default::default(),
        data: [("n".to_owned(), serde_json::json!(data))]
            .into_iter()
            .collect(),
        expiry_date: expiry,
    };
    let mut first = record(1, time::OffsetDateTime::now_utc() + hour);
    store.create(&mut first).await.unwrap();
    let mut second = record(2, time::OffsetDateTime::now_utc() + hour);
    second.id = first.id;
    store.create(&mut second).await.unwrap();
    assert_ne!(second.id, first.id, "a taken id is never overwritten");
    assert_eq!(
        store.load(&first.id).await.unwrap().unwrap().data,
        first.data
    );

    let mut old = record(3, time::OffsetDateTime::now_utc() - hour);
    store.create(&mut old).await.unwrap();
    assert!(store.load(&old.id).await.unwrap().is_none());
    let before = app.count("SELECT COUNT(*) FROM console_sessions").await;
    store.delete_expired().await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM console_sessions").await,
        before - 1
    );
}
