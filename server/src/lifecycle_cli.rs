//! `coffer lifecycle …`: run the job once, and the expiry dashboard's benchmark (synthetic
//! seeding and timing of the dashboard's calls).

use crate::cli::LifecycleCommand;
use anyhow::Context;
use coffer_vault::clock::now_millis;
use coffer_vault::{Vault, VaultConfig};

/// Unix ms of an RFC 3339 time, or now.
fn at_or_now(at: Option<&str>) -> anyhow::Result<i64> {
    match at {
        Some(t) => {
            let t = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .context("--at must be an RFC 3339 time")?;
            Ok(i64::try_from(t.unix_timestamp_nanos() / 1_000_000)?)
        }
        None => Ok(now_millis()),
    }
}

/// Runs one `coffer lifecycle` command.
pub async fn run(command: LifecycleCommand, vault_config: VaultConfig) -> anyhow::Result<()> {
    let vault = Vault::open(&vault_config).await?;
    let done = run_with(&vault, command).await;
    vault.close().await;
    done
}

async fn run_with(vault: &Vault, command: LifecycleCommand) -> anyhow::Result<()> {
    match command {
        LifecycleCommand::Run { at } => {
            let now = at_or_now(at.as_deref())?;
            match vault.run_lifecycle("coffer-cli", now).await? {
                Some(run) => println!("{} {}", run.id, serde_json::to_string(&run.counts)?),
                None => println!("another node is running the lifecycle job; nothing done"),
            }
        }
        #[cfg(feature = "dev-tools")]
        LifecycleCommand::Seed { count } => {
            let started = std::time::Instant::now();
            let report = coffer_vault::lifecycle::synthetic::seed(
                vault.store(),
                vault.keys().current().id(),
                count,
                now_millis(),
                vault.lifecycle_policy().window_days(),
                |done| {
                    if done % 200_000 == 0 {
                        eprintln!("{done} methods, {:.0?}", started.elapsed());
                    }
                },
            )
            .await?;
            println!(
                "seeded {} methods of {} customers in {:.1?}",
                report.methods,
                report.customers,
                started.elapsed()
            );
        }
        #[cfg(feature = "dev-tools")]
        LifecycleCommand::BenchDashboard { runs, at } => {
            crate::bench::expiry::dashboard(vault, runs.max(1), at_or_now(at.as_deref())?).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn at_is_rfc3339_or_now() {
        assert_eq!(
            at_or_now(Some("2026-12-01T00:00:00Z")).unwrap(),
            1_796_083_200_000
        );
        assert!(at_or_now(Some("tomorrow")).is_err());
        assert!(at_or_now(None).unwrap() > 1_796_083_200_000 - 86_400_000 * 365);
    }
}
