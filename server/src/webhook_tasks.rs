//! The webhook sender: every poll it closes expired step-up challenges (their events join the
//! outbox), then claims due deliveries (a lease in the database, so several
//! nodes can share the outbox), POSTs each signed body to its endpoint, and records the result;
//! failures retry with exponential backoff until the last try, then the delivery is dead.

use coffer_vault::Vault;
use coffer_vault::service::{OutgoingDelivery, RetryPolicy};
use coffer_vault::webhook::SIGNATURE_HEADER;
use std::sync::Arc;
use std::time::Duration;

/// How the sender behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookConfig {
    /// How often due deliveries are looked for.
    pub poll: Duration,
    /// The wait after the first failed try (doubling after each further one).
    pub first_retry: Duration,
    /// Tries before a delivery is dead.
    pub max_attempts: u32,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            poll: Duration::from_secs(1),
            first_retry: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

/// How long one try may take, and so how long a claim is leased for (with a margin).
const TIMEOUT: Duration = Duration::from_secs(10);
const BATCH: u32 = 10;
/// A claim outlives the slowest batch (every try timing out), so no other node takes it meanwhile.
const LEASE: Duration = Duration::from_secs(10 * BATCH as u64 + 30);

/// Starts the sender.
pub fn spawn(vault: Arc<Vault>, config: WebhookConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Coffer-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhook sender could not start");
                return;
            }
        };
        let retry = RetryPolicy {
            first_retry: config.first_retry,
            max_attempts: config.max_attempts,
        };
        let mut tick = tokio::time::interval(config.poll);
        loop {
            tick.tick().await;
            if let Err(e) = vault.expire_open_challenges(100).await {
                tracing::warn!(error = %e, "closing expired step-up challenges failed");
            }
            let due = match vault.claim_webhooks(i64::from(BATCH), LEASE).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    continue;
                }
            };
            for delivery in due {
                let result = send(&client, &delivery).await;
                if let Err(e) = vault.record_webhook_attempt(&delivery, result, retry).await {
                    tracing::warn!(error = %e, delivery = %delivery.id, "recording a webhook try failed");
                }
            }
        }
    })
}

/// One try: any 2xx is delivered; anything else is the error kept on the delivery.
async fn send(client: &reqwest::Client, d: &OutgoingDelivery) -> Result<(), String> {
    let response = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, &d.signature)
        .header("Coffer-Event-Id", &d.event_id)
        .body(d.payload.clone())
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Err("timed out".into()),
        Err(e) if e.is_connect() => Err("connection failed".into()),
        Err(_) => Err("request failed".into()),
    }
}
