//! Re-verification: a single-use, expiring link for the customer (issued by an agent or an OMS
//! channel, typically after an expiry alert); on its page the customer confirms the card's new
//! expiry or enters a replacement card, validated like any intake. A replacement gets a new
//! token and the old method becomes `replaced`.

use crate::access::{Actor, Grant, IssueReverification, Reach};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::card::{Expiry, YearMonth};
use crate::cde::intake::{self, IntakeError};
use crate::cde::seal;
use crate::customer::link::MAX_ATTEMPTS;
use crate::customer::{LinkPurpose, LinkToken};
use crate::error::VaultError;
use crate::lifecycle::{self as lifecycle, calendar, days_ms};
use crate::service::lifecycle::{expires_month, record_transition};
use crate::service::{IssuedLink, PM, Vault};
use crate::store::customers::{self, LinkRow, ReverifyLinkRow};
use crate::store::lifecycle as lc;
use crate::store::{self, PaymentMethodRow};
use zeroize::Zeroizing;

/// What the customer's page shows (masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverifyPage {
    pub merchant: String,
    /// "Visa •••• 4242": brand and last 4 at most.
    pub card: String,
    /// `MM/YYYY`.
    pub expiry: String,
    /// Wrong submissions left before the link stops working.
    pub attempts_left: i64,
}

/// What the customer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReverifyOutcome {
    /// The same card, with its new expiry (`MM/YYYY`).
    ExpiryUpdated { expiry: String },
    /// A new card (its new method id) replaced the old one.
    Replaced {
        payment_method: String,
        /// "Mastercard •••• 4444".
        card: String,
    },
}

/// A re-verification link's state, for agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverifyStatus {
    pub payment_method: String,
    /// `completed`, `open`, `closed` (too many wrong submissions) or `expired`.
    pub state: &'static str,
    pub created_at: i64,
    pub expires_at: i64,
}

impl ReverifyStatus {
    fn of(row: ReverifyLinkRow, now: i64) -> ReverifyStatus {
        let state = match row.used_at {
            Some(_) => "completed",
            None if row.attempts >= MAX_ATTEMPTS => "closed",
            None if row.expires_at > now => "open",
            None => "expired",
        };
        ReverifyStatus {
            payment_method: row.payment_method,
            state,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

fn is_reverifiable(row: &PaymentMethodRow) -> bool {
    row.kind == "card" && lifecycle::LIVE.contains(&row.status.as_str())
}

impl Vault {
    /// Issues a re-verification link for a live card. Scope `payment_methods:write` (the key's
    /// own channel's cards, or any with `channels:all`) or permission `payment_methods.reverify`
    /// (support agents); audit `payment_method.reverification_create` (denied `other_channel`
    /// for another channel's card, answered as unknown).
    pub async fn issue_reverification(
        &self,
        grant: &Grant<IssueReverification>,
        id: &str,
        origin: &Origin,
    ) -> Result<IssuedLink, VaultError> {
        let action = "payment_method.reverification_create";
        let mut tx = self.store.writer().begin().await?;
        let method = store::payment_methods::find(&mut tx, id).await?;
        if method.is_none() {
            AuditEvent::new(grant.actor(), action, Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "resource_missing" }))
                .write(&mut tx)
                .await?;
            tx.commit().await?;
            return Err(VaultError::NotFound);
        }
        let mut cross = None;
        if let Some(m) = &method {
            match grant.actor().reach(&m.channel) {
                Reach::Own => {}
                Reach::CrossChannel => {
                    cross = Some(crate::service::cross_channel_detail(&m.channel))
                }
                Reach::Hidden => {
                    crate::service::other_channel_event(grant.actor(), action, (PM, id), origin)
                        .write(&mut tx)
                        .await?;
                    tx.commit().await?;
                    return Err(VaultError::NotFound);
                }
            }
        }
        let Some(method) = method.filter(is_reverifiable) else {
            AuditEvent::new(grant.actor(), action, Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "not_reverifiable" }))
                .write(&mut tx)
                .await?;
            tx.commit().await?;
            return Err(IntakeError::invalid_because(
                "payment_method",
                "only a card on file (active, expiring or expired) can be re-verified",
            )
            .into());
        };
        let token = LinkToken::generate();
        let now = crate::clock::now_millis();
        let row = LinkRow {
            id: token.id().to_owned(),
            customer: method.customer.clone(),
            purpose: LinkPurpose::Reverify.as_str().into(),
            use_id: None,
            ceremony: None,
            created_at: now,
            expires_at: now + days_ms(self.lifecycle.reverify_link_days),
            used_at: None,
            verified_at: None,
        };
        customers::insert_link(&mut tx, &row).await?;
        customers::set_link_method(&mut tx, &row.id, id).await?;
        AuditEvent::new(grant.actor(), action, Outcome::Success, origin)
            .resource(PM, id)
            .more_detail(cross)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(IssuedLink {
            url: self.public_link(&format!("/c/reverify/{}", token.expose())),
            expires_at: row.expires_at,
        })
    }

    /// The re-verification links of a customer and their state (agents' customer page).
    pub async fn reverification_status(
        &self,
        _grant: &Grant<crate::access::ReadPaymentMethod>,
        customer: &str,
    ) -> Result<Vec<ReverifyStatus>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let rows = customers::reverify_links(&mut conn, customer).await?;
        let now = crate::clock::now_millis();
        Ok(rows
            .into_iter()
            .map(|r| ReverifyStatus::of(r, now))
            .collect())
    }

    /// The open link `token` and its card, or `LinkExpired` (unknown, used, expired, too many
    /// wrong submissions, or the card is no longer on file).
    async fn open_reverify(&self, token: &str) -> Result<(LinkRow, PaymentMethodRow), VaultError> {
        let link = self.open_link(token, LinkPurpose::Reverify).await?;
        let mut conn = self.store.reader().acquire().await?;
        let attempts = customers::link_attempts(&mut conn, &link.id).await?;
        let method_id = customers::link_method(&mut conn, &link.id).await?;
        let method = match method_id {
            Some(id) => store::payment_methods::find(&mut conn, &id).await?,
            None => None,
        };
        match method.filter(is_reverifiable) {
            Some(m) if attempts < MAX_ATTEMPTS => Ok((link, m)),
            _ => Err(VaultError::LinkExpired),
        }
    }

    /// The customer's page (masked card). Opening it uses nothing up.
    pub async fn reverify_page(&self, token: &str) -> Result<ReverifyPage, VaultError> {
        let (link, m) = self.open_reverify(token).await?;
        let mut conn = self.store.reader().acquire().await?;
        let attempts = customers::link_attempts(&mut conn, &link.id).await?;
        Ok(ReverifyPage {
            merchant: self.customer.merchant_name.clone(),
            card: crate::service::uses::masked_label(&m),
            expiry: expires_month(&m)
                .map(calendar::month_label)
                .unwrap_or_default(),
            attempts_left: MAX_ATTEMPTS - attempts,
        })
    }

    /// Counts a wrong submission and audits it; the error goes back to the page.
    async fn reverify_rejected(
        &self,
        link: &LinkRow,
        method: &PaymentMethodRow,
        error: IntakeError,
        origin: &Origin,
    ) -> Result<ReverifyOutcome, VaultError> {
        let actor = Actor::customer(link.customer.clone());
        let mut tx = self.store.writer().begin().await?;
        customers::count_session_miss(&mut tx, &link.id).await?;
        AuditEvent::new(&actor, "payment_method.reverify", Outcome::Failure, origin)
            .resource(PM, &method.id)
            .detail(serde_json::json!({ "code": error.code, "param": error.param }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Err(error.into())
    }

    /// The customer confirms a new expiry for the same card (later than the one on file).
    /// Audit `payment_method.reverify`; webhook `payment_method.updated`.
    pub async fn reverify_expiry(
        &self,
        token: &str,
        exp_month: &str,
        exp_year: &str,
        origin: &Origin,
    ) -> Result<ReverifyOutcome, VaultError> {
        let (link, method) = self.open_reverify(token).await?;
        let expiry = match Expiry::parse(exp_month, exp_year, YearMonth::now_utc()) {
            Ok(e) => e,
            Err(e) => {
                let param = match e {
                    crate::cde::card::CardError::InvalidExpiryMonth => "exp_month",
                    _ => "exp_year",
                };
                let err = IntakeError::card(param, e);
                return self.reverify_rejected(&link, &method, err, origin).await;
            }
        };
        let new_month = i64::from(expiry.year()) * 12 + i64::from(expiry.month()) - 1;
        if expires_month(&method).is_some_and(|old| new_month <= old) {
            let err = IntakeError::invalid_because(
                "exp_year",
                "The new expiry must be later than the one on file.",
            );
            return self.reverify_rejected(&link, &method, err, origin).await;
        }
        let secret = self.open_method(&method).await?;
        let payload =
            crate::cde::model::card_secret_with_expiry(&secret, expiry.month(), expiry.year())
                .ok_or(VaultError::NotFound)?;
        let sealed = seal::seal(&self.keys.current(), &method.id, &payload)?;
        let actor = Actor::customer(link.customer.clone());
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        if !customers::redeem_link(&mut tx, &link.id, now).await? {
            return Err(VaultError::LinkExpired);
        }
        let updated = self
            .apply_new_expiry(
                &mut tx,
                &method,
                &sealed,
                expiry.month(),
                expiry.year(),
                &actor,
                "reverified",
                now,
            )
            .await?;
        if updated.is_none() {
            return Err(VaultError::LinkExpired);
        }
        AuditEvent::new(&actor, "payment_method.reverify", Outcome::Success, origin)
            .resource(PM, &method.id)
            .detail(serde_json::json!({ "change": "expiry" }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(ReverifyOutcome::ExpiryUpdated {
            expiry: calendar::month_label(new_month),
        })
    }

    /// The customer enters a replacement card (the form body: `number`, `exp_month`,
    /// `exp_year`, `cvc`, optional `name`), validated like any intake. A new method with a new
    /// token replaces the old one (the same card number only updates the expiry); the default
    /// moves to it, and so do the mandates that are not cancelled if it is of the same card
    /// network. Audit `payment_method.create`,
    /// `payment_method.reverify` and `mandate.move`; webhook `payment_method.updated`.
    pub async fn reverify_replace(
        &self,
        token: &str,
        form: &[u8],
        origin: &Origin,
    ) -> Result<ReverifyOutcome, VaultError> {
        let (link, old) = self.open_reverify(token).await?;
        let body = intake_body(&old.customer, form);
        let new = match intake::parse(&body, YearMonth::now_utc()) {
            Ok(n) => n,
            Err(e) => return self.reverify_rejected(&link, &old, e, origin).await,
        };
        drop(body);
        let fingerprint = hex::encode(self.hsm.hmac(&new.instrument.fingerprint_input())?);
        let Some(typed) = new.instrument.expiry() else {
            return Err(VaultError::NotFound);
        };
        let typed_month = i64::from(typed.year()) * 12 + i64::from(typed.month()) - 1;
        if fingerprint == old.fingerprint && expires_month(&old).is_some_and(|m| typed_month <= m) {
            // The same number with an expiry no later than the one on file is not a renewal.
            let err = IntakeError::invalid_because(
                "exp_year",
                "The new expiry must be later than the one on file.",
            );
            return self.reverify_rejected(&link, &old, err, origin).await;
        }
        let actor = Actor::customer(link.customer.clone());
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        if !customers::redeem_link(&mut tx, &link.id, now).await? {
            return Err(VaultError::LinkExpired);
        }
        // The card the customer typed, if it is already on file for them (this card itself, or
        // another live one): it takes the typed details instead of a second copy being stored.
        let on_file = if fingerprint == old.fingerprint {
            Some(old.clone())
        } else {
            store::payment_methods::find_active_by_fingerprint(
                &mut tx,
                &old.customer,
                &old.channel,
                &fingerprint,
            )
            .await?
        };
        let replacement = match on_file {
            Some(existing) => {
                let sealed = seal::seal(
                    &self.keys.current(),
                    &existing.id,
                    &new.instrument.secret_payload(),
                )?;
                let updated = self
                    .apply_new_expiry(
                        &mut tx,
                        &existing,
                        &sealed,
                        typed.month(),
                        typed.year(),
                        &actor,
                        "reverified",
                        now,
                    )
                    .await?
                    .ok_or(VaultError::LinkExpired)?;
                if existing.id == old.id {
                    AuditEvent::new(&actor, "payment_method.reverify", Outcome::Success, origin)
                        .resource(PM, &old.id)
                        .detail(serde_json::json!({ "change": "expiry" }))
                        .write(&mut tx)
                        .await?;
                    tx.commit().await?;
                    return Ok(ReverifyOutcome::ExpiryUpdated {
                        expiry: calendar::month_label(typed_month),
                    });
                }
                AuditEvent::new(&actor, "payment_method.reverify", Outcome::Success, origin)
                    .resource(PM, &existing.id)
                    .detail(serde_json::json!({ "change": "expiry", "replaces": old.id }))
                    .write(&mut tx)
                    .await?;
                updated
            }
            None => {
                let scoped = self.channel_fingerprint(&old.channel, &fingerprint)?;
                let row = self.seal_row(&new, &fingerprint, &scoped, &old.channel)?;
                if !store::payment_methods::insert(&mut tx, &row).await? {
                    // Only a random id or alias collision is left: nothing was stored.
                    return Err(VaultError::Store(store::StoreError::Duplicate));
                }
                AuditEvent::new(&actor, "payment_method.create", Outcome::Success, origin)
                    .resource(PM, &row.id)
                    .detail(serde_json::json!({ "replaces": old.id }))
                    .write(&mut tx)
                    .await?;
                row
            }
        };
        if !lc::mark_replaced(&mut tx, &old.id, &replacement.id, now).await? {
            return Err(VaultError::LinkExpired);
        }
        record_transition(
            &mut tx,
            &old.id,
            &old.status,
            "replaced",
            "replaced",
            &actor,
            now,
        )
        .await?;
        if customers::default_methods(&mut tx, &old.customer, Some(&old.channel))
            .await?
            .contains(&old.id)
        {
            customers::set_default_method(
                &mut tx,
                &old.customer,
                &old.channel,
                &replacement.id,
                now,
            )
            .await?;
        }
        // Subscriptions go on with a new card of the same network: the mandate keeps its
        // network transaction id, which that network accepts with the cardholder's updated
        // credential. Another network never saw that id, so there the mandates stay on the
        // replaced card (uses refused) until the OMS sets one up again on the new card.
        let same_network = old.brand.is_some() && old.brand == replacement.brand;
        let (moved, stopped) = if same_network {
            let moved =
                store::mandates::move_to_replacement(&mut tx, &old.id, &replacement.id).await?;
            (moved, Vec::new())
        } else {
            (
                Vec::new(),
                store::mandates::open_on(&mut tx, &old.id).await?,
            )
        };
        for mandate in &moved {
            AuditEvent::new(&actor, "mandate.move", Outcome::Success, origin)
                .resource("mandate", mandate)
                .detail(serde_json::json!({ "from": old.id, "to": replacement.id }))
                .write(&mut tx)
                .await?;
        }
        let mut after = old.clone();
        after.status = "replaced".into();
        let extra = serde_json::json!({
            "replaced_by": replacement.id,
            "mandates_moved": moved,
            "mandates_stopped": stopped,
            "previous_attributes": { "status": old.status },
        });
        self.enqueue_method_event(&mut tx, &after, "payment_method.updated", extra, now)
            .await?;
        AuditEvent::new(&actor, "payment_method.reverify", Outcome::Success, origin)
            .resource(PM, &old.id)
            .detail(serde_json::json!({
                "change": "replaced", "replaced_by": replacement.id,
                "mandates_moved": moved.len(), "mandates_stopped": stopped.len(),
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(ReverifyOutcome::Replaced {
            card: crate::service::uses::masked_label(&replacement),
            payment_method: replacement.id,
        })
    }

    /// Opens a method's sealed secret (the caller never lets it leave the vault).
    async fn open_method(&self, m: &PaymentMethodRow) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.open_stored(&m.id, super::Stored::of(m))
            .await?
            .ok_or(VaultError::Shredded)
    }
}

/// The intake JSON for a replacement card typed on the customer page, in zeroizing memory.
pub(super) fn intake_body(customer: &str, form: &[u8]) -> Zeroizing<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct Card<'a> {
        number: &'a str,
        exp_month: &'a str,
        exp_year: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        cvc: &'a str,
        #[serde(skip_serializing_if = "str::is_empty")]
        name: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Body<'a> {
        customer: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        card: Card<'a>,
    }
    let mut fields: [Zeroizing<String>; 5] = Default::default();
    for (k, v) in url::form_urlencoded::parse(form) {
        let slot = match k.as_ref() {
            "number" => 0,
            "exp_month" => 1,
            "exp_year" => 2,
            "cvc" => 3,
            "name" => 4,
            _ => continue,
        };
        fields[slot] = Zeroizing::new(v.into_owned());
    }
    let mut out = Zeroizing::new(Vec::with_capacity(1024));
    let body = Body {
        customer,
        kind: "card",
        card: Card {
            number: &fields[0],
            exp_month: &fields[1],
            exp_year: &fields[2],
            cvc: &fields[3],
            name: &fields[4],
        },
    };
    // Writing into a Vec cannot fail; an empty body would be refused by the intake anyway.
    let _ = serde_json::to_writer(&mut *out, &body);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_form_becomes_an_intake_body() {
        let body = intake_body(
            "cus_1",
            b"number=4000+0566+5566+5556&exp_month=09&exp_year=2031&cvc=123&csrf=x",
        );
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["customer"], "cus_1");
        assert_eq!(v["card"]["number"], "4000 0566 5566 5556");
        assert_eq!(v["card"]["exp_year"], "2031");
        assert!(v["card"].get("name").is_none());
        assert!(v["card"].get("csrf").is_none());
    }
}
