//! Staff edits of a method's non-secret details (billing details, metadata, nickname): checked
//! like intake, written with an audit event that holds the reason and the values before and
//! after (never card data: none of these fields may hold any), and announced to the method's
//! channel as `payment_method.updated`.

use crate::access::{EditPaymentMethod, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::{DetailsEdit, EditReason};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::service::{PM, Vault, grant_actor};
use crate::store::payment_methods;
use serde_json::{Value, json};

fn parsed(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

impl Vault {
    /// Gives method `id` the billing details and metadata of `edit`. Audit:
    /// `payment_method.update` (reason, changed fields, before and after), or a failure for an
    /// unknown or shredded method.
    pub async fn edit_payment_method(
        &self,
        grant: &Grant<EditPaymentMethod>,
        id: &str,
        edit: &DetailsEdit,
        reason: EditReason,
        origin: &Origin,
    ) -> Result<PaymentMethodView, VaultError> {
        let actor = grant_actor(grant);
        let row = {
            let mut conn = self.store.reader().acquire().await?;
            payment_methods::find(&mut conn, id).await?
        };
        let Some(row) = row.filter(|r| r.status != "shredded") else {
            let event = AuditEvent::new(actor, "payment_method.update", Outcome::Failure, origin)
                .resource(PM, id)
                .reason(reason.as_str())
                .detail(json!({ "error": "not_found" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        };
        let billing = edit
            .billing
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| VaultError::Unavailable)?;
        let metadata =
            serde_json::to_string(&edit.metadata).map_err(|_| VaultError::Unavailable)?;
        let before = json!({
            "billing_details": parsed(row.billing_details.as_deref()),
            "metadata": parsed(row.metadata.as_deref()),
        });
        let after = json!({
            "billing_details": parsed(billing.as_deref()),
            "metadata": parsed(Some(&metadata)),
        });
        let changed: Vec<&str> = ["billing_details", "metadata"]
            .into_iter()
            .filter(|f| before[f] != after[f])
            .collect();
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        if !payment_methods::set_details(&mut tx, id, billing.as_deref(), &metadata, now).await? {
            return Err(VaultError::NotFound);
        }
        AuditEvent::new(actor, "payment_method.update", Outcome::Success, origin)
            .resource(PM, id)
            .reason(reason.as_str())
            .detail(json!({
                "reason": reason.as_str(),
                "changed": changed,
                "before": before,
                "after": after,
            }))
            .write(&mut tx)
            .await?;
        let mut updated = row.clone();
        updated.billing_details = billing;
        updated.metadata = Some(metadata);
        updated.updated_at = now;
        if !changed.is_empty() {
            let previous = json!({ "previous_attributes": before });
            self.enqueue_method_event(&mut tx, &updated, "payment_method.updated", previous, now)
                .await?;
        }
        tx.commit().await?;
        Ok(PaymentMethodView::from_row(&updated))
    }
}
