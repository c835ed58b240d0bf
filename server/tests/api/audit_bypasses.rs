//! The audit chain's bypasses from the security review (item 3), each performed by an attacker
//! with the database but not the HSM: moving the chain's start, removing checkpoints, cutting
//! the signed stop, getting the HSM to sign a rewritten head, planting an archive record that
//! names a file outside the archive, and — on PostgreSQL — doing any of it as the service's
//! own role, which owns nothing.

use crate::audit_chain::{chain_of_events, disable_guards, verify};
use crate::helpers::{TestApp, fresh_token, spawn_app};
use coffer_vault::VaultError;
use coffer_vault::audit::chain;
use coffer_vault::audit::verify::ChainProblem;
use coffer_vault::store::Dialect;
use sqlx::Connection;

async fn checkpoints(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_checkpoints").await
}

#[tokio::test]
async fn moving_the_chains_start_is_refused_and_detected() {
    let app = spawn_app().await;
    chain_of_events(&app, 3).await;
    // The database refuses it outright…
    assert!(
        app.exec("UPDATE audit_chain_head SET genesis_seq = seq")
            .await
            .is_err()
    );
    assert!(app.exec("DELETE FROM audit_chain_head").await.is_err());
    // …and with the guards off, verification catches it: before, the walk started after the
    // moved start and reported a clean chain of no events.
    disable_guards(&app).await;
    app.exec("UPDATE audit_chain_head SET genesis_seq = seq")
        .await
        .unwrap();
    let report = verify(&app).await;
    assert!(
        matches!(report.problem, Some(ChainProblem::GenesisMoved { seq: 1 })),
        "{:?}",
        report.problem
    );
    // Passing the chained events off as events from before the chain: the signed checkpoints
    // name the real start.
    app.exec("UPDATE audit_events SET hash = NULL, prev_hash = NULL")
        .await
        .unwrap();
    let report = verify(&app).await;
    assert!(
        matches!(
            report.problem,
            Some(ChainProblem::CheckpointGenesis { signed: 0, .. })
        ),
        "{:?}",
        report.problem
    );
}

#[tokio::test]
async fn a_removed_checkpoint_breaks_the_next_ones_link() {
    let app = spawn_app().await;
    let mut signed = Vec::new();
    for i in 0..3 {
        app.tokenize_card(&format!("cus_cp{i}"), "4242424242424242")
            .await;
        // The server's own checkpoint at start may have signed this head a moment before.
        let seq = match app.vault.checkpoint_audit().await.unwrap() {
            Some(cp) => cp.seq,
            None => app.count("SELECT MAX(seq) FROM audit_checkpoints").await,
        };
        signed.push(seq);
    }
    assert_eq!(verify(&app).await.problem, None);
    disable_guards(&app).await;
    app.exec(&format!(
        "DELETE FROM audit_checkpoints WHERE seq = {}",
        signed[1]
    ))
    .await
    .unwrap();
    let report = verify(&app).await;
    assert_eq!(
        report.problem,
        Some(ChainProblem::CheckpointRemoved {
            seq: signed[2],
            prev: signed[1]
        })
    );
}

#[tokio::test]
async fn a_service_stop_whose_checkpoint_was_removed_is_named() {
    let app = spawn_app().await;
    chain_of_events(&app, 2).await;
    // What `serve` does on SIGTERM: the stop, then its checkpoint.
    app.vault
        .record_service_event("service.stop")
        .await
        .unwrap();
    let stop = app.count("SELECT MAX(seq) FROM audit_events").await;
    let cp = app.vault.checkpoint_audit().await.unwrap().unwrap();
    assert_eq!(cp.seq, stop);
    assert_eq!(verify(&app).await.problem, None);
    // The attacker cuts the signed end to rewrite what came before the stop unseen.
    disable_guards(&app).await;
    app.exec(&format!("DELETE FROM audit_checkpoints WHERE seq = {stop}"))
        .await
        .unwrap();
    let report = verify(&app).await;
    assert_eq!(
        report.problem,
        Some(ChainProblem::StopNotSigned { seq: stop })
    );
}

#[tokio::test]
async fn the_hsm_signs_no_head_the_events_do_not_lead_to() {
    let app = spawn_app().await;
    let head = chain_of_events(&app, 3).await;
    let before = checkpoints(&app).await;
    app.tokenize_card("cus_after", "4242424242424242").await;
    disable_guards(&app).await;
    // A forged head: before, the HSM signed whatever the head row held.
    sqlx::query("UPDATE audit_chain_head SET hash = $1 WHERE id = 1")
        .bind(vec![7u8; 32])
        .execute(app.vault.store().writer())
        .await
        .unwrap();
    let refused = app.vault.checkpoint_audit().await;
    assert!(
        matches!(refused, Err(VaultError::AuditChain(_))),
        "{refused:?}"
    );
    assert_eq!(checkpoints(&app).await, before);

    // A rewrite reaching back before the last checkpoint, every hash recomputed and the head
    // set to match: the events no longer lead on from what was signed.
    let target = head - 1;
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let events = coffer_vault::store::audit::chain_page(&mut conn, target - 1, 1_000)
        .await
        .unwrap();
    drop(conn);
    let mut prev = chain::to_hash(events[0].prev_hash.as_ref().unwrap()).unwrap();
    for (i, e) in events.iter().enumerate() {
        let mut event = e.event.clone();
        if i == 0 {
            event.reason = Some("rewritten".into());
        }
        let hash = chain::event_hash(&prev, &event);
        sqlx::query(
            "UPDATE audit_events SET reason = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
        )
        .bind(&event.reason)
        .bind(prev.to_vec())
        .bind(hash.to_vec())
        .bind(e.seq)
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
    let refused = app.vault.checkpoint_audit().await;
    assert!(
        matches!(refused, Err(VaultError::AuditChain(_))),
        "{refused:?}"
    );
    assert_eq!(checkpoints(&app).await, before);
    // Each refusal is on the record (and flagged by the daily review).
    let failures = app
        .audit()
        .await
        .into_iter()
        .filter(|e| e.action == "audit.checkpoint" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn an_archive_record_naming_a_file_elsewhere_deletes_nothing() {
    let app = spawn_app().await;
    chain_of_events(&app, 1).await;
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("coffer.db.backup");
    std::fs::write(&victim, b"not the attacker's to delete").unwrap();
    disable_guards(&app).await;
    sqlx::query(
        "INSERT INTO audit_archives (id, first_seq, last_seq, first_prev_hash, last_hash, \
         event_count, first_at, last_at, file_name, file_sha256, signature, created_at) \
         VALUES ('arc_planted', 1, 1, $1, $1, 1, 0, 0, $2, $1, $1, 0)",
    )
    .bind(vec![0u8; 32])
    .bind(victim.to_str().unwrap())
    .execute(app.vault.store().writer())
    .await
    .unwrap();
    let archive_dir = tempfile::tempdir().unwrap();
    let far = coffer_vault::clock::now_millis() + 3 * 365 * 86_400_000;
    let run = app
        .vault
        .apply_audit_retention(archive_dir.path(), 5000, 400, far)
        .await
        .unwrap();
    assert_eq!(run.files_expired, 0);
    assert!(
        victim.exists(),
        "a planted record deleted a file outside the archive"
    );
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.action == "audit.archive_expired"
                && e.outcome == "failure"
                && e.resource_id.as_deref() == Some("arc_planted"))
    );
    let report = verify(&app).await;
    assert!(
        matches!(report.problem, Some(ChainProblem::Archive { .. })),
        "{:?}",
        report.problem
    );
}

/// The service's PostgreSQL role, as docs/postgres-roles.md sets it up, with the SQL the guide
/// gives: the service runs under it, and none of the attacks above can be made through it.
#[tokio::test]
async fn the_service_role_on_postgresql_cannot_switch_the_guards_off() {
    let app = spawn_app().await;
    if app.dialect() != Dialect::Postgres {
        return; // PostgreSQL only: the suite's second run (scripts/test) covers it.
    }
    chain_of_events(&app, 2).await;
    let role = coffer_vault::token::random_id("svc").to_lowercase();
    let grants = include_str!("../../../docs/sql/service-role.sql").replace("coffer_app", &role);
    let mut owner = sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE ROLE {role} LOGIN"))
        .execute(&mut owner)
        .await
        .unwrap();
    sqlx::raw_sql(&grants).execute(&mut owner).await.unwrap();
    let (base, db) = app.database_url.rsplit_once('/').unwrap();
    let base = base.replacen("postgres@", &format!("{role}@"), 1);
    let role_url = format!("{base}/{db}");
    let mut service = sqlx::PgConnection::connect(&role_url).await.unwrap();
    for attack in [
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER",
        "DROP TRIGGER audit_chain_head_forward_only ON audit_chain_head",
        "UPDATE audit_chain_head SET genesis_seq = seq",
        "UPDATE audit_events SET reason = 'x'",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE _sqlx_migrations SET checksum = checksum",
        "CREATE TABLE shadow (id int)",
    ] {
        assert!(
            sqlx::raw_sql(attack).execute(&mut service).await.is_err(),
            "{attack} must be refused to the service's role"
        );
    }
    // And the service runs under it: opening the vault (migrations current), storing, signing
    // and verifying all work.
    let vault = std::sync::Arc::new(
        coffer_vault::Vault::open(&coffer_vault::VaultConfig {
            database_url: role_url.clone(),
            max_connections: 2,
            hsm: fresh_token(),
            customer: Default::default(),
            lifecycle: Default::default(),
            seal_limits: Default::default(),
            audit: Default::default(),
            sqlite_synchronous: Default::default(),
            relay: Default::default(),
        })
        .await
        .unwrap(),
    );
    vault
        .create_api_key(
            &coffer_vault::access::Actor::host_shell_operator(),
            "role-check",
            &[coffer_vault::access::Scope::PaymentMethodsRead],
        )
        .await
        .unwrap();
    vault.checkpoint_audit().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let report = vault
        .verify_audit(
            &coffer_vault::access::Actor::host_shell_operator(),
            dir.path(),
            &coffer_vault::audit::Origin::default(),
        )
        .await
        .unwrap();
    assert_eq!(report.problem, None);
    // Console sessions are kept, read and ended under the role too.
    use tower_sessions::SessionStore as _;
    let sessions = coffer_server::console::session::SessionStore::new(vault.clone());
    let mut record = tower_sessions::session::Record {
        id: Default::default(),
        data: [("k".to_owned(), serde_json::json!(1))]
            .into_iter()
            .collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    sessions.create(&mut record).await.unwrap();
    let loaded = sessions.load(&record.id).await.unwrap().unwrap();
    assert_eq!(loaded.data, record.data);
    sessions.delete(&record.id).await.unwrap();
    assert!(sessions.load(&record.id).await.unwrap().is_none());
    vault.close().await;
    drop(service);
    sqlx::raw_sql(&format!(
        "REASSIGN OWNED BY {role} TO postgres; DROP OWNED BY {role}; DROP ROLE {role}"
    ))
    .execute(&mut owner)
    .await
    .ok();
}
