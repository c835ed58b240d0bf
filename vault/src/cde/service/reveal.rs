//! Reveal: the single path that returns a full PAN (or IBAN, account number). It needs the
//! reveal grant and a reason, and the audit event is committed before the secret is returned.

use crate::access::{Grant, RevealPaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::cde::model::RevealedBody;
use crate::error::VaultError;
use crate::service::{PM, Vault, grant_actor};
use crate::store;
use coffer_dlp::contains_card_number;

/// Checks a reveal reason: 3–500 characters, no control characters, nothing card-like.
fn check_reason(reason: &str) -> Result<&str, IntakeError> {
    let reason = reason.trim();
    if reason.chars().count() < 3 {
        return Err(IntakeError::missing("reason"));
    }
    if reason.chars().count() > 500
        || reason.chars().any(char::is_control)
        || contains_card_number(reason)
    {
        return Err(IntakeError::invalid("reason"));
    }
    Ok(reason)
}

impl Vault {
    /// Decrypts and returns a method's secret details. When the reveal is for a use (`use_id`),
    /// that use must be this method's, approved (its step-up passed, or none was needed), made by
    /// the same API client, at most ten minutes old, and not revealed before. Audit:
    /// `payment_method.reveal` with the reason (success), failure (`resource_missing`,
    /// `shredded`, `invalid_reason`, `use_not_approved`), or denied `other_channel` (another
    /// channel's method without `channels:all`, answered as unknown).
    pub async fn reveal(
        &self,
        grant: &Grant<RevealPaymentMethod>,
        id: &str,
        reason: &str,
        use_id: Option<&str>,
        origin: &Origin,
    ) -> Result<RevealedBody, VaultError> {
        let actor = grant_actor(grant);
        let failure = |code: &'static str| {
            AuditEvent::new(actor, "payment_method.reveal", Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": code }))
        };
        let reason = match check_reason(reason) {
            Ok(r) => r,
            Err(e) => {
                self.audit_alone(&failure("invalid_reason")).await?;
                return Err(e.into());
            }
        };
        let channel = actor.is_api_client();
        if channel && use_id.is_none() && self.customer.reveal_requires_use {
            self.audit_alone(&failure("use_required")).await?;
            return Err(IntakeError::missing("use").into());
        }
        if let Some(use_id) = use_id
            && !self.spend_use_for_reveal(actor, id, use_id).await?
        {
            let event = failure("use_not_approved").detail(serde_json::json!({
                "code": "use_not_approved", "use": crate::service::uses::shown_id(use_id),
            }));
            self.audit_alone(&event).await?;
            return Err(VaultError::UseNotApproved);
        }
        let mut conn = self.store.reader().acquire().await?;
        let row = store::payment_methods::find(&mut conn, id).await?;
        drop(conn);
        let Some(row) = row else {
            self.audit_alone(&failure("resource_missing")).await?;
            return Err(VaultError::NotFound);
        };
        let cross = self
            .reach(
                actor,
                &row.channel,
                "payment_method.reveal",
                (PM, id),
                origin,
            )
            .await?;
        let clear = match self.open_stored(&row.id, super::Stored::of(&row)).await {
            Ok(Some(clear)) => clear,
            Ok(None) => {
                self.audit_alone(&failure("shredded")).await?;
                return Err(VaultError::Shredded);
            }
            Err(VaultError::Seal(e)) => {
                self.audit_alone(&failure("decryption_failed")).await?;
                return Err(e.into());
            }
            Err(e) => return Err(e),
        };
        let body = RevealedBody::build(&row.id, &row.kind, &clear);
        let mut event = AuditEvent::new(actor, "payment_method.reveal", Outcome::Success, origin)
            .resource(PM, &row.id)
            .reason(reason);
        if let Some(use_id) = use_id {
            event = event.detail(serde_json::json!({ "use": use_id }));
        }
        self.audit_alone(&event.more_detail(cross)).await?;
        Ok(body)
    }
}
