//! Server functions over payment methods: search, a customer's methods, one method with its
//! history, reveal (the single clear path) and delete. Masked data only, except reveal.

use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::model::{CustomerView, MethodDetail, RevealedSecret, SearchResults};

/// Checks a search query (posted, never in a URL until it passes) with the vault's card-number
/// detector and sends the browser to `/search?q=…`, so that a full card number typed into the
/// box, alone or with its security code or expiry, is refused here and never reaches a URL.
/// Permission: none. Audit: none.
#[server(prefix = "/console/api", endpoint = "go_search")]
pub async fn go_search(q: String) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            let q = crate::backend::backend()?.check_search(q).await?;
            leptos_axum::redirect(&format!("/search?q={}", crate::search_query::encode(&q)));
            Ok(())
        }
        .await,
    )
}

/// Finds methods by customer reference, token (`pm_…`), BIN + last 4 or last 4.
/// Permission: `payment_methods.read`. Audit: `payment_method.search`.
#[server(prefix = "/console/api", endpoint = "search")]
pub async fn search(q: String) -> Result<SearchResults, ConsoleError> {
    crate::api::reply(
        async move {
            let q = crate::search_query::check(&q)?;
            crate::backend::backend()?.search(q).await
        }
        .await,
    )
}

/// A page of a customer's timeline: methods stored, status changes, uses with their step-ups,
/// mandates, customer links, webhook deliveries and the audit trail, newest first.
/// `sources` is a comma-separated list of source names (empty: all). Permission:
/// `payment_methods.history`. Audit: `customer.timeline`.
#[server(prefix = "/console/api", endpoint = "customer_timeline")]
pub async fn customer_timeline(
    reference: String,
    sources: String,
    method: String,
    before: String,
) -> Result<crate::model::TimelineView, ConsoleError> {
    crate::api::reply(
        async move {
            let query = crate::model::TimelineQuery {
                reference,
                sources: sources
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                method,
                before,
            };
            crate::backend::backend()?.customer_timeline(query).await
        }
        .await,
    )
}

/// Changes a method's billing details, metadata and nickname (form fields `details[name]`,
/// `details[city]`, …), with a reason code; card-like text is refused on its field.
/// Permission: `payment_methods.edit`. Audit: `payment_method.update` (reason, before, after).
#[server(prefix = "/console/api", endpoint = "edit_payment_method")]
pub async fn edit_payment_method(
    id: String,
    details: crate::model::MethodDetails,
    reason: String,
) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .edit_payment_method(id, details, reason)
                .await
        }
        .await,
    )
}

/// A single-use card-collection link (30 minutes) for a caller to type their card on their own
/// device; the card is stored for channel `call_centre`. Permission: `payment_methods.reverify`.
/// Audit: `customer.card_collection_create` with the reason.
#[server(prefix = "/console/api", endpoint = "issue_card_collection")]
pub async fn issue_card_collection(
    reference: String,
    reason: String,
) -> Result<crate::model::CollectionLink, ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .issue_card_collection(reference, reason)
                .await
        }
        .await,
    )
}

/// A customer's methods. Permission: `payment_methods.read`. Audit: `payment_method.list`.
#[server(prefix = "/console/api", endpoint = "customer")]
pub async fn customer(reference: String) -> Result<CustomerView, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.customer(reference).await }.await)
}

/// One method, masked, with its audit history. Permission: `payment_methods.read` (history:
/// `payment_methods.history`). Audit: `payment_method.read`, `payment_method.history`.
#[server(prefix = "/console/api", endpoint = "payment_method")]
pub async fn payment_method(id: String) -> Result<MethodDetail, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.payment_method(id).await }.await)
}

/// The clear number, once. Permission: `payment_methods.reveal` (granted per person) and a
/// step-up; a reason or ticket is required. Audit: `payment_method.reveal` with the reason,
/// allowed or denied. The response carries `Cache-Control: no-store`.
#[server(prefix = "/console/api", endpoint = "reveal")]
pub async fn reveal_payment_method(
    id: String,
    reason: String,
    code: Option<String>,
) -> Result<RevealedSecret, ConsoleError> {
    crate::api::reply(
        async move { crate::backend::backend()?.reveal(id, reason, code).await }.await,
    )
}

/// Crypto-shreds a method. Permission: `payment_methods.delete` and a step-up.
/// Audit: `payment_method.delete`.
#[server(prefix = "/console/api", endpoint = "delete_payment_method")]
pub async fn delete_payment_method(id: String, code: Option<String>) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            crate::backend::backend()?
                .delete_payment_method(id.clone(), code)
                .await?;
            leptos_axum::redirect(&format!("/payment-methods/{id}"));
            Ok(())
        }
        .await,
    )
}
