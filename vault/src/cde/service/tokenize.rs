//! Tokenize and validate: intake → fingerprint in the HSM → duplicate check → seal → one
//! transaction with the row and its audit event.

use crate::access::{Grant, Tokenize, Validate};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::card::YearMonth;
use crate::cde::intake::{self, IntakeError, NewPaymentMethod};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::service::{PM, Vault, grant_actor};
use crate::store::{self, PaymentMethodRow, StoreError, WriteOp};

/// The result of a tokenize call: the masked view, and whether it is new or an existing one.
#[derive(Debug)]
pub struct Tokenized {
    pub view: PaymentMethodView,
    pub created: bool,
}

impl Vault {
    /// Stores a payment method from a request body. Audit: `payment_method.create` (success,
    /// or failure with the error code for invalid input; `duplicate: true` for an existing one).
    pub async fn tokenize(
        &self,
        grant: &Grant<Tokenize>,
        body: &[u8],
        origin: &Origin,
    ) -> Result<Tokenized, VaultError> {
        let actor = grant_actor(grant);
        let new = self
            .intake(body, "payment_method.create", actor, origin)
            .await?;
        let channel = actor.channel();
        let fingerprint = hex::encode(self.hsm.hmac(&new.instrument.fingerprint_input())?);
        let scoped = self.channel_fingerprint(channel, &fingerprint)?;
        // The duplicate check is the insert itself (ON CONFLICT DO NOTHING on the channel's own
        // methods), group-committed with its audit event. A conflict that is not a duplicate can
        // only be a random id or alias collision; those get fresh values and another try.
        for _ in 0..3 {
            let row = self.seal_row(&new, &fingerprint, &scoped, channel)?;
            let view = PaymentMethodView::from_row(&row);
            let audit = AuditEvent::new(actor, "payment_method.create", Outcome::Success, origin)
                .resource(PM, &row.id)
                .to_row();
            let op = WriteOp::Tokenize {
                row: Box::new(row),
                audit: Box::new(audit),
            };
            if self.store.batcher().write(op).await? {
                return Ok(Tokenized {
                    view,
                    created: true,
                });
            }
            let mut conn = self.store.reader().acquire().await?;
            let existing = store::payment_methods::find_active_by_fingerprint(
                &mut conn,
                new.customer.as_str(),
                channel,
                &fingerprint,
            )
            .await?;
            drop(conn);
            if let Some(found) = existing {
                if let Some(renewed) = self.renew_on_file(&found, &new, actor, origin).await? {
                    return Ok(Tokenized {
                        view: PaymentMethodView::from_row(&renewed),
                        created: false,
                    });
                }
                let event =
                    AuditEvent::new(actor, "payment_method.create", Outcome::Success, origin)
                        .resource(PM, &found.id)
                        .detail(serde_json::json!({ "duplicate": true }));
                self.audit_alone(&event).await?;
                return Ok(Tokenized {
                    view: PaymentMethodView::from_row(&found),
                    created: false,
                });
            }
        }
        Err(VaultError::Store(StoreError::Duplicate))
    }

    /// The same card stored again with a later expiry (the customer typed their renewed card at
    /// checkout): the method on file takes it, as a re-verification would, instead of the
    /// channel getting back a token whose expiry is out of date. `None` if the expiry is not
    /// later (or the method moved on meanwhile). Audit `payment_method.create` with
    /// `duplicate` and `expiry_updated`; webhook `payment_method.updated`.
    async fn renew_on_file(
        &self,
        found: &PaymentMethodRow,
        new: &NewPaymentMethod,
        actor: &crate::access::Actor,
        origin: &Origin,
    ) -> Result<Option<PaymentMethodRow>, VaultError> {
        let Some(typed) = new.instrument.expiry() else {
            return Ok(None);
        };
        let typed_month = i64::from(typed.year()) * 12 + i64::from(typed.month()) - 1;
        let later =
            crate::service::lifecycle::expires_month(found).is_some_and(|m| typed_month > m);
        if !later {
            return Ok(None);
        }
        let sealed = crate::cde::seal::seal(
            &self.keys.current(),
            &found.id,
            &new.instrument.secret_payload(),
        )?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let renewed = self
            .apply_new_expiry(
                &mut tx,
                found,
                &sealed,
                typed.month(),
                typed.year(),
                actor,
                "updated",
                now,
            )
            .await?;
        if renewed.is_some() {
            AuditEvent::new(actor, "payment_method.create", Outcome::Success, origin)
                .resource(PM, &found.id)
                .detail(serde_json::json!({ "duplicate": true, "expiry_updated": true }))
                .write(&mut tx)
                .await?;
            tx.commit().await?;
        }
        Ok(renewed)
    }

    /// Checks a request exactly as tokenize would and answers the masked view; stores nothing
    /// but the audit event `payment_method.validate`. The view has no fingerprint: a keyed
    /// value for any number a caller chooses would let it test guesses against stored cards.
    pub async fn validate(
        &self,
        grant: &Grant<Validate>,
        body: &[u8],
        origin: &Origin,
    ) -> Result<PaymentMethodView, VaultError> {
        let actor = grant_actor(grant);
        let new = self
            .intake(body, "payment_method.validate", actor, origin)
            .await?;
        let details = new.instrument.display(None);
        let billing = new
            .billing_details
            .as_ref()
            .and_then(|v| serde_json::to_value(v).ok());
        let metadata = new
            .metadata
            .as_ref()
            .and_then(|v| serde_json::to_value(v).ok());
        let view = PaymentMethodView::unsaved(
            new.instrument.kind(),
            new.customer.as_str(),
            details,
            billing,
            metadata,
        );
        self.audit_alone(&AuditEvent::new(
            actor,
            "payment_method.validate",
            Outcome::Success,
            origin,
        ))
        .await?;
        Ok(view)
    }

    async fn intake(
        &self,
        body: &[u8],
        action: &'static str,
        actor: &crate::access::Actor,
        origin: &Origin,
    ) -> Result<NewPaymentMethod, VaultError> {
        match intake::parse(body, YearMonth::now_utc()) {
            Ok(new) => Ok(new),
            Err(e) => {
                self.audit_invalid(action, actor, origin, &e).await?;
                Err(e.into())
            }
        }
    }

    async fn audit_invalid(
        &self,
        action: &'static str,
        actor: &crate::access::Actor,
        origin: &Origin,
        e: &IntakeError,
    ) -> Result<(), VaultError> {
        let detail = serde_json::json!({ "code": e.code, "param": e.param });
        self.audit_alone(&AuditEvent::new(actor, action, Outcome::Failure, origin).detail(detail))
            .await
    }

    pub(super) fn seal_row(
        &self,
        new: &NewPaymentMethod,
        fingerprint: &str,
        channel_fingerprint: &str,
        channel: &str,
    ) -> Result<PaymentMethodRow, VaultError> {
        let id = crate::token::random_id("pm");
        let alias = match (&new.instrument, new.alias) {
            (crate::cde::model::Instrument::Card { pan, .. }, true) => {
                Some(crate::cde::alias::format_preserving_alias(
                    pan.bin6(),
                    pan.last4(),
                    pan.expose_digits().len(),
                ))
            }
            _ => None,
        };
        let key = self.keys.current();
        let sealed = crate::cde::seal::seal(&key, &id, &new.instrument.secret_payload())?;
        let now = crate::clock::now_millis();
        let expiry = new.instrument.expiry();
        Ok(PaymentMethodRow {
            display: new.instrument.display(alias.as_deref()).to_string(),
            id,
            customer: new.customer.as_str().to_owned(),
            kind: new.instrument.kind().to_owned(),
            status: "active".into(),
            fingerprint: fingerprint.to_owned(),
            channel_fingerprint: Some(channel_fingerprint.to_owned()),
            brand: new.instrument.brand().map(str::to_owned),
            last4: new.instrument.last4(),
            exp_month: expiry.map(|e| i64::from(e.month())),
            exp_year: expiry.map(|e| i64::from(e.year())),
            alias,
            billing_details: new
                .billing_details
                .as_ref()
                .and_then(|b| serde_json::to_string(b).ok()),
            metadata: new
                .metadata
                .as_ref()
                .and_then(|m| serde_json::to_string(m).ok()),
            channel: channel.to_owned(),
            key_id: Some(sealed.key_id),
            nonce: Some(sealed.nonce),
            ciphertext: Some(sealed.ciphertext),
            created_at: now,
            updated_at: now,
            shredded_at: None,
        })
    }
}
