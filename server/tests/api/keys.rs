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
        .rotate_data_key(&coffer_vault::access::Actor::ANONYMOUS)
        .await;
    assert!(denied.is_err());
    let new_key = app
        .vault
        .rotate_data_key(&coffer_vault::access::Actor::host_shell_operator())
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

/// The review's item 6 (nonces), performed: a data key made to reach its limit of encryptions
/// (random 96-bit nonces are safe for 2^32 under one key; here the limit is 6) is rotated before
/// it seals one more, and everything sealed under either key still opens.
#[tokio::test]
async fn a_data_key_is_rotated_before_it_seals_more_than_its_limit() {
    let app = crate::helpers::spawn_configured(|c| {
        c.seal_limits = coffer_vault::keys::SealLimits {
            per_key: 6,
            block: 2,
        };
    })
    .await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let pm = app
            .tokenize_card(&format!("cus_nonce{i}"), "4242424242424242")
            .await;
        ids.push(pm["id"].as_str().unwrap().to_owned());
        // The ring tops itself up every half second; a burst waits for it.
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    let per_key: Vec<(String, i64)> = sqlx::query_as(
        "SELECT key_id, COUNT(*) FROM payment_methods GROUP BY key_id ORDER BY MIN(created_at)",
    )
    .fetch_all(app.vault.store().reader())
    .await
    .unwrap();
    assert!(per_key.len() >= 2, "{per_key:?}");
    // Webhook secrets and TOTP keys seal too, so a key may have sealed fewer methods; none more.
    assert!(per_key.iter().all(|(_, n)| *n <= 6), "{per_key:?}");
    let reserved: Vec<i64> = sqlx::query_scalar("SELECT seals_reserved FROM data_keys")
        .fetch_all(app.vault.store().reader())
        .await
        .unwrap();
    assert!(reserved.iter().all(|n| *n <= 6), "{reserved:?}");
    for id in &ids {
        let res = app
            .post(
                &app.admin_key,
                &format!("/api/v1/payment_methods/{id}/reveal"),
                &serde_json::json!({ "reason": "nonce test" }),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "data_key.rotate"
                && e.actor_type == "service"
                && e.detail.as_deref() == Some(r#"{"reason":"encryption_limit"}"#))
    );
}
