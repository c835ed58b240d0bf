//! The lifecycle scheduler: every interval it runs the vault's lifecycle job at the wall clock.
//! Nodes sharing a database take turns through the job's lease; a run that finds the lease
//! taken does nothing.

use coffer_vault::Vault;
use std::sync::Arc;
use std::time::Duration;

/// Starts the scheduler (first run one minute after start, so a restart loop cannot hammer
/// the database).
pub fn spawn(vault: Arc<Vault>, interval: Duration) -> tokio::task::JoinHandle<()> {
    let node = coffer_vault::token::random_id("node");
    tokio::spawn(async move {
        let first = tokio::time::Instant::now() + interval.min(Duration::from_secs(60));
        let mut tick = tokio::time::interval_at(first, interval);
        loop {
            tick.tick().await;
            let now = coffer_vault::clock::now_millis();
            match vault.run_lifecycle(&node, now).await {
                Ok(Some(run)) => {
                    tracing::info!(run = %run.id, counts = ?run.counts, "lifecycle run")
                }
                Ok(None) => tracing::debug!("lifecycle run skipped: another node holds the lease"),
                Err(e) => tracing::error!(error = %e, "lifecycle run failed"),
            }
        }
    })
}
