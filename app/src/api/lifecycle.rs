//! Lifecycle server functions: the expiry dashboard, re-verification links, the webhook
//! dead-letter list with its replay, and the webhook endpoints.

use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::model::{
    DeadLetterView, ExpiryDashboard, ExpiryQuery, ReverifyLinkView, WebhookEndpointView,
};

/// The expiry dashboard at the current time: counts by bucket, brand and channel, the months
/// ahead, the job's latest runs, and one page of the filtered list. Permission
/// `payment_methods.read`. Audit: `lifecycle.dashboard` and `lifecycle.expiry_list`.
#[server(prefix = "/console/api", endpoint = "expiry_overview")]
pub async fn expiry_overview(
    #[server(flatten)] query: ExpiryQuery,
) -> Result<ExpiryDashboard, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.expiry_dashboard(query).await }.await)
}

/// Issues a single-use re-verification link for a card (shown once, to pass to the customer).
/// Permission `payment_methods.read`. Audit: `payment_method.reverification_create`.
#[server(prefix = "/console/api", endpoint = "issue_reverification")]
pub async fn issue_reverification(id: String) -> Result<ReverifyLinkView, ConsoleError> {
    crate::api::reply(
        async move { crate::backend::backend()?.issue_reverification(id).await }.await,
    )
}

/// Webhook deliveries that failed their last try, newest first. Permission
/// `api_keys.manage`. Audit: `webhook_delivery.list`.
#[server(prefix = "/console/api", endpoint = "dead_letters")]
pub async fn dead_letters() -> Result<Vec<DeadLetterView>, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.dead_letters().await }.await)
}

/// Queues a dead delivery again. Permission `api_keys.manage`. Audit:
/// `webhook_delivery.replay`.
#[server(prefix = "/console/api", endpoint = "replay_delivery")]
pub async fn replay_delivery(id: String) -> Result<(), ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.replay_delivery(id).await }.await)
}

/// The registered webhook endpoints, enabled first, with their queues. Permission
/// `api_keys.manage`. Audit: `webhook_endpoint.list`.
#[server(prefix = "/console/api", endpoint = "webhook_endpoints")]
pub async fn webhook_endpoints() -> Result<Vec<WebhookEndpointView>, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.webhook_endpoints().await }.await)
}

/// Disables an endpoint: no more events, waiting deliveries cancelled. Permission
/// `api_keys.manage`. Audit: `webhook_endpoint.disable`.
#[server(prefix = "/console/api", endpoint = "disable_webhook_endpoint")]
pub async fn disable_webhook_endpoint(id: String) -> Result<WebhookEndpointView, ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .disable_webhook_endpoint(id)
                .await
        }
        .await,
    )
}
