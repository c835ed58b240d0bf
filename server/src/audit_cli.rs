//! `coffer audit …`: verify the chain, sign a checkpoint, print the public key, check an export,
//! run the daily review or retention by hand, and the benchmark's seeding and search timing.

use crate::audit_config::AuditConfig;
use crate::cli::AuditCommand;
use anyhow::Context;
use coffer_vault::access::{Actor, ReadAuditLog, Role};
use coffer_vault::audit::{Origin, export, signing, synthetic};
use coffer_vault::clock::now_millis;
use coffer_vault::store::audit_search::AuditFilter;
use coffer_vault::{Vault, VaultConfig};
use std::time::Instant;

use coffer_dlp::calendar::DAY_MS;

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
        AuditCommand::Seed { events, days } => {
            let now = now_millis();
            let from = now - i64::from(days) * DAY_MS;
            let started = Instant::now();
            synthetic::seed(vault.store(), events, from, now, |done| {
                if done % 1_000_000 == 0 {
                    eprintln!("{done} events, {:.0?}", started.elapsed());
                }
            })
            .await?;
            vault.checkpoint_audit().await?;
            println!("seeded {events} events in {:.1?}", started.elapsed());
            Ok(0)
        }
        AuditCommand::BenchSearch { iterations } => bench_search(vault, iterations).await,
    }
}

/// Times each representative filter as the console runs it (the search, its own audit event
/// group-committed to the chain), `iterations` times, and prints a Markdown table.
async fn bench_search(vault: &Vault, iterations: u32) -> anyhow::Result<i32> {
    let officer = crate::cli::bench_staff(vault, Role::ComplianceOfficer).await?;
    let origin = Origin::default();
    let grant = vault
        .authorize::<ReadAuditLog>(&officer, &origin, None)
        .await?;
    let now = now_millis();
    let created = AuditFilter {
        action: Some("payment_method.create".into()),
        ..AuditFilter::default()
    };
    let newest = vault.search_audit(&grant, &created, None, &origin).await?;
    let resource = newest
        .events
        .iter()
        .find_map(|e| e.event.resource_id.clone())
        .unwrap_or_default();
    let deep = {
        let filter = AuditFilter {
            actor_id: Some("usr_agent007".into()),
            ..AuditFilter::default()
        };
        let mut before = None;
        for _ in 0..5 {
            before = vault
                .search_audit(&grant, &filter, before, &origin)
                .await?
                .next_before;
        }
        before
    };
    let f = AuditFilter::default;
    let cases: Vec<(&str, AuditFilter, Option<i64>)> = vec![
        ("no filter (newest 50)", f(), None),
        (
            "actor (one agent)",
            AuditFilter {
                actor_id: Some("usr_agent007".into()),
                ..f()
            },
            None,
        ),
        (
            "actor, 6th page (keyset)",
            AuditFilter {
                actor_id: Some("usr_agent007".into()),
                ..f()
            },
            deep,
        ),
        (
            "denied reveals",
            AuditFilter {
                action: Some("payment_method.reveal".into()),
                outcome: Some("denied".into()),
                ..f()
            },
            None,
        ),
        (
            "event type prefix staff.*",
            AuditFilter {
                action: Some("staff.*".into()),
                ..f()
            },
            None,
        ),
        (
            "resource (one method)",
            AuditFilter {
                resource_id: Some(resource),
                ..f()
            },
            None,
        ),
        (
            "origin IP",
            AuditFilter {
                origin_ip: Some("10.1.7.42".into()),
                ..f()
            },
            None,
        ),
        (
            "one day 30 days ago + sign-in failures",
            AuditFilter {
                from: Some(now - 30 * DAY_MS),
                to: Some(now - 29 * DAY_MS),
                action: Some("staff.sign_in".into()),
                outcome: Some("failure".into()),
                ..f()
            },
            None,
        ),
        (
            "reason text, last 7 days",
            AuditFilter {
                from: Some(now - 7 * DAY_MS),
                reason: Some("fraud".into()),
                ..f()
            },
            None,
        ),
        (
            "actor + reason text",
            AuditFilter {
                actor_id: Some("usr_agent042".into()),
                reason: Some("chargeback".into()),
                ..f()
            },
            None,
        ),
        (
            "failures, whole log",
            AuditFilter {
                outcome: Some("failure".into()),
                ..f()
            },
            None,
        ),
    ];
    let head = vault.store().reader().acquire().await;
    let events = match head {
        Ok(mut c) => coffer_vault::store::audit::head(&mut c).await?.seq,
        Err(_) => 0,
    };
    println!("| query ({events} events) | rows | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, filter, before) in cases {
        let mut times = Vec::with_capacity(iterations as usize);
        let mut rows = 0;
        for _ in 0..iterations {
            let started = Instant::now();
            let page = vault.search_audit(&grant, &filter, before, &origin).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = page.events.len();
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "| {name} | {rows} | {:.2} | {:.2} | {:.2} |",
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
    Ok(0)
}
