//! The compliance officer's audit console: search, one event, the chain's status, the review
//! queue and marking a flag reviewed (`audit.read`), and the signed export (also a step-up).
//! Filters are checked here (dates, outcome, cursor, no card numbers) and read into the vault's
//! `AuditFilter`; a staff email typed as the actor becomes the account id.

use super::audit_views::{self, Labels};
use super::errors::map;
use super::{Req, VaultBackend};
use async_trait::async_trait;
use coffer_app::audit_query::{self, parse_before};
use coffer_app::backend::AuditBackend;
use coffer_app::model::{
    AuditEventDetail, AuditQuery, AuditResults, ChainStatusView, FlagView, ReviewQueue,
};
use coffer_app::{ConsoleError, ErrorCode};
use coffer_dlp::calendar::parse_time;
use coffer_vault::access::{Action, ExportAuditLog, Grant, ReadAuditLog, ReviewAuditFlag};
use coffer_vault::audit::AuditFilter;
use coffer_vault::audit::export::ExportFormat;
use coffer_vault::service::SignedExport;

/// The longest review note.
pub const NOTE_MAX: usize = 500;

/// The app's checks, then the vault's own card-number detector on every field.
fn checked(query: &AuditQuery) -> Result<AuditQuery, ConsoleError> {
    let query = audit_query::check(query)?;
    for (name, value) in query.fields() {
        if coffer_dlp::contains_card_number(value) {
            return Err(ConsoleError::field(
                name,
                "Full card numbers are not accepted here, and the audit log never holds one.",
            ));
        }
    }
    Ok(query)
}

/// A review note: trimmed, 1 to 500 characters, no control characters but line breaks and
/// tabs, no card number (it is stored in clear and becomes the audit event's reason).
fn review_note(note: &str) -> Result<String, ConsoleError> {
    let note = note.trim();
    let refuse = |message: &str| Err(ConsoleError::field("note", message));
    if note.is_empty() {
        return refuse("Write what you checked and concluded before marking the flag reviewed.");
    }
    if note.chars().count() > NOTE_MAX {
        return refuse("A note is at most 500 characters.");
    }
    if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return refuse("The note contains control characters.");
    }
    if coffer_dlp::contains_card_number(note) {
        return refuse("Full card numbers are not accepted in notes.");
    }
    Ok(note.to_owned())
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

impl VaultBackend {
    /// The vault's filter for a checked query: dates as unix ms (a date alone as `to` includes
    /// that day), a staff email as its account id.
    async fn filter<A: Action>(
        &self,
        grant: &Grant<A>,
        q: &AuditQuery,
    ) -> Result<AuditFilter, ConsoleError> {
        let actor = match q.actor.as_str() {
            "" => None,
            text => Some(self.vault.resolve_actor(grant, text).await.map_err(map)?),
        };
        Ok(AuditFilter {
            from: parse_time(&q.from, false),
            to: parse_time(&q.to, true),
            actor_id: actor,
            action: optional(&q.action),
            resource_id: optional(&q.resource),
            outcome: optional(&q.outcome),
            origin_ip: optional(&q.ip),
            reason: optional(&q.reason),
        })
    }

    /// Emails of the staff members among `ids` (flag subjects may be addresses or key ids: only
    /// staff account ids, `usr_…`, are looked up).
    async fn staff_labels<A: Action>(
        &self,
        grant: &Grant<A>,
        ids: &[&str],
    ) -> Result<Labels, ConsoleError> {
        let staff: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| id.starts_with("usr_"))
            .collect();
        self.vault.staff_emails(grant, &staff).await.map_err(map)
    }

    /// The signed export for the download route: the step-up `code` first if one was typed,
    /// then `audit.export` (permission and a fresh step-up), then the filter (its paging cursor
    /// ignored) and the format. Audit: `audit.export` with the filter, count and digest.
    pub(in crate::console) async fn do_export(
        &self,
        req: Req,
        query: AuditQuery,
        format: &str,
        code: Option<String>,
    ) -> Result<SignedExport, ConsoleError> {
        let mut who = self.signed_in_from(req).await?;
        let grant = self
            .authorize_with::<ExportAuditLog>(&mut who, code, None)
            .await?;
        let query = checked(&query.first_page())?;
        let format = ExportFormat::parse(format.trim())
            .ok_or_else(|| ConsoleError::field("format", "Choose CSV or JSON Lines."))?;
        let filter = self.filter(&grant, &query).await?;
        self.vault
            .export_audit(&grant, &filter, format, &who.req.origin)
            .await
            .map_err(map)
    }
}

#[async_trait]
impl AuditBackend for VaultBackend {
    async fn audit_search(&self, query: AuditQuery) -> Result<AuditResults, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadAuditLog>(&mut who, None, None)
            .await?;
        let query = checked(&query)?;
        let filter = self.filter(&grant, &query).await?;
        let page = self
            .vault
            .search_audit(
                &grant,
                &filter,
                parse_before(&query.before),
                &who.req.origin,
            )
            .await
            .map_err(map)?;
        let staff: Vec<&str> = page
            .events
            .iter()
            .filter(|e| e.event.actor_type == "staff")
            .map(|e| e.event.actor_id.as_str())
            .collect();
        let labels = self.staff_labels(&grant, &staff).await?;
        Ok(AuditResults {
            events: page
                .events
                .iter()
                .map(|e| audit_views::row(e, &labels))
                .collect(),
            next_before: page.next_before,
            query,
        })
    }

    async fn audit_event(&self, seq: i64) -> Result<AuditEventDetail, ConsoleError> {
        let mut who = self.signed_in().await?;
        let seq_text = seq.to_string();
        let grant = self
            .authorize_with::<ReadAuditLog>(&mut who, None, Some(("audit_event", &seq_text)))
            .await?;
        let event = self
            .vault
            .audit_event(&grant, seq, &who.req.origin)
            .await
            .map_err(|e| match map(e) {
                err if err.code == ErrorCode::NotFound => {
                    ConsoleError::new(ErrorCode::NotFound, "No audit event has this number.")
                }
                err => err,
            })?;
        let labels = self
            .staff_labels(&grant, &[event.event.actor_id.as_str()])
            .await?;
        Ok(audit_views::detail(&event, &labels))
    }

    async fn audit_status(&self) -> Result<ChainStatusView, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadAuditLog>(&mut who, None, None)
            .await?;
        let status = self.vault.chain_status(&grant).await.map_err(map)?;
        Ok(audit_views::chain(&status))
    }

    async fn audit_flags(&self, open_only: bool) -> Result<ReviewQueue, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadAuditLog>(&mut who, None, None)
            .await?;
        let (flags, days) = self
            .vault
            .audit_flags(&grant, open_only, &who.req.origin)
            .await
            .map_err(map)?;
        let mut ids: Vec<&str> = Vec::new();
        for f in &flags {
            ids.push(&f.subject);
            ids.extend(f.reviewed_by.as_deref());
        }
        let labels = self.staff_labels(&grant, &ids).await?;
        let mut flags: Vec<_> = flags
            .iter()
            .map(|f| audit_views::flag(f, &labels))
            .collect();
        // Open flags first, the most urgent first; otherwise the vault's order (newest first).
        flags.sort_by_key(|f| (f.reviewed_at.is_some(), audit_views::urgency(&f.severity)));
        Ok(ReviewQueue {
            flags,
            open_days: audit_views::open_days(&days),
            open_only,
        })
    }

    async fn review_flag(&self, id: String, note: String) -> Result<FlagView, ConsoleError> {
        let mut who = self.signed_in().await?;
        let id = id.trim().to_owned();
        let grant = self
            .authorize_with::<ReviewAuditFlag>(&mut who, None, Some(("audit_flag", &id)))
            .await?;
        let note = review_note(&note)?;
        let flag = self
            .vault
            .review_flag(&grant, &id, &note, &who.req.origin)
            .await
            .map_err(|e| match map(e) {
                err if err.code == ErrorCode::NotFound => ConsoleError::new(
                    ErrorCode::NotFound,
                    "This flag does not exist or was already reviewed.",
                ),
                err => err,
            })?;
        let mut ids = vec![flag.subject.as_str()];
        ids.extend(flag.reviewed_by.as_deref());
        let labels = self.staff_labels(&grant, &ids).await?;
        Ok(audit_views::flag(&flag, &labels))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_note_is_required_bounded_and_free_of_card_numbers() {
        assert_eq!(
            review_note("  checked, ticket 12 \n").unwrap(),
            "checked, ticket 12"
        );
        for bad in [
            "",
            "   \n ",
            &"x".repeat(501),
            "bell\u{7}",
            "customer read 4242 4242 4242 4242 to me",
        ] {
            let err = review_note(bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("note"), "{bad:?}");
            assert!(!err.message.contains("4242"));
        }
        assert!(review_note(&"é".repeat(500)).is_ok());
        assert!(review_note("line one\nline two\tok").is_ok());
    }

    #[test]
    fn filters_refuse_card_numbers_with_the_vaults_detector_too() {
        let q = AuditQuery {
            resource: "5555-5555-5555-4444".into(),
            ..AuditQuery::default()
        };
        assert_eq!(checked(&q).unwrap_err().field.as_deref(), Some("resource"));
    }
}
