//! The verifier against a log that keeps growing: verification reads one snapshot (the head and
//! the events up to it), so events committed while it walks, by the group commit, by direct
//! transactions and by checkpoint signing, never look like tampering.

use crate::audit_chain::verify;
use crate::helpers::{TestApp, spawn_app};
use coffer_vault::access::{Actor, Scope};
use coffer_vault::audit::verify::{VerifyPolicy, VerifyReport};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Verifications made while the writers run.
const VERIFICATIONS: usize = 2_000;
/// The most writes per writer task; each pauses between writes so the chain grows while it is
/// verified without growing so long that 2,000 walks of it take minutes.
const WRITES: u32 = 1_000;
const PAUSE: std::time::Duration = std::time::Duration::from_millis(60);

/// The verification `coffer audit verify` makes, straight on a reader connection (so the
/// verifications themselves add no events and the chain stays short enough to walk 2,000 times).
async fn verify_snapshot(app: &TestApp, archive: &std::path::Path) -> VerifyReport {
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let policy = VerifyPolicy::new(coffer_vault::clock::now_millis(), 365, 15 * 60_000);
    coffer_vault::audit::verify::verify(
        &mut conn,
        app.vault.hsm().audit_public_key(),
        archive,
        &policy,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn verifying_while_events_are_appended_never_raises_a_false_alarm() {
    let app = spawn_app().await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    // Batched writes (tokenize through the API), two at a time.
    for w in 0..2 {
        let (client, url, key, stop) = (
            app.client.clone(),
            app.url("/api/v1/payment_methods"),
            app.admin_key.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) && n < WRITES {
                let body =
                    crate::helpers::card_body(&format!("cus_race{w}_{n}"), "5555555555554444");
                let res = client.post(&url).bearer_auth(&key).json(&body).send().await;
                assert_eq!(res.unwrap().status(), 201);
                n += 1;
                tokio::time::sleep(PAUSE).await;
            }
            n
        }));
    }
    // Direct transactions (an API key and its event) and checkpoints signed meanwhile.
    let (vault, stop_keys) = (app.vault.clone(), stop.clone());
    writers.push(tokio::spawn(async move {
        let mut n = 0u32;
        while !stop_keys.load(Ordering::Relaxed) && n < WRITES {
            vault
                .create_api_key(
                    &Actor::host_shell_operator(),
                    &format!("race{n}"),
                    &[Scope::PaymentMethodsRead],
                )
                .await
                .unwrap();
            if n.is_multiple_of(25) {
                vault.checkpoint_audit().await.unwrap();
            }
            n += 1;
            tokio::time::sleep(PAUSE).await;
        }
        n
    }));
    let archive = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut heads = std::collections::BTreeSet::new();
    for _ in 0..VERIFICATIONS {
        let report = verify_snapshot(&app, archive.path()).await;
        heads.insert(report.last_seq);
        if let Some(p) = report.problem {
            problems.push((report.last_seq, p));
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    assert!(problems.is_empty(), "false alarms: {problems:?}");
    assert!(written > 20, "the writers ran alongside ({written} writes)");
    // Verifications saw the chain at many lengths: they ran while it grew.
    assert!(heads.len() > 20, "heads seen: {}", heads.len());
    let longest = heads.last().copied().unwrap_or(0);
    // And once everything has settled, the whole chain still verifies.
    app.vault.checkpoint_audit().await.unwrap();
    let last = verify(&app).await;
    assert_eq!(last.problem, None);
    assert!(last.last_seq >= longest);
}
