//! Operating the registered webhook endpoints: the list with each endpoint's queue (for the
//! channel that registered it and for security admins), and disabling one, which stops new
//! events and cancels the deliveries still waiting.

use super::Vault;
use super::webhooks::{ENDPOINT, EndpointView};
use crate::access::{Actor, Grant, ManageWebhookEndpoints};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::store::webhooks::{self, EndpointSummaryRow};
use serde::Serialize;

/// An endpoint with who registered it and its queue (never its secret).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EndpointSummary {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    /// The API key that registered it.
    pub registered_by: String,
    /// Unix seconds; `null` while enabled.
    pub disabled: Option<i64>,
    /// Deliveries waiting for their next try.
    pub pending_deliveries: i64,
    /// Deliveries that failed their last try (replayable while the endpoint is enabled).
    pub failed_deliveries: i64,
}

impl EndpointSummary {
    fn from_row(r: EndpointSummaryRow) -> EndpointSummary {
        EndpointSummary {
            endpoint: EndpointView {
                id: r.id,
                object: "webhook_endpoint",
                url: r.url,
                channel: r.channel,
                created: r.created_at / 1000,
                status: if r.disabled_at.is_some() {
                    "disabled"
                } else {
                    "enabled"
                },
            },
            registered_by: r.client,
            disabled: r.disabled_at.map(|t| t / 1000),
            pending_deliveries: r.pending,
            failed_deliveries: r.dead,
        }
    }
}

/// Whether `actor` may see and disable the endpoint: the key that registered it, a key of its
/// channel, or an OMS-wide key or security admin (the only ones who see all-channel endpoints).
fn visible(actor: &Actor, r: &EndpointSummaryRow) -> bool {
    match actor.channel_filter() {
        None => true,
        Some(own) => r.client == actor.id() || r.channel.as_deref() == Some(own),
    }
}

impl Vault {
    /// Every endpoint the caller may see (a channel's key: its channel's), enabled first. Scope
    /// `webhooks:manage` or permission `api_keys.manage`; audit `webhook_endpoint.list`.
    pub async fn webhook_endpoints(
        &self,
        grant: &Grant<ManageWebhookEndpoints>,
        origin: &Origin,
    ) -> Result<Vec<EndpointSummary>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let mut rows = webhooks::list_endpoints(&mut conn, None).await?;
        drop(conn);
        rows.retain(|r| visible(grant.actor(), r));
        self.audit_alone(&AuditEvent::new(
            grant.actor(),
            "webhook_endpoint.list",
            Outcome::Success,
            origin,
        ))
        .await?;
        Ok(rows.into_iter().map(EndpointSummary::from_row).collect())
    }

    /// Disables endpoint `id`: nothing more is queued for it and what was waiting is cancelled,
    /// in one transaction with the audit event `webhook_endpoint.disable` (failure with
    /// `resource_missing` if there is no such enabled endpoint, answered `NotFound`; denied
    /// `other_channel` for another channel's endpoint, answered the same).
    pub async fn disable_webhook_endpoint(
        &self,
        grant: &Grant<ManageWebhookEndpoints>,
        id: &str,
        origin: &Origin,
    ) -> Result<EndpointSummary, VaultError> {
        let found = {
            let mut conn = self.store.reader().acquire().await?;
            webhooks::list_endpoints(&mut conn, Some(id)).await?
        };
        if found.iter().any(|r| !visible(grant.actor(), r)) {
            let event = super::other_channel_event(
                grant.actor(),
                "webhook_endpoint.disable",
                (ENDPOINT, id),
                origin,
            );
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        }
        let mut tx = self.store.writer().begin().await?;
        let cancelled = webhooks::disable_endpoint(&mut tx, id, crate::clock::now_millis()).await?;
        let (outcome, detail) = match cancelled {
            Some(n) => (
                Outcome::Success,
                serde_json::json!({ "cancelled_deliveries": n }),
            ),
            None => (
                Outcome::Failure,
                serde_json::json!({ "code": "resource_missing" }),
            ),
        };
        AuditEvent::new(grant.actor(), "webhook_endpoint.disable", outcome, origin)
            .resource(ENDPOINT, id)
            .detail(detail)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        if cancelled.is_none() {
            return Err(VaultError::NotFound);
        }
        let mut conn = self.store.reader().acquire().await?;
        webhooks::list_endpoints(&mut conn, Some(id))
            .await?
            .pop()
            .map(EndpointSummary::from_row)
            .ok_or(VaultError::NotFound)
    }
}
