//! Webhooks in the console (security admins, `api_keys.manage`): the registered endpoints with
//! their queues and disabling one, and the dead-letter list with replay.

use super::errors::map;
use super::{VaultBackend, views};
use async_trait::async_trait;
use coffer_app::backend::WebhooksBackend;
use coffer_app::model::{DeadLetterView, WebhookEndpointView};
use coffer_app::{ConsoleError, ErrorCode};
use coffer_vault::access::{ManageWebhookDeliveries, ManageWebhookEndpoints};
use coffer_vault::service::EndpointSummary;

fn endpoint_view(e: EndpointSummary) -> WebhookEndpointView {
    WebhookEndpointView {
        id: e.endpoint.id,
        url: e.endpoint.url,
        channel: e.endpoint.channel.unwrap_or_default(),
        registered_by: e.registered_by,
        created_at: views::rfc3339(e.endpoint.created * 1000),
        disabled_at: e.disabled.map(|t| views::rfc3339(t * 1000)),
        pending: e.pending_deliveries,
        failed: e.failed_deliveries,
    }
}

#[async_trait]
impl WebhooksBackend for VaultBackend {
    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageWebhookEndpoints>(&mut who, None, None)
            .await?;
        let found = self
            .vault
            .webhook_endpoints(&grant, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(found.into_iter().map(endpoint_view).collect())
    }

    async fn disable_webhook_endpoint(
        &self,
        id: String,
    ) -> Result<WebhookEndpointView, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageWebhookEndpoints>(
                &mut who,
                None,
                Some(("webhook_endpoint", &id)),
            )
            .await?;
        self.vault
            .disable_webhook_endpoint(&grant, &id, &who.req.origin)
            .await
            .map(endpoint_view)
            .map_err(|e| match map(e) {
                err if err.code == ErrorCode::NotFound => ConsoleError::new(
                    ErrorCode::NotFound,
                    "This endpoint is not enabled any more (already disabled?).",
                ),
                err => err,
            })
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetterView>, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageWebhookDeliveries>(&mut who, None, None)
            .await?;
        let found = self
            .vault
            .dead_letters(&grant, 200, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(found
            .into_iter()
            .map(|d| DeadLetterView {
                id: d.id,
                url: d.url,
                event_type: d.event_type,
                event_id: d.event_id,
                attempts: d.attempts,
                last_error: d.last_error.unwrap_or_default(),
                created_at: views::rfc3339(d.created_at),
                died_at: views::rfc3339(d.died_at),
            })
            .collect())
    }

    async fn replay_delivery(&self, id: String) -> Result<(), ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ManageWebhookDeliveries>(
                &mut who,
                None,
                Some(("webhook_delivery", &id)),
            )
            .await?;
        self.vault
            .replay_dead_letter(&grant, &id, &who.req.origin)
            .await
            .map_err(|e| match map(e) {
                err if err.code == ErrorCode::NotFound => ConsoleError::new(
                    ErrorCode::NotFound,
                    "This delivery is not in the dead-letter list any more (already replayed?).",
                ),
                err => err,
            })
    }
}
