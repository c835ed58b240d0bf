//! `coffer audit …`: verify the chain, sign a checkpoint, print the public key, check an export,
//! run the daily review or retention by hand, and the benchmark's seeding and search timing.

use crate::audit_config::AuditConfig;
use crate::cli::AuditCommand;
use anyhow::Context;
use coffer_vault::access::Actor;
use coffer_vault::audit::{Origin, export, signing};
use coffer_vault::clock::now_millis;
use coffer_vault::{Vault, VaultConfig};

/// Checks an export against a PEM public key without opening anything else (the assessor's
/// path). Returns the process exit code.
pub fn verify_export_offline(file: &std::path::Path, pem: &std::path::Path) -> anyhow::Result<i32> {
    let pem = std::fs::read_to_string(pem).context("read the public key")?;
    let key = signing::public_key_from_pem(&pem).context("not a P-256 public key (PEM)")?;
    check_export(file, &key)
}

fn check_export(file: &std::path::Path, key: &[u8]) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(file).context("read the export")?;
    match export::verify(&text, key) {
        Ok(lines) => {
            println!(
                "signature valid: {lines} lines signed by key {}",
                signing::key_id(key)
            );
            Ok(0)
        }
        Err(e) => {
            println!("INVALID: {e}");
            Ok(1)
        }
    }
}

/// Midnight UTC of a `YYYY-MM-DD` day, in unix ms (the console's own date reading).
fn parse_day(day: &str) -> anyhow::Result<i64> {
    (day.trim().len() == 10)
        .then(|| coffer_dlp::calendar::parse_time(day, false))
        .flatten()
        .context("--day must be YYYY-MM-DD")
}

/// Runs one `coffer audit` command; returns the process exit code.
pub async fn run(
    command: AuditCommand,
    vault_config: VaultConfig,
    audit: &AuditConfig,
) -> anyhow::Result<i32> {
    let vault = Vault::open(&vault_config).await?;
    let code = run_with(&vault, command, audit).await;
    vault.close().await;
    code
}

async fn run_with(
    vault: &Vault,
    command: AuditCommand,
    audit: &AuditConfig,
) -> anyhow::Result<i32> {
    let origin = Origin::default();
    match command {
        AuditCommand::Verify => {
            let r = vault
                .verify_audit(&Actor::host_shell_operator(), &audit.archive_dir, &origin)
                .await?;
            println!(
                "checked {} events (to #{}), {} signed checkpoints (last #{}), {} archives ({} expired)",
                r.events_checked,
                r.last_seq,
                r.checkpoints_checked,
                r.last_checkpoint_seq
                    .map_or("none".into(), |s| s.to_string()),
                r.archives_checked + r.archives_expired,
                r.archives_expired,
            );
            match r.problem {
                None => {
                    println!("audit chain OK");
                    Ok(0)
                }
                Some(p) => {
                    println!("AUDIT CHAIN BROKEN: {p}");
                    Ok(1)
                }
            }
        }
        AuditCommand::Checkpoint => {
            match vault.checkpoint_audit().await? {
                Some(c) => println!("signed checkpoint at #{}", c.seq),
                None => println!("the chain head is already signed"),
            }
            Ok(0)
        }
        AuditCommand::PublicKey => {
            let pem = signing::public_key_pem(vault.audit_public_key())
                .context("the HSM returned an invalid public key")?;
            print!("{pem}");
            Ok(0)
        }
        AuditCommand::VerifyExport { file, public_key } => match public_key {
            Some(pem) => verify_export_offline(&file, &pem),
            None => check_export(&file, vault.audit_public_key()),
        },
        AuditCommand::Review { day } => {
            let at = match day {
                Some(d) => parse_day(&d)?,
                None => now_millis(),
            };
            let flags = vault.review_day(at, &audit.review).await?;
            for f in &flags {
                println!("{} {} {}: {}", f.day, f.kind, f.subject, f.summary);
            }
            println!("{} new flag(s)", flags.len());
            Ok(0)
        }
        AuditCommand::Archive => {
            let run = vault
                .apply_audit_retention(
                    &audit.archive_dir,
                    audit.hot_days,
                    audit.retention_days,
                    now_millis(),
                )
                .await?;
            for a in &run.archived {
                println!(
                    "archived #{}..#{} to {}",
                    a.first_seq, a.last_seq, a.file_name
                );
            }
            println!(
                "{} archive(s) written, {} expired file(s) deleted",
                run.archived.len(),
                run.files_expired
            );
            Ok(0)
        }
        #[cfg(feature = "dev-tools")]
        AuditCommand::Seed { events, days } => {
            let now = now_millis();
            let from = now - i64::from(days) * coffer_dlp::calendar::DAY_MS;
            let started = std::time::Instant::now();
            coffer_vault::audit::synthetic::seed(vault.store(), events, from, now, |done| {
                if done % 1_000_000 == 0 {
                    eprintln!("{done} events, {:.0?}", started.elapsed());
                }
            })
            .await?;
            vault.checkpoint_audit().await?;
            println!("seeded {events} events in {:.1?}", started.elapsed());
            Ok(0)
        }
        #[cfg(feature = "dev-tools")]
        AuditCommand::BenchSearch { iterations } => {
            crate::bench::audit_search::run(vault, iterations).await
        }
    }
}
