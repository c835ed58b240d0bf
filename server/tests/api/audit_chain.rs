//! The audit log's tamper evidence on a real database and HSM: `verify` names the first event
//! that was altered, removed or moved; a rewritten chain is caught by the HSM-signed checkpoint;
//! the seal tables are append-only; retention archives verify; exports verify.

use crate::helpers::{TestApp, spawn_app};
use coffer_vault::access::{Actor, ExportAuditLog, Role};
use coffer_vault::audit::chain::{self, Hash};
use coffer_vault::audit::export::{self, ExportFormat};
use coffer_vault::audit::verify::{ChainProblem, VerifyReport};
use coffer_vault::audit::{Origin, signing};
use coffer_vault::clock::now_millis;
use coffer_vault::store::Dialect;
use coffer_vault::store::audit_search::AuditFilter;
use sqlx::Row;

/// What a DBA with full access (the schema's owner) could do: switch the append-only triggers
/// off. The service's own role cannot (docs/postgres-roles.md, and `audit_bypasses.rs`).
pub async fn disable_guards(app: &TestApp) {
    match app.dialect() {
        Dialect::Sqlite => {
            for t in [
                "audit_events_no_update",
                "audit_events_no_delete",
                "audit_checkpoints_no_update",
                "audit_checkpoints_no_delete",
                "audit_archives_no_update",
                "audit_archives_no_delete",
                "audit_chain_head_forward_only",
                "audit_chain_head_no_delete",
            ] {
                app.exec(&format!("DROP TRIGGER {t}")).await.unwrap();
            }
        }
        Dialect::Postgres => {
            for t in [
                "audit_events",
                "audit_checkpoints",
                "audit_archives",
                "audit_chain_head",
            ] {
                app.exec(&format!("ALTER TABLE {t} DISABLE TRIGGER USER"))
                    .await
                    .unwrap();
            }
        }
    }
}

pub async fn verify(app: &TestApp) -> VerifyReport {
    let dir = tempfile::tempdir().unwrap();
    app.vault
        .verify_audit(
            &Actor::host_shell_operator(),
            dir.path(),
            &Origin::default(),
        )
        .await
        .unwrap()
}

/// Writes some events, signs a checkpoint and returns the head's seq.
pub async fn chain_of_events(app: &TestApp, n: usize) -> i64 {
    for i in 0..n {
        app.tokenize_card(&format!("cus_chain{i}"), "4242424242424242")
            .await;
    }
    app.vault.checkpoint_audit().await.unwrap();
    app.count("SELECT MAX(seq) FROM audit_events").await
}

#[tokio::test]
async fn an_untouched_chain_written_concurrently_verifies() {
    let app = spawn_app().await;
    let mut writers = Vec::new();
    for i in 0..40 {
        let (client, url, key) = (
            app.client.clone(),
            app.url("/api/v1/payment_methods"),
            app.admin_key.clone(),
        );
        writers.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(key)
                .json(&crate::helpers::card_body(
                    &format!("cus_c{i}"),
                    "5555555555554444",
                ))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    // Direct (non-batched) chained writes at the same time: API keys created in transactions.
    for i in 0..5 {
        app.vault
            .create_api_key(
                &Actor::host_shell_operator(),
                &format!("k{i}"),
                &[coffer_vault::access::Scope::PaymentMethodsRead],
            )
            .await
            .unwrap();
    }
    for w in writers {
        assert_eq!(w.await.unwrap(), 201);
    }
    app.vault.checkpoint_audit().await.unwrap();
    let total = app.count("SELECT COUNT(*) FROM audit_events").await;
    let max = app.count("SELECT MAX(seq) FROM audit_events").await;
    assert_eq!(max, total, "no gaps");
    let report = verify(&app).await;
    assert_eq!(report.problem, None);
    assert_eq!(
        report.events_checked as i64, total,
        "every event is on the chain"
    );
    assert!(report.checkpoints_checked >= 1);
}

#[tokio::test]
async fn an_altered_event_is_named() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 4).await;
    disable_guards(&app).await;
    let target = head - 2;
    app.exec(&format!(
        "UPDATE audit_events SET outcome = 'denied' WHERE seq = {target}"
    ))
    .await
    .unwrap();
    let report = verify(&app).await;
    assert_eq!(report.problem, Some(ChainProblem::Altered { seq: target }));
    assert!(
        report
            .problem
            .unwrap()
            .to_string()
            .contains(&format!("#{target}"))
    );
}

#[tokio::test]
async fn a_removed_event_is_named() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 4).await;
    disable_guards(&app).await;
    let target = head - 3;
    app.exec(&format!("DELETE FROM audit_events WHERE seq = {target}"))
        .await
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(
        report.problem,
        Some(ChainProblem::Removed {
            seq: target,
            prev: target - 1,
            next: target + 1
        })
    );
}

#[tokio::test]
async fn swapped_events_are_named_as_out_of_order() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 4).await;
    disable_guards(&app).await;
    let (a, b) = (head - 3, head - 2);
    // Move each row to the other's place (content, links and all), as a reordering would.
    app.exec(&format!("UPDATE audit_events SET seq = -1 WHERE seq = {a}"))
        .await
        .unwrap();
    app.exec(&format!(
        "UPDATE audit_events SET seq = {a} WHERE seq = {b}"
    ))
    .await
    .unwrap();
    app.exec(&format!("UPDATE audit_events SET seq = {b} WHERE seq = -1"))
        .await
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(
        report.problem,
        Some(ChainProblem::Reordered { seq: a, follows: b })
    );
}

#[tokio::test]
async fn a_rewritten_chain_is_caught_by_the_signed_checkpoint() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 3).await;
    disable_guards(&app).await;
    // Alter an event and recompute every hash after it, as an attacker with the database (but
    // not the HSM) would: the links all hold, only the HSM signature can tell.
    let target = head - 2;
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let events = coffer_vault::store::audit::chain_page(&mut conn, target - 1, 1_000)
        .await
        .unwrap();
    drop(conn);
    let mut prev: Hash = chain::to_hash(events[0].prev_hash.as_ref().unwrap()).unwrap();
    for (i, e) in events.iter().enumerate() {
        let mut event = e.event.clone();
        if i == 0 {
            event.outcome = "denied".into();
        }
        let hash = chain::event_hash(&prev, &event);
        let sql = format!(
            "UPDATE audit_events SET outcome = '{}', prev_hash = $1, hash = $2 WHERE seq = {}",
            event.outcome, e.seq
        );
        sqlx::query(&sql)
            .bind(prev.to_vec())
            .bind(hash.to_vec())
            .execute(app.vault.store().writer())
            .await
            .unwrap();
        prev = hash;
    }
    sqlx::query("UPDATE audit_chain_head SET hash = $1 WHERE id = 1")
        .bind(prev.to_vec())
        .execute(app.vault.store().writer())
        .await
        .unwrap();
    let report = verify(&app).await;
    // The first signed checkpoint over the altered event reports it: the test's own at `head`,
    // or the background task's first one if it happened to land among these events.
    assert!(
        matches!(report.problem, Some(ChainProblem::CheckpointMismatch { seq }) if seq >= target - 1),
        "{:?}",
        report.problem
    );
}

#[tokio::test]
async fn a_cut_tail_and_a_forged_checkpoint_are_caught() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 3).await;
    disable_guards(&app).await;
    app.exec(&format!(
        "DELETE FROM audit_events WHERE seq > {}",
        head - 2
    ))
    .await
    .unwrap();
    let report = verify(&app).await;
    assert!(
        matches!(report.problem, Some(ChainProblem::TailRemoved { from, .. }) if from == head - 1),
        "{:?}",
        report.problem
    );

    let app = spawn_app().await;
    chain_of_events(&app, 2).await;
    disable_guards(&app).await;
    let signed = app.count("SELECT MAX(seq) FROM audit_checkpoints").await;
    sqlx::query("UPDATE audit_checkpoints SET signed_at = signed_at + 1 WHERE seq = $1")
        .bind(signed)
        .execute(app.vault.store().writer())
        .await
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(
        report.problem,
        Some(ChainProblem::BadCheckpointSignature { seq: signed })
    );
}

#[tokio::test]
async fn the_seal_tables_refuse_update_and_delete() {
    let app = spawn_app().await;
    chain_of_events(&app, 1).await;
    for sql in [
        "UPDATE audit_checkpoints SET seq = seq + 1",
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_events SET reason = 'x'",
        "DELETE FROM audit_events",
    ] {
        assert!(app.exec(sql).await.is_err(), "{sql} must be refused");
    }
    assert!(app.count("SELECT COUNT(*) FROM audit_checkpoints").await >= 1);
}

#[tokio::test]
async fn retention_archives_old_events_and_the_chain_still_verifies() {
    let app = spawn_app().await;
    chain_of_events(&app, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    // Everything written so far is "older than the hot window" one day from now.
    let tomorrow = now_millis() + 86_400_000;
    let run = app
        .vault
        .apply_audit_retention(dir.path(), 1, 365, tomorrow + 86_400_000)
        .await
        .unwrap();
    assert_eq!(run.archived.len(), 1);
    let archive = &run.archived[0];
    let left = app.count("SELECT COUNT(*) FROM audit_events").await;
    assert_eq!(
        left,
        before - archive.event_count + 1,
        "moved out, one archive event in"
    );
    assert!(dir.path().join(&archive.file_name).exists());
    // Events not archived still cannot be deleted.
    assert!(app.exec("DELETE FROM audit_events").await.is_err());

    let verify_in = |dir: std::path::PathBuf| {
        let vault = app.vault.clone();
        async move {
            vault
                .verify_audit(&Actor::host_shell_operator(), &dir, &Origin::default())
                .await
                .unwrap()
        }
    };
    let report = verify_in(dir.path().to_path_buf()).await;
    assert_eq!(report.problem, None);
    assert_eq!(report.archives_checked, 1);
    assert!(report.events_checked as i64 >= before);

    // A changed archive file is caught.
    let path = dir.path().join(&archive.file_name);
    let original = std::fs::read(&path).unwrap();
    let mut changed = original.clone();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    let report = verify_in(dir.path().to_path_buf()).await;
    assert!(
        matches!(report.problem, Some(ChainProblem::Archive { .. })),
        "{:?}",
        report.problem
    );
    std::fs::write(&path, &original).unwrap();

    // At the end of retention the file goes; its signed record keeps the chain linked.
    let years_later = now_millis() + 2 * 365 * 86_400_000;
    let run = app
        .vault
        .apply_audit_retention(dir.path(), 1000, 400, years_later)
        .await
        .unwrap();
    assert_eq!(run.files_expired, 1);
    assert!(!path.exists());
    // Today the file should still be there: its absence is a finding…
    let report = verify_in(dir.path().to_path_buf()).await;
    assert!(
        matches!(&report.problem, Some(ChainProblem::Archive { why, .. }) if why.contains("before the end of its retention")),
        "{:?}",
        report.problem
    );
    // …and once its retention is over, it is not.
    let report = app
        .vault
        .verify_audit_at(
            &Actor::host_shell_operator(),
            dir.path(),
            years_later,
            &Origin::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.archives_expired, 1);
}

#[tokio::test]
async fn a_signed_export_verifies_and_a_changed_byte_does_not() {
    let app = spawn_app().await;
    chain_of_events(&app, 3).await;
    let origin = Origin::default();
    // Export needs the step-up.
    assert!(
        app.vault
            .authorize::<ExportAuditLog>(
                &app.staff_actor(&[Role::ComplianceOfficer], false).await,
                &origin,
                None
            )
            .await
            .is_err()
    );
    let grant = app
        .vault
        .authorize::<ExportAuditLog>(
            &app.staff_actor(&[Role::ComplianceOfficer], true).await,
            &origin,
            None,
        )
        .await
        .unwrap();
    let filter = AuditFilter {
        action: Some("payment_method.create".into()),
        ..AuditFilter::default()
    };
    let key = app.vault.audit_public_key().to_vec();
    for format in [ExportFormat::Csv, ExportFormat::JsonLines] {
        let file = app
            .vault
            .export_audit(&grant, &filter, format, &origin)
            .await
            .unwrap();
        assert_eq!(file.events, 3);
        assert!(!file.content.contains("4242424242424242"));
        assert!(export::verify(&file.content, &key).is_ok());
        let tampered = file
            .content
            .replacen("payment_method.create", "payment_method.crEate", 1);
        assert_eq!(
            export::verify(&tampered, &key),
            Err(export::ExportError::BadSignature)
        );
        if format == ExportFormat::Csv {
            assert!(file.content.starts_with("seq,time,"));
            openssl_verifies(&file.content, &key);
        }
    }
    // Each export is on the record with its digest, and so is the refused one.
    let audit = app.audit().await;
    let exports: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "audit.export")
        .collect();
    assert_eq!(exports.iter().filter(|e| e.outcome == "success").count(), 2);
    assert_eq!(exports.iter().filter(|e| e.outcome == "denied").count(), 1);
    assert!(
        exports
            .iter()
            .any(|e| e.detail.as_deref().is_some_and(|d| d.contains("sha256")))
    );
}

/// An assessor with OpenSSL and the PEM public key alone can check the export.
fn openssl_verifies(content: &str, key: &[u8]) {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let cut = content.trim_end_matches('\n').rfind('\n').unwrap() + 1;
    let (body, line) = content.split_at(cut);
    let sig = line
        .split(' ')
        .find_map(|kv| kv.strip_prefix("signature="))
        .unwrap()
        .trim();
    let der = base64::engine::general_purpose::STANDARD
        .decode(sig)
        .unwrap();
    std::fs::write(dir.path().join("body"), body).unwrap();
    std::fs::write(dir.path().join("sig.der"), der).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        signing::public_key_pem(key).unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "key.pem",
            "-signature",
            "sig.der",
            "body",
        ])
        .current_dir(dir.path())
        .output()
        .expect("openssl is installed (scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn the_chain_head_and_checkpoints_are_consistent_after_restart_of_writers() {
    let app = spawn_app().await;
    chain_of_events(&app, 2).await;
    let row = sqlx::query("SELECT seq, hash FROM audit_chain_head WHERE id = 1")
        .fetch_one(app.vault.store().reader())
        .await
        .unwrap();
    let (seq, hash): (i64, Vec<u8>) = (row.get("seq"), row.get("hash"));
    let last = sqlx::query("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1")
        .fetch_one(app.vault.store().reader())
        .await
        .unwrap();
    assert_eq!(seq, app.count("SELECT MAX(seq) FROM audit_events").await);
    assert_eq!(hash, last.get::<Vec<u8>, _>("hash"));
}
