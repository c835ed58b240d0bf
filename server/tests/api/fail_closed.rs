//! Fail closed: if the audit event cannot be written, the operation does not happen; and the
//! audit table refuses UPDATE and DELETE.

use crate::helpers::{card_body, spawn_app};
use coffer_vault::store::Dialect;

async fn break_audit_inserts(app: &crate::helpers::TestApp) {
    match app.dialect() {
        Dialect::Sqlite => {
            app.exec("CREATE TRIGGER break_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit store down'); END")
                .await
                .unwrap();
        }
        Dialect::Postgres => {
            app.exec("CREATE FUNCTION break_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END; $$")
                .await
                .unwrap();
            app.exec("CREATE TRIGGER break_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION break_audit()")
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn nothing_is_stored_or_revealed_when_the_audit_write_fails() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_f", "4242424242424242").await;
    break_audit_inserts(&app).await;
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods",
            &card_body("cus_f", "5555555555554444"),
        )
        .await;
    assert_eq!(res.status(), 500);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM payment_methods").await,
        1,
        "the row was rolled back with its audit event"
    );
    let path = format!(
        "/api/v1/payment_methods/{}/reveal",
        pm["id"].as_str().unwrap()
    );
    let res = app
        .post(
            &app.admin_key,
            &path,
            &serde_json::json!({"reason": "test"}),
        )
        .await;
    assert_eq!(res.status(), 500);
    assert!(
        !res.text().await.unwrap().contains("4242424242424242"),
        "no PAN without its audit record"
    );
    let res = app
        .get(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{}", pm["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(res.status(), 500);
}

#[tokio::test]
async fn the_audit_table_refuses_update_and_delete() {
    let app = spawn_app().await;
    app.tokenize_card("cus_f", "4242424242424242").await;
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert!(before >= 1);
    assert!(
        app.exec("UPDATE audit_events SET outcome = 'denied'")
            .await
            .is_err()
    );
    assert!(app.exec("DELETE FROM audit_events").await.is_err());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, before);
}
