//! Browser reports of content blocked on Coffer's pages (the customer payment pages and the
//! console), kept in the audit log for the daily review (PCI DSS 11.6.1: tampering with a
//! payment page as the customer's browser received it is detected and followed up).

use super::Vault;
use crate::access::Actor;
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::customer::csp;
use crate::error::VaultError;

impl Vault {
    /// The route of our page a violation report is about (`/c/reverify`, `/console`, …), if it
    /// is one about our pages: what per-page budgets are kept by. Nothing else of the report.
    pub fn page_of_violation(&self, body: &[u8]) -> Option<String> {
        csp::parse_report(body).map(|v| v.page)
    }

    /// Records that violation reports were dropped over a budget this minute (once a minute at
    /// most, by the caller): `page.csp_reports_dropped`, so a flood meant to hide a skimmer's
    /// reports is itself on the record.
    pub async fn record_dropped_violations(
        &self,
        budget: &'static str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let event = AuditEvent::new(
            &Actor::ANONYMOUS,
            "page.csp_reports_dropped",
            Outcome::Denied,
            origin,
        )
        .detail(serde_json::json!({ "budget": budget }));
        self.audit_alone(&event).await
    }

    /// Records a Content Security Policy violation report (the raw body the browser sent) as
    /// `page.csp_violation`: anonymous (anyone can send one), outcome `denied` (the
    /// browser blocked it), resource the page's route, detail the directive and the blocked
    /// origin. Returns false, recording nothing, if the body is not a report about our pages.
    pub async fn record_page_violation(
        &self,
        body: &[u8],
        origin: &Origin,
    ) -> Result<bool, VaultError> {
        let Some(v) = csp::parse_report(body) else {
            return Ok(false);
        };
        let event = AuditEvent::new(
            &Actor::ANONYMOUS,
            "page.csp_violation",
            Outcome::Denied,
            origin,
        )
        .resource("page", &v.page)
        .detail(serde_json::json!({ "directive": v.directive, "blocked": v.blocked }));
        self.audit_alone(&event).await?;
        Ok(true)
    }
}
