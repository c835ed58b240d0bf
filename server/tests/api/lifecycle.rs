//! Delete is a crypto-shred: the ciphertext is gone, the masked history stays.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn delete_destroys_the_ciphertext_and_reveal_is_gone() {
    let app = spawn_app().await;
    let pm = app.tokenize_card("cus_d", "4242424242424242").await;
    let id = pm["id"].as_str().unwrap();
    let res = app
        .delete(&app.admin_key, &format!("/api/v1/payment_methods/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"id": id, "object": "payment_method", "deleted": true})
    );
    let left = app
        .count(&format!("SELECT COUNT(*) FROM payment_methods WHERE id = '{id}' AND ciphertext IS NULL AND nonce IS NULL AND key_id IS NULL"))
        .await;
    assert_eq!(left, 1);
    let got: Value = app
        .get(&app.admin_key, &format!("/api/v1/payment_methods/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "shredded");
    assert_eq!(got["card"]["last4"], "4242");
    let res = app
        .post(
            &app.admin_key,
            &format!("/api/v1/payment_methods/{id}/reveal"),
            &json!({"reason": "audit"}),
        )
        .await;
    assert_eq!(res.status(), 410);
    assert_eq!(
        app.delete(&app.admin_key, &format!("/api/v1/payment_methods/{id}"))
            .await
            .status(),
        410
    );
    // The same card can be stored again for the customer after a delete.
    let again = app.tokenize_card("cus_d", "4242424242424242").await;
    assert_ne!(again["id"], pm["id"]);
}
