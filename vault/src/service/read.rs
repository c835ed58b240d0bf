//! Reading masked payment methods: one by id, or a customer's list. Every read is audited.

use super::{PM, Vault, grant_actor};
use crate::access::{Grant, ReadPaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::model::PaymentMethodView;
use crate::store;

/// One page of a customer's methods.
#[derive(Debug)]
pub struct Page {
    pub data: Vec<PaymentMethodView>,
    pub has_more: bool,
}

impl Vault {
    /// The masked view of one method. Audit: `payment_method.read` (success or failure).
    pub async fn get(
        &self,
        grant: &Grant<ReadPaymentMethod>,
        id: &str,
        origin: &Origin,
    ) -> Result<PaymentMethodView, VaultError> {
        let actor = grant_actor(grant);
        let mut conn = self.store.reader().acquire().await?;
        let row = store::payment_methods::find(&mut conn, id).await?;
        drop(conn);
        let outcome = if row.is_some() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let mut event =
            AuditEvent::new(actor, "payment_method.read", outcome, origin).resource(PM, id);
        if row.is_none() {
            event = event.detail(serde_json::json!({ "code": "resource_missing" }));
        }
        self.audit_alone(&event).await?;
        row.map(|r| PaymentMethodView::from_row(&r))
            .ok_or(VaultError::NotFound)
    }

    /// A customer's methods, oldest first, `limit` (1–100) per page after `starting_after`.
    /// Audit: `payment_method.list` on the customer.
    pub async fn list_for_customer(
        &self,
        grant: &Grant<ReadPaymentMethod>,
        customer: &str,
        starting_after: Option<&str>,
        limit: u32,
        origin: &Origin,
    ) -> Result<Page, VaultError> {
        let actor = grant_actor(grant);
        let limit = i64::from(limit.clamp(1, 100));
        let mut conn = self.store.reader().acquire().await?;
        let cursor = match starting_after {
            Some(id) => match store::payment_methods::find(&mut conn, id).await? {
                Some(row) if row.customer == customer => Some((row.created_at, row.id)),
                _ => return Err(crate::intake::IntakeError::invalid("starting_after").into()),
            },
            None => None,
        };
        let cursor_ref = cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
        let mut rows =
            store::payment_methods::list_by_customer(&mut conn, customer, cursor_ref, limit + 1)
                .await?;
        drop(conn);
        let has_more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(100));
        let event = AuditEvent::new(actor, "payment_method.list", Outcome::Success, origin)
            .resource("customer", customer)
            .detail(serde_json::json!({ "count": rows.len() }));
        self.audit_alone(&event).await?;
        Ok(Page {
            data: rows.iter().map(PaymentMethodView::from_row).collect(),
            has_more,
        })
    }
}
