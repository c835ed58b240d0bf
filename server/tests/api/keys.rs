//! The key hierarchy: HSM keys cannot leave the token; ciphertexts are bound to their row;
//! rotation keeps old ciphertexts readable.

use crate::helpers::spawn_app;
use coffer_vault::keys::{FINGERPRINT_KEY_LABEL, KEK_LABEL};
use serde_json::{Value, json};

#[tokio::test]
async fn hsm_keys_are_sensitive_and_never_extractable() {
    let app = spawn_app().await;
    for label in [KEK_LABEL, FINGERPRINT_KEY_LABEL] {
        let attrs = app.vault.hsm().key_attributes(label).unwrap();
        assert!(attrs.sensitive, "{label}");
        assert!(!attrs.extractable, "{label}");
        assert!(attrs.never_extractable, "{label}");
        assert!(
            !attrs.value_readable,
            "{label}: CKA_VALUE must not be readable"
        );
    }
    assert!(
        app.vault.hsm().try_export_kek().is_err(),
        "the KEK cannot be wrapped out of the token"
    );
}

#[tokio::test]
async fn data_keys_are_stored_only_wrapped() {
    let app = spawn_app().await;
    assert_eq!(app.count("SELECT COUNT(*) FROM data_keys").await, 1);
    use sqlx::Row;
    let row = sqlx::query("SELECT wrapped FROM data_keys")
        .fetch_one(app.vault.store().reader())
        .await
        .unwrap();
    let wrapped: Vec<u8> = row.try_get("wrapped").unwrap();
    assert_eq!(
        wrapped.len(),
        40,
        "AES key wrap with padding of a 32-byte key is 40 bytes"
    );
}

#[tokio::test]
async fn a_ciphertext_moved_to_another_row_fails_to_open() {
    let app = spawn_app().await;
    let a = app.tokenize_card("cus_m", "4242424242424242").await;
    let b = app.tokenize_card("cus_m", "5555555555554444").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let moved = app
        .exec(&format!(
            "UPDATE payment_methods SET ciphertext = (SELECT ciphertext FROM payment_methods WHERE id = '{a}'), \
             nonce = (SELECT nonce FROM payment_methods WHERE id = '{a}') WHERE id = '{b}'"
        ))
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{b}/reveal"),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(res.status(), 500);
    let text = res.text().await.unwrap();
    assert!(!text.contains("4242424242424242") && text.contains("inc_"));
    let failed = app
        .audit()
        .await
        .into_iter()
        .any(|e| e.action == "payment_method.reveal" && e.outcome == "failure");
    assert!(failed);
    // The untouched row still opens.
    let ok = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{a}/reveal"),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn rotation_adds_a_version_and_old_ciphertexts_still_open() {
    let app = spawn_app().await;
    let old = app.tokenize_card("cus_rot", "4242424242424242").await;
    let denied = app
        .vault
        .rotate_data_key(&coffer_vault::access::Actor::Anonymous)
        .await;
    assert!(denied.is_err());
    let new_key = app
        .vault
        .rotate_data_key(&coffer_vault::access::Actor::SystemOperator)
        .await
        .unwrap();
    let rotations: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "data_key.rotate")
        .collect();
    assert_eq!(
        rotations
            .iter()
            .map(|e| e.outcome.as_str())
            .collect::<Vec<_>>(),
        ["denied", "success"]
    );
    assert_eq!(rotations[1].resource_id.as_deref(), Some(new_key.as_str()));
    assert!(new_key.starts_with("dek_v2_"));
    let new = app.tokenize_card("cus_rot", "5555555555554444").await;
    let key_of = |id: &str| {
        format!("SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' AND key_id = '{new_key}'")
    };
    assert_eq!(app.count(&key_of(old["id"].as_str().unwrap())).await, 0);
    assert_eq!(app.count(&key_of(new["id"].as_str().unwrap())).await, 1);
    for pm in [old, new] {
        let res = app
            .post(
                &app.admin_key,
                &format!(
                    "/api/v1/payment_methods/{}/reveal",
                    pm["id"].as_str().unwrap()
                ),
                &json!({"reason": "rotation check"}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert!(
            body["card"]["number"]
                .as_str()
                .unwrap()
                .ends_with(pm["card"]["last4"].as_str().unwrap())
        );
    }
}
