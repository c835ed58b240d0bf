//! Reading masked payment methods: one by id, or a customer's list. Every read is audited.

use crate::access::{Grant, ReadPaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::service::{PM, Vault, grant_actor};
use crate::store;

/// One page of a customer's methods.
#[derive(Debug)]
pub struct Page {
    pub data: Vec<PaymentMethodView>,
    pub has_more: bool,
}

impl Vault {
    /// The masked view of one method. Audit: `payment_method.read` (success, failure for an
    /// unknown id, denied `other_channel` for another channel's method without `channels:all`,
    /// answered as unknown).
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
        let Some(row) = row else {
            let event = AuditEvent::new(actor, "payment_method.read", Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "resource_missing" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        };
        let cross = self
            .reach(actor, &row.channel, "payment_method.read", (PM, id), origin)
            .await?;
        let event = AuditEvent::new(actor, "payment_method.read", Outcome::Success, origin)
            .resource(PM, id)
            .more_detail(cross);
        self.audit_alone(&event).await?;
        let mut view = PaymentMethodView::from_row(&row);
        let mut conn = self.store.reader().acquire().await?;
        view.psp_tokens = store::psp_tokens::of_method(&mut conn, id)
            .await?
            .into_iter()
            .map(store::psp_tokens::PspTokenRow::shown)
            .collect();
        Ok(view)
    }

    /// A customer's methods, oldest first, `limit` (1–100) per page after `starting_after`:
    /// only the key's own channel's, unless it holds `channels:all`. Audit:
    /// `payment_method.list` on the customer.
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
        let only = actor.channel_filter();
        let mut conn = self.store.reader().acquire().await?;
        let cursor = match starting_after {
            Some(id) => match store::payment_methods::find(&mut conn, id).await? {
                Some(row)
                    if row.customer == customer
                        && only.is_none_or(|channel| channel == row.channel) =>
                {
                    Some((row.created_at, row.id))
                }
                _ => return Err(crate::cde::intake::IntakeError::invalid("starting_after").into()),
            },
            None => None,
        };
        let cursor_ref = cursor.as_ref().map(|(ts, id)| (*ts, id.as_str()));
        let mut rows = store::payment_methods::list_by_customer(
            &mut conn,
            customer,
            only,
            cursor_ref,
            limit + 1,
        )
        .await?;
        drop(conn);
        let has_more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(100));
        let all_channels = only.is_none() && actor.is_api_client();
        let event = AuditEvent::new(actor, "payment_method.list", Outcome::Success, origin)
            .resource("customer", customer)
            .detail(serde_json::json!({ "count": rows.len() }))
            .more_detail(all_channels.then(|| serde_json::json!({ "cross_channel": true })));
        self.audit_alone(&event).await?;
        Ok(Page {
            data: rows.iter().map(PaymentMethodView::from_row).collect(),
            has_more,
        })
    }
}
