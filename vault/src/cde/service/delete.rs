//! Delete: crypto-shreds a method (ciphertext, nonce and key reference destroyed in the row;
//! SQLite's secure_delete overwrites the freed bytes), keeping the masked metadata for history.

use crate::access::{DeletePaymentMethod, Grant, Reach};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::model::DeletedView;
use crate::error::VaultError;
use crate::service::{PM, Vault, grant_actor};
use crate::store;

impl Vault {
    /// Audit: `payment_method.delete` (success, failure with `resource_missing`/`shredded`, or
    /// denied `other_channel` for another channel's method, answered as unknown).
    pub async fn delete(
        &self,
        grant: &Grant<DeletePaymentMethod>,
        id: &str,
        origin: &Origin,
    ) -> Result<DeletedView, VaultError> {
        let actor = grant_actor(grant);
        let mut tx = self.store.writer().begin().await?;
        let before = store::payment_methods::find(&mut tx, id).await?;
        let mut cross = None;
        if let Some(row) = &before {
            match actor.reach(&row.channel) {
                Reach::Own => {}
                Reach::CrossChannel => {
                    cross = Some(crate::service::cross_channel_detail(&row.channel))
                }
                Reach::Hidden => {
                    crate::service::other_channel_event(
                        actor,
                        "payment_method.delete",
                        (PM, id),
                        origin,
                    )
                    .write(&mut tx)
                    .await?;
                    tx.commit().await?;
                    return Err(VaultError::NotFound);
                }
            }
        }
        let now = crate::clock::now_millis();
        let shredded = store::payment_methods::shred(&mut tx, id, now).await?;
        if let (true, Some(before)) = (shredded, before.as_ref()) {
            crate::service::lifecycle::record_transition(
                &mut tx,
                id,
                &before.status,
                "shredded",
                "deleted",
                actor,
                now,
            )
            .await?;
            AuditEvent::new(actor, "payment_method.delete", Outcome::Success, origin)
                .resource(PM, id)
                .more_detail(cross)
                .write(&mut tx)
                .await?;
            tx.commit().await?;
            return Ok(DeletedView {
                id: id.to_owned(),
                object: "payment_method",
                deleted: true,
            });
        }
        let exists = before.is_some();
        let code = if exists {
            "shredded"
        } else {
            "resource_missing"
        };
        AuditEvent::new(actor, "payment_method.delete", Outcome::Failure, origin)
            .resource(PM, id)
            .detail(serde_json::json!({ "code": code }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Err(if exists {
            VaultError::Shredded
        } else {
            VaultError::NotFound
        })
    }
}
