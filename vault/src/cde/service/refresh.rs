//! A card on file takes a newer expiry: re-verification (a customer confirms it, or types the
//! same number again) and a channel storing the same card again with a later expiry. One path:
//! re-seal under the method's own id, update the masked metadata, back to `active`, record the
//! transition, and announce `payment_method.updated`.

use crate::access::Actor;
use crate::cde::seal::Sealed;
use crate::error::VaultError;
use crate::service::Vault;
use crate::service::lifecycle::record_transition;
use crate::store::PaymentMethodRow;
use crate::store::lifecycle::{self as lc, NewExpiry};
use sqlx::AnyConnection;

/// The masked display JSON with a new expiry.
pub(super) fn display_with_expiry(display: &str, month: u8, year: u16) -> String {
    let mut v: serde_json::Value = serde_json::from_str(display).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("exp_month".into(), month.into());
        o.insert("exp_year".into(), year.into());
    }
    v.to_string()
}

impl Vault {
    /// Gives live card `m` the expiry `month`/`year` with `sealed` (its secret, re-sealed under
    /// its id) inside `tx`. Returns the method as it is now, or `None` if it is no longer live.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply_new_expiry(
        &self,
        tx: &mut AnyConnection,
        m: &PaymentMethodRow,
        sealed: &Sealed,
        month: u8,
        year: u16,
        actor: &Actor,
        reason: &str,
        now: i64,
    ) -> Result<Option<PaymentMethodRow>, VaultError> {
        let display = display_with_expiry(&m.display, month, year);
        let update = NewExpiry {
            exp_month: i64::from(month),
            exp_year: i64::from(year),
            display: &display,
            key_id: &sealed.key_id,
            nonce: &sealed.nonce,
            ciphertext: &sealed.ciphertext,
        };
        if !lc::update_expiry(tx, &m.id, &update, now).await? {
            return Ok(None);
        }
        record_transition(tx, &m.id, &m.status, "active", reason, actor, now).await?;
        let mut after = m.clone();
        after.status = "active".into();
        after.exp_month = Some(update.exp_month);
        after.exp_year = Some(update.exp_year);
        after.display = display;
        after.key_id = Some(sealed.key_id.clone());
        after.nonce = Some(sealed.nonce.clone());
        after.ciphertext = Some(sealed.ciphertext.clone());
        after.updated_at = now;
        let previous = serde_json::json!({ "previous_attributes": {
            "status": m.status, "exp_month": m.exp_month, "exp_year": m.exp_year,
        } });
        self.enqueue_method_event(tx, &after, "payment_method.updated", previous, now)
            .await?;
        Ok(Some(after))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_display_takes_the_new_expiry() {
        let d = display_with_expiry(r#"{"last4":"4242","exp_month":1,"exp_year":2027}"#, 9, 2031);
        let v: serde_json::Value = serde_json::from_str(&d).unwrap();
        assert_eq!(
            (v["exp_month"].clone(), v["exp_year"].clone()),
            (9.into(), 2031.into())
        );
        assert_eq!(v["last4"], "4242");
    }
}
