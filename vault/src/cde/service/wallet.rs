//! The customer's wallet for rapid checkout: a default method, and the usable methods listed
//! masked, the default first and then by most recent use.

use crate::access::{Grant, Reach, ReadPaymentMethod, SetDefaultPaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::{CustomerRef, IntakeError};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::lifecycle;
use crate::service::{PM, Vault};
use crate::store::{self, customers};

/// A method as the checkout lists it.
#[derive(Debug, Clone)]
pub struct WalletMethod {
    pub view: PaymentMethodView,
    pub default: bool,
}

impl Vault {
    /// Makes `id` the customer's default method on its channel (it must be theirs, usable, and
    /// the key's channel's unless the key is OMS-wide). Scope `payment_methods:write`; audit
    /// `payment_method.default_set` (denied `other_channel` for another channel's method,
    /// answered as unknown).
    pub async fn set_default_method(
        &self,
        grant: &Grant<SetDefaultPaymentMethod>,
        customer: &str,
        id: &str,
        origin: &Origin,
    ) -> Result<PaymentMethodView, VaultError> {
        let customer =
            CustomerRef::parse(customer).ok_or_else(|| IntakeError::invalid("customer"))?;
        let action = "payment_method.default_set";
        let mut tx = self.store.writer().begin().await?;
        let method = store::payment_methods::find(&mut tx, id)
            .await?
            .filter(|m| m.customer == customer.as_str());
        if method
            .as_ref()
            .is_some_and(|m| grant.actor().reach(&m.channel) == Reach::Hidden)
        {
            crate::service::other_channel_event(grant.actor(), action, (PM, id), origin)
                .write(&mut tx)
                .await?;
            tx.commit().await?;
            return Err(VaultError::NotFound);
        }
        let Some(method) = method.filter(|m| lifecycle::usable(&m.status)) else {
            AuditEvent::new(grant.actor(), action, Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "resource_missing" }))
                .write(&mut tx)
                .await?;
            tx.commit().await?;
            return Err(VaultError::NotFound);
        };
        let now = crate::clock::now_millis();
        customers::set_default_method(&mut tx, customer.as_str(), &method.channel, id, now).await?;
        AuditEvent::new(grant.actor(), action, Outcome::Success, origin)
            .resource(PM, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(PaymentMethodView::from_row(&method))
    }

    /// The customer's usable methods (active or expiring) of the key's channel (every channel's
    /// with `channels:all`), masked: the default first, then by latest use (or re-verification,
    /// or creation). Scope `payment_methods:read`; audit `payment_method.read` with `wallet: true`.
    pub async fn wallet(
        &self,
        grant: &Grant<ReadPaymentMethod>,
        customer: &str,
        origin: &Origin,
    ) -> Result<Vec<WalletMethod>, VaultError> {
        let customer =
            CustomerRef::parse(customer).ok_or_else(|| IntakeError::invalid("customer"))?;
        let only = grant.actor().channel_filter();
        let mut conn = self.store.reader().acquire().await?;
        let defaults = customers::default_methods(&mut conn, customer.as_str(), only).await?;
        let rows = store::payment_methods::list_usable(&mut conn, customer.as_str(), only).await?;
        drop(conn);
        let mut out: Vec<WalletMethod> = rows
            .iter()
            .map(|r| WalletMethod {
                view: PaymentMethodView::from_row(r),
                default: defaults.contains(&r.id),
            })
            .collect();
        // Stable: the rest keep their recency order.
        out.sort_by_key(|m| !m.default);
        self.audit_alone(
            &AuditEvent::new(
                grant.actor(),
                "payment_method.read",
                Outcome::Success,
                origin,
            )
            .detail(serde_json::json!({ "wallet": true, "customer": customer.as_str() }))
            .more_detail(
                (only.is_none() && grant.actor().is_api_client())
                    .then(|| serde_json::json!({ "cross_channel": true })),
            ),
        )
        .await?;
        Ok(out)
    }
}
