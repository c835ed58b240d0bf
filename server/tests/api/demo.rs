//! The development data `scripts/run` stores: every demo method passes the vault's validation.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_demo_seed_stores_every_method_once() {
    let app = spawn_app().await;
    assert_eq!(coffer_vault::demo::seed(&app.vault).await.unwrap(), 56);
    // A second run stores nothing new (duplicates are recognised by fingerprint).
    assert_eq!(coffer_vault::demo::seed(&app.vault).await.unwrap(), 0);
    let big = app
        .count("SELECT COUNT(*) FROM payment_methods WHERE customer = 'cus_demo_big'")
        .await;
    assert_eq!(big, 50);
}
