//! The fingerprint oracle (the security review's item 1), performed: a channel key that sees a
//! stored card's BIN, last 4 and fingerprint tries to recover the middle digits by asking
//! `validate` (and `create`) for fingerprints of its guesses. Also: shredded rows keep no
//! fingerprint, validations have their own budget, and bursts are flagged by the review.

use crate::helpers::{TestApp, card_body, spawn_app, spawn_configured};
use coffer_vault::access::Scope;
use coffer_vault::audit::review::{ReviewRules, kind, severity};
use coffer_vault::clock::now_millis;
use coffer_vault::store::audit_flags;
use serde_json::Value;

const TARGET: &str = "4000056655665556";

/// Sixteen-digit Visa numbers with the target's BIN and last 4, passing Luhn: the attacker's
/// guesses (the target among them).
fn guesses() -> Vec<String> {
    let mut out = Vec::new();
    for middle in 0..200_000u32 {
        let n = format!("400005{:06}5556", middle * 5);
        if coffer_dlp::luhn_valid(&n) {
            out.push(n);
        }
        if out.len() == 40 {
            break;
        }
    }
    out.push(TARGET.to_owned());
    out
}

async fn json(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

#[tokio::test]
async fn validate_and_create_give_no_fingerprint_that_matches_a_stored_card() {
    let app = spawn_app().await;
    let victim = app.key_with("web", &[Scope::PaymentMethodsWrite]).await;
    let stored = json(
        app.post(
            &victim,
            "/api/v1/payment_methods",
            &card_body("cus_v", TARGET),
        )
        .await,
    )
    .await;
    let target_fp = stored["card"]["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(stored["card"]["bin"], "400005");
    assert_eq!(stored["card"]["last4"], "5556");

    // The attacker holds an ordinary channel key of another channel.
    let attacker = app
        .key_with(
            "pos",
            &[Scope::PaymentMethodsRead, Scope::PaymentMethodsWrite],
        )
        .await;
    for guess in guesses() {
        let v = json(
            app.post(
                &attacker,
                "/api/v1/payment_methods/validate",
                &card_body("cus_probe", &guess),
            )
            .await,
        )
        .await;
        assert_eq!(v["status"], "unsaved", "{v}");
        assert!(v["card"].get("fingerprint").is_none(), "{v}");
        assert!(!v.to_string().contains(&target_fp));
    }
    // Storing the right guess under its own channel gives a fingerprint of its own channel.
    let own = json(
        app.post(
            &attacker,
            "/api/v1/payment_methods",
            &card_body("cus_probe", TARGET),
        )
        .await,
    )
    .await;
    assert_ne!(own["card"]["fingerprint"], target_fp);
    // Even the victim's own key cannot use validate as an oracle.
    let v = json(
        app.post(
            &victim,
            "/api/v1/payment_methods/validate",
            &card_body("cus_v", TARGET),
        )
        .await,
    )
    .await;
    assert!(v["card"].get("fingerprint").is_none(), "{v}");
    // No fingerprint of any kind is in the internal one's place on the wire.
    let internal: String =
        sqlx::query_scalar("SELECT fingerprint FROM payment_methods WHERE id = $1")
            .bind(stored["id"].as_str().unwrap())
            .fetch_one(app.vault.store().reader())
            .await
            .unwrap();
    assert!(!internal.starts_with(&target_fp));
    let display: String = sqlx::query_scalar("SELECT display FROM payment_methods WHERE id = $1")
        .bind(stored["id"].as_str().unwrap())
        .fetch_one(app.vault.store().reader())
        .await
        .unwrap();
    assert!(!display.contains("fingerprint"), "{display}");
}

#[tokio::test]
async fn a_shredded_card_keeps_no_fingerprint_and_can_be_stored_again() {
    let app = spawn_app().await;
    let first = app.tokenize_card("cus_shred", TARGET).await;
    let id = first["id"].as_str().unwrap();
    let res = app
        .delete(&app.admin_key, &format!("/api/v1/payment_methods/{id}"))
        .await;
    assert_eq!(res.status(), 200);
    let row: (String, Option<String>) = sqlx::query_as(
        "SELECT fingerprint, channel_fingerprint FROM payment_methods WHERE id = $1",
    )
    .bind(id)
    .fetch_one(app.vault.store().reader())
    .await
    .unwrap();
    assert_eq!(row, (String::new(), None));
    let shown = app.method(id).await;
    assert!(shown["card"].get("fingerprint").is_none(), "{shown}");
    // Nothing links the shredded method to the card any more: storing it again is a new one.
    let again = app.tokenize_card("cus_shred", TARGET).await;
    assert_ne!(again["id"], first["id"]);
}

#[tokio::test]
async fn methods_stored_before_channel_fingerprints_get_theirs_without_decryption() {
    let app = spawn_app().await;
    let stored = app.tokenize_card("cus_old", TARGET).await;
    let id = stored["id"].as_str().unwrap();
    // As a row written before the upgrade is left by the migration.
    app.exec(&format!(
        "UPDATE payment_methods SET channel_fingerprint = NULL WHERE id = '{id}'"
    ))
    .await
    .unwrap();
    assert!(app.method(id).await["card"].get("fingerprint").is_none());
    assert_eq!(app.vault.backfill_channel_fingerprints().await.unwrap(), 1);
    assert_eq!(app.method(id).await, stored);
    assert_eq!(app.vault.backfill_channel_fingerprints().await.unwrap(), 0);
}

#[tokio::test]
async fn validations_have_their_own_budget_per_key() {
    let app = spawn_configured(|c| c.guards.validate_per_minute = 5).await;
    let key = app.key_with("probe", &[Scope::PaymentMethodsWrite]).await;
    for _ in 0..5 {
        let res = app
            .post(
                &key,
                "/api/v1/payment_methods/validate",
                &card_body("c", TARGET),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let res = app
        .post(
            &key,
            "/api/v1/payment_methods/validate",
            &card_body("c", TARGET),
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // Storing is not held back by the validation budget.
    let res = app
        .post(&key, "/api/v1/payment_methods", &card_body("c", TARGET))
        .await;
    assert_eq!(res.status(), 201);
}

async fn flags(app: &TestApp) -> Vec<audit_flags::FlagRow> {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    audit_flags::list(&mut conn, false, 1_000).await.unwrap()
}

#[tokio::test]
async fn bursts_of_validations_and_rejected_numbers_are_flagged_by_the_review() {
    let app = spawn_app().await;
    let key = app.key_with("probe", &[Scope::PaymentMethodsWrite]).await;
    for _ in 0..4 {
        app.post(
            &key,
            "/api/v1/payment_methods/validate",
            &card_body("c", TARGET),
        )
        .await;
    }
    // Card testing: numbers that fail, one after another.
    for last in 0..4 {
        let bad = format!("400005665566555{last}");
        if coffer_dlp::luhn_valid(&bad) {
            continue;
        }
        app.post(&key, "/api/v1/payment_methods", &card_body("c", &bad))
            .await;
    }
    let rules = ReviewRules {
        validate_burst: 4,
        rejected_intake: 3,
        ..ReviewRules::default()
    };
    app.vault.review_day(now_millis(), &rules).await.unwrap();
    let raised = flags(&app).await;
    let key_id = key.split('.').next().unwrap();
    for wanted in [kind::VALIDATE_BURST, kind::REJECTED_INTAKE_BURST] {
        assert!(
            raised
                .iter()
                .any(|f| f.kind == wanted && f.subject == key_id),
            "{wanted}: {raised:?}"
        );
    }
    assert_eq!(severity(kind::REJECTED_INTAKE_BURST), "high");
}
