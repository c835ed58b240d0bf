//! Leak hunting: send card data everywhere a careless client might, then search the database
//! file, its WAL and the audit log for it.

use crate::helpers::{card_body, spawn_app};
use serde_json::json;

const PAN: &str = "4000056655665556";
const CVC: &str = "737";

fn haystack_contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn card_data_never_reaches_the_database_file_its_wal_or_the_audit_log() {
    let app = spawn_app().await;
    let mut body = card_body("cus_leak", PAN);
    body["card"]["cvc"] = CVC.into();
    let pm = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let id = pm["id"].as_str().unwrap();
    // Misuse: the PAN in places it must never go.
    let _ = app
        .get(&app.admin_key, &format!("/api/v1/payment_methods/{PAN}"))
        .await;
    let _ = app
        .get(
            &app.admin_key,
            &format!("/api/v1/customers/{PAN}/payment_methods"),
        )
        .await;
    let _ = app
        .client
        .get(app.url("/api/v1/payment_methods/x"))
        .bearer_auth(&app.admin_key)
        .header("user-agent", PAN)
        .send()
        .await;
    let mut in_metadata = card_body("cus_leak", "5555555555554444");
    in_metadata["metadata"] = json!({ "note": PAN });
    let _ = app
        .post(&app.admin_key, "/api/v1/payment_methods", &in_metadata)
        .await;
    let _ = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": PAN}),
        )
        .await;
    let _ = app
        .client
        .post(app.url("/api/v1/payment_methods"))
        .bearer_auth(&app.admin_key)
        .header("Idempotency-Key", PAN)
        .json(&card_body("cus_leak2", PAN))
        .send()
        .await;
    let _ = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "legit"}),
        )
        .await;
    // A PAN used as a JSON key, with an idempotency key: the stored error must not echo it.
    for (n, bad) in [
        json!({"customer": "c", "type": "card", "metadata": {PAN: 1}}),
        json!({"customer": "c", "type": "card", "card": {PAN: "x"}}),
    ]
    .into_iter()
    .enumerate()
    {
        let res = app
            .client
            .post(app.url("/api/v1/payment_methods"))
            .bearer_auth(&app.admin_key)
            .header("Idempotency-Key", format!("leak-{n}"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(!res.text().await.unwrap().contains(PAN));
    }

    for row in app.audit().await {
        let text = format!("{row:?}");
        assert!(!text.contains(PAN), "audit row leaks the PAN: {text}");
    }
    if let Some(path) = &app.sqlite_path {
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(bytes) = std::fs::read(&file) {
                assert!(
                    !haystack_contains(&bytes, PAN),
                    "{} contains the PAN",
                    file.display()
                );
                assert!(
                    !haystack_contains(&bytes, "5555555555554444"),
                    "{} contains a PAN",
                    file.display()
                );
                assert!(
                    !haystack_contains(&bytes, &format!("\"cvc\":\"{CVC}\"")),
                    "{} contains the CVC",
                    file.display()
                );
            }
        }
    }
    // On PostgreSQL, search every text column of every table instead.
    let dump = app.count(&format!(
        "SELECT COUNT(*) FROM payment_methods WHERE display LIKE '%{PAN}%' OR COALESCE(metadata, '') LIKE '%{PAN}%' \
         OR COALESCE(billing_details, '') LIKE '%{PAN}%' OR customer LIKE '%{PAN}%' OR COALESCE(alias, '') LIKE '%{PAN}%'"
    )).await;
    assert_eq!(dump, 0);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key LIKE '%{PAN}%' OR response_body LIKE '%{PAN}%'")).await, 0);
}
