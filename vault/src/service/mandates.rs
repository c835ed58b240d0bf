//! Stored-credential mandates for recurring billing. The OMS sets one up with a
//! customer-initiated use of the card (the step-up policy applies as to any use), confirms it
//! with the network transaction id its processor returned for that first authorisation, and then
//! makes merchant-initiated uses (no customer present, no step-up) that carry that id, so a
//! subscription never asks for the card again.

use super::uses::UseView;
use super::{PM, Vault};
use crate::access::{Actor, Grant, Reach, UsePaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::customer::{Amount, Currency};
use crate::error::VaultError;
use crate::lifecycle;
use crate::store;
use crate::store::customers::{self, UseRow};
use crate::store::mandates::{self, MandateRow};
use coffer_dlp::contains_card_number;
use serde::{Deserialize, Serialize};

const MANDATE: &str = "mandate";

/// A mandate as the JSON API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MandateView {
    pub id: String,
    pub object: &'static str,
    pub payment_method: String,
    pub customer: String,
    pub channel: String,
    pub reference: String,
    pub currency: String,
    pub max_amount: Option<i64>,
    /// The customer-initiated use that set it up.
    pub initial_use: String,
    pub network_transaction_id: Option<String>,
    /// `pending` (until the first use is approved and its network transaction id is known),
    /// `active`, `cancelled`.
    pub status: String,
    /// Unix seconds.
    pub created: i64,
}

impl MandateView {
    fn from_row(m: &MandateRow) -> MandateView {
        MandateView {
            id: m.id.clone(),
            object: "mandate",
            payment_method: m.payment_method.clone(),
            customer: m.customer.clone(),
            channel: m.channel.clone(),
            reference: m.reference.clone(),
            currency: m.currency.clone(),
            max_amount: m.max_amount,
            initial_use: m.initial_use.clone(),
            network_transaction_id: m.network_transaction_id.clone(),
            status: m.status.clone(),
            created: m.created_at / 1000,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupBody {
    reference: Option<String>,
    max_amount: Option<i64>,
    // The first, customer-initiated use:
    amount: Option<i64>,
    currency: Option<String>,
    order_reference: Option<String>,
    channel: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MitBody {
    amount: Option<i64>,
    currency: Option<String>,
    order_reference: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    network_transaction_id: Option<String>,
}

fn de<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, IntakeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))
}

/// A reference or id the OMS sends: 1-64 printable characters, never card-number-like.
fn text_field(param: &str, value: Option<String>) -> Result<String, IntakeError> {
    let v = value.ok_or_else(|| IntakeError::missing(param))?;
    let ok = (1..=64).contains(&v.chars().count()) && !v.chars().any(char::is_control);
    if !ok {
        return Err(IntakeError::invalid(param));
    }
    if contains_card_number(&v) {
        return Err(IntakeError::invalid_because(
            param,
            "it looks like a card number, which must never be sent here",
        ));
    }
    Ok(v)
}

impl Vault {
    /// Sets up a mandate on method `id`: its first, customer-initiated use is created as any
    /// use (the step-up policy decides), and the mandate waits for it. Scope
    /// `payment_methods:use`; audit `mandate.create` (and `payment_method.use`).
    pub async fn create_mandate(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<(MandateView, UseView), VaultError> {
        let b: SetupBody = de(body)?;
        let reference = text_field("reference", b.reference)?;
        let max_amount = b
            .max_amount
            .map(|a| Amount::new(a).ok_or_else(|| IntakeError::invalid("max_amount")))
            .transpose()?;
        let first = serde_json::json!({
            "amount": b.amount, "currency": b.currency,
            "order_reference": b.order_reference, "channel": b.channel,
        });
        let first = self
            .create_use(grant, id, first.to_string().as_bytes(), origin)
            .await?;
        if first.status == "failed" {
            return Err(VaultError::UseNotApproved);
        }
        let now = crate::clock::now_millis();
        let row = MandateRow {
            id: crate::token::random_id("mdt"),
            payment_method: first.payment_method.clone(),
            customer: first.customer.clone(),
            channel: first.channel.clone(),
            client: grant.actor().id().to_owned(),
            reference,
            currency: first.currency.clone(),
            max_amount: max_amount.map(Amount::minor),
            initial_use: first.id.clone(),
            network_transaction_id: None,
            status: "pending".into(),
            created_at: now,
            activated_at: None,
            cancelled_at: None,
        };
        let mut tx = self.store.writer().begin().await?;
        mandates::insert(&mut tx, &row).await?;
        AuditEvent::new(grant.actor(), "mandate.create", Outcome::Success, origin)
            .resource(MANDATE, &row.id)
            .detail(serde_json::json!({ "payment_method": row.payment_method, "use": first.id }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok((MandateView::from_row(&row), first))
    }

    async fn mandate_row(&self, id: &str) -> Result<MandateRow, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        mandates::find(&mut conn, id)
            .await?
            .ok_or(VaultError::NotFound)
    }

    /// The mandate `id` if `actor` may act on it: the key that set it up, a key of its channel,
    /// or an OMS-wide key. Anyone else is audited (`action` denied, `other_channel`) and told
    /// it does not exist.
    async fn mandate_for(
        &self,
        actor: &Actor,
        id: &str,
        action: &'static str,
        origin: &Origin,
    ) -> Result<MandateRow, VaultError> {
        let m = self.mandate_row(id).await?;
        if m.client != actor.id() && actor.reach(&m.channel) == Reach::Hidden {
            let event = super::other_channel_event(actor, action, (MANDATE, id), origin);
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        }
        Ok(m)
    }

    /// A mandate (the key's own channel's). Scope `payment_methods:use`; no audit (it holds no
    /// card data) except a refused one.
    pub async fn get_mandate(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        origin: &Origin,
    ) -> Result<MandateView, VaultError> {
        let m = self
            .mandate_for(grant.actor(), id, "mandate.read", origin)
            .await?;
        Ok(MandateView::from_row(&m))
    }

    /// Activates a pending mandate once its first use is approved, with the network
    /// transaction id of that authorisation. Audit `mandate.confirm`.
    pub async fn confirm_mandate(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<MandateView, VaultError> {
        let b: ConfirmBody = de(body)?;
        let nti = text_field("network_transaction_id", b.network_transaction_id)?;
        if !nti
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(IntakeError::invalid("network_transaction_id").into());
        }
        let m = self
            .mandate_for(grant.actor(), id, "mandate.confirm", origin)
            .await?;
        let mut conn = self.store.reader().acquire().await?;
        let first = customers::find_use(&mut conn, &m.initial_use).await?;
        drop(conn);
        if first.is_none_or(|u| u.status != "approved") {
            return Err(VaultError::UseNotApproved);
        }
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let activated = mandates::activate(&mut tx, id, &nti, now).await?;
        let outcome = if activated {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        AuditEvent::new(grant.actor(), "mandate.confirm", outcome, origin)
            .resource(MANDATE, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        if !activated {
            return Err(IntakeError::invalid_because(
                "mandate",
                "only a pending mandate can be confirmed",
            )
            .into());
        }
        Ok(MandateView::from_row(&self.mandate_row(id).await?))
    }

    /// A merchant-initiated use under an active mandate: approved without the customer (they
    /// agreed when the mandate was set up), within the mandate's currency and cap, while the
    /// card is usable. Audit `payment_method.use` with the mandate; refusals audited too.
    pub async fn mandate_use(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<(UseView, MandateView), VaultError> {
        let b: MitBody = de(body)?;
        let amount = b.amount.ok_or_else(|| IntakeError::missing("amount"))?;
        let amount = Amount::new(amount).ok_or_else(|| IntakeError::invalid("amount"))?;
        let currency = b.currency.ok_or_else(|| IntakeError::missing("currency"))?;
        let currency =
            Currency::parse(&currency).ok_or_else(|| IntakeError::invalid("currency"))?;
        let order_reference = text_field("order_reference", b.order_reference)?;
        let m = self
            .mandate_for(grant.actor(), id, "payment_method.use", origin)
            .await?;
        let mut conn = self.store.reader().acquire().await?;
        let method = store::payment_methods::find(&mut conn, &m.payment_method).await?;
        drop(conn);
        let refusal = if m.status != "active" {
            Some(("mandate_inactive", VaultError::MandateInactive))
        } else if !method
            .as_ref()
            .is_some_and(|p| lifecycle::usable(&p.status))
        {
            Some(("payment_method_unusable", VaultError::NotUsable))
        } else if currency.as_str() != m.currency {
            Some(("currency_mismatch", IntakeError::invalid("currency").into()))
        } else if m.max_amount.is_some_and(|cap| amount.minor() > cap) {
            Some(("amount_over_mandate", IntakeError::invalid("amount").into()))
        } else {
            None
        };
        if let Some((code, err)) = refusal {
            let event = AuditEvent::new(
                grant.actor(),
                "payment_method.use",
                Outcome::Failure,
                origin,
            )
            .resource(PM, &m.payment_method)
            .detail(serde_json::json!({ "mandate": m.id, "code": code }));
            self.audit_alone(&event).await?;
            return Err(err);
        }
        let now = crate::clock::now_millis();
        let row = UseRow {
            id: crate::token::random_id("use"),
            payment_method: m.payment_method.clone(),
            customer: m.customer.clone(),
            amount: amount.minor(),
            currency: m.currency.clone(),
            order_ref: order_reference,
            channel: m.channel.clone(),
            client: grant.actor().id().to_owned(),
            status: "approved".into(),
            step_up: None,
            failure_code: None,
            factor_kind: None,
            attempts: 0,
            expires_at: None,
            created_at: now,
            decided_at: Some(now),
        };
        let mut tx = self.store.writer().begin().await?;
        customers::insert_use(&mut tx, &row).await?;
        mandates::link_use(&mut tx, &row.id, &m.id, now).await?;
        AuditEvent::new(
            grant.actor(),
            "payment_method.use",
            Outcome::Success,
            origin,
        )
        .resource(PM, &row.payment_method)
        .detail(serde_json::json!({
            "use": row.id, "status": row.status, "mandate": m.id, "initiator": "merchant",
            "amount": row.amount, "currency": row.currency, "channel": row.channel,
        }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok((UseView::from_row(&row, None), MandateView::from_row(&m)))
    }

    /// Cancels a mandate (the subscription ended). Audit `mandate.cancel`.
    pub async fn cancel_mandate(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        origin: &Origin,
    ) -> Result<MandateView, VaultError> {
        self.mandate_for(grant.actor(), id, "mandate.cancel", origin)
            .await?;
        let mut tx = self.store.writer().begin().await?;
        let cancelled = mandates::cancel(&mut tx, id, crate::clock::now_millis()).await?;
        let outcome = if cancelled {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        AuditEvent::new(grant.actor(), "mandate.cancel", outcome, origin)
            .resource(MANDATE, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        if !cancelled {
            return Err(VaultError::NotFound);
        }
        Ok(MandateView::from_row(&self.mandate_row(id).await?))
    }
}
