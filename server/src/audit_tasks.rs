//! The audit log's background work in a running server: sign the chain head every minute, run
//! the daily review rules every hour (today and yesterday), verify the whole chain daily, and
//! apply retention daily. Failures are logged at error level (PCI DSS 10.7: a failing security
//! control must be noticed) and retried on the next tick.

use crate::audit_config::AuditConfig;
use coffer_vault::Vault;
use coffer_vault::access::Actor;
use coffer_vault::audit::Origin;
use coffer_vault::clock::now_millis;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const REVIEW_EVERY: Duration = Duration::from_secs(3600);
const DAILY: Duration = Duration::from_secs(86_400);
use coffer_dlp::calendar::DAY_MS;

fn every<F, Fut>(period: Duration, first_delay: Duration, mut job: F) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        tokio::time::sleep(first_delay).await;
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            job().await;
        }
    })
}

/// Starts the tasks; abort the handles to stop them.
pub fn spawn(vault: Arc<Vault>, config: &AuditConfig) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    let v = vault.clone();
    tasks.push(every(
        config.checkpoint_interval,
        Duration::ZERO,
        move || {
            let v = v.clone();
            async move {
                if let Err(e) = v.checkpoint_audit().await {
                    tracing::error!(error = %e, "audit checkpoint could not be signed");
                }
            }
        },
    ));
    let (v, rules) = (vault.clone(), config.review.clone());
    tasks.push(every(REVIEW_EVERY, Duration::from_secs(5), move || {
        let (v, rules) = (v.clone(), rules.clone());
        async move {
            let now = now_millis();
            for at in [now - DAY_MS, now] {
                match v.review_day(at, &rules).await {
                    Ok(flags) if !flags.is_empty() => {
                        tracing::warn!(flags = flags.len(), "daily review raised audit flags")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "daily audit review failed"),
                }
            }
        }
    }));
    let (v, dir) = (vault.clone(), config.archive_dir.clone());
    tasks.push(every(DAILY, Duration::from_secs(60), move || {
        let (v, dir) = (v.clone(), dir.clone());
        async move {
            match v
                .verify_audit(&Actor::SERVICE, &dir, &Origin::default())
                .await
            {
                Ok(r) if r.ok() => {
                    tracing::info!(events = r.events_checked, "audit chain verified")
                }
                Ok(r) => tracing::error!(
                    problem = %r.problem.map(|p| p.to_string()).unwrap_or_default(),
                    "AUDIT CHAIN VERIFICATION FAILED"
                ),
                Err(e) => tracing::error!(error = %e, "audit chain verification could not run"),
            }
        }
    }));
    let (v, c) = (vault, config.clone());
    tasks.push(every(DAILY, Duration::from_secs(120), move || {
        let (v, c) = (v.clone(), c.clone());
        async move {
            let run = v
                .apply_audit_retention(&c.archive_dir, c.hot_days, c.retention_days, now_millis())
                .await;
            match run {
                Ok(r) => tracing::info!(
                    archives = r.archived.len(),
                    files_expired = r.files_expired,
                    "audit retention applied"
                ),
                Err(e) => tracing::error!(error = %e, "audit retention failed"),
            }
        }
    }));
    tasks
}
