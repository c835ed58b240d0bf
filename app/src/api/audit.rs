//! Server functions of the compliance officer's audit console: the filter form's redirect,
//! search, one event, the chain's status, the daily review queue and marking a flag reviewed.
//! The signed export is a plain download route of the server (`POST /console/audit/export`).

use leptos::prelude::*;

use crate::error::ConsoleError;
use crate::model::{
    AuditEventDetail, AuditQuery, AuditResults, ChainStatusView, FlagView, ReviewQueue,
};

/// Checks the filter form and sends the browser to `/console/audit?…`, so that a card number or
/// a malformed date is refused beside its field before anything reaches a URL.
/// Permission: none (the page it leads to checks). Audit: none.
#[server(prefix = "/console/api", endpoint = "go_audit")]
pub async fn go_audit(#[server(flatten)] query: AuditQuery) -> Result<(), ConsoleError> {
    crate::api::reply(
        async move {
            let query = crate::audit_query::check(&query)?;
            leptos_axum::redirect(&query.first_page().href());
            Ok(())
        }
        .await,
    )
}

/// A page of audit events matching the filter, newest first (50 a page, keyset paging on the
/// sequence number). Permission: `audit.read`. Audit: `audit.search` with the filter.
#[server(prefix = "/console/api", endpoint = "audit_search")]
pub async fn audit_search(
    #[server(flatten)] query: AuditQuery,
) -> Result<AuditResults, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.audit_search(query).await }.await)
}

/// One audit event with every field and its chain links. Permission: `audit.read`.
/// Audit: `audit.read`.
#[server(prefix = "/console/api", endpoint = "audit_event")]
pub async fn audit_event(seq: i64) -> Result<AuditEventDetail, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.audit_event(seq).await }.await)
}

/// The hash chain's head, last checkpoint, last verification and archives.
/// Permission: `audit.read`. Audit: none (it shows no event content).
#[server(prefix = "/console/api", endpoint = "audit_status")]
pub async fn audit_status() -> Result<ChainStatusView, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.audit_status().await }.await)
}

/// The daily review queue: flags (only unreviewed ones when `open_only`) and the days that
/// still have unreviewed flags. Permission: `audit.read`. Audit: `audit.flags`.
#[server(prefix = "/console/api", endpoint = "audit_flags")]
pub async fn audit_flags(open_only: bool) -> Result<ReviewQueue, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.audit_flags(open_only).await }.await)
}

/// Marks a flag reviewed with a note (required, at most 500 characters). Permission:
/// `audit.read`. Audit: `audit.flag_review` with the note as its reason.
#[server(prefix = "/console/api", endpoint = "review_flag")]
pub async fn review_flag(id: String, note: String) -> Result<FlagView, ConsoleError> {
    crate::api::reply(async move { crate::backend::backend()?.review_flag(id, note).await }.await)
}
