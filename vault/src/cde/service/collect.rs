//! Taking a card from a caller without seeing it (MOTO): a support agent issues a single-use,
//! short-lived card-collection link for the customer; the customer types the card on their own
//! device on a Coffer page; the method is stored for channel `call_centre`, audited as the
//! customer's, naming the agent who asked and why.

use super::reverify::intake_body;
use crate::access::{Actor, Grant, IssueCardCollection};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::card::YearMonth;
use crate::cde::intake::{self, CustomerRef, IntakeError};
use crate::customer::link::{LinkPurpose, LinkToken, MAX_ATTEMPTS};
use crate::error::VaultError;
use crate::service::IssuedLink;
use crate::service::uses::masked_label;
use crate::service::{PM, Vault};
use crate::store::customers::{self, LinkRow};
use crate::store::{self, collections};

/// The channel a card taken this way belongs to.
pub const CALL_CENTRE: &str = "call_centre";
/// How long the caller has to type the card (they are on the phone).
pub const COLLECT_LINK_MS: i64 = 30 * 60 * 1000;

/// What the collection page shows.
#[derive(Debug, Clone)]
pub struct CollectPage {
    pub merchant: String,
    pub attempts_left: i64,
}

/// The free-text reason an agent gives: 3 to 200 characters, no card number.
fn reason(raw: &str) -> Result<String, IntakeError> {
    let reason = raw.trim();
    if reason.chars().count() < 3 {
        return Err(IntakeError::invalid_because(
            "reason",
            "say why, in a few words",
        ));
    }
    intake::check_free_text("reason", reason, 200)?;
    Ok(reason.to_owned())
}

impl Vault {
    /// A card-collection link for `customer`, valid 30 minutes, to send through the OMS (SMS,
    /// e-mail) or read out. Permission `payment_methods.reverify` (agents contact customers).
    /// Audit `customer.card_collection_create` with the reason.
    pub async fn issue_card_collection(
        &self,
        grant: &Grant<IssueCardCollection>,
        customer: &str,
        why: &str,
        origin: &Origin,
    ) -> Result<IssuedLink, VaultError> {
        let customer =
            CustomerRef::parse(customer.trim()).ok_or_else(|| IntakeError::invalid("customer"))?;
        let why = reason(why)?;
        let actor = grant.actor();
        let token = LinkToken::generate();
        let now = crate::clock::now_millis();
        let row = LinkRow {
            id: token.id().to_owned(),
            customer: customer.as_str().to_owned(),
            purpose: LinkPurpose::Collect.as_str().into(),
            use_id: None,
            ceremony: None,
            created_at: now,
            expires_at: now + COLLECT_LINK_MS,
            used_at: None,
            verified_at: None,
        };
        let mut tx = self.store.writer().begin().await?;
        customers::insert_link(&mut tx, &row).await?;
        collections::set_issuer(&mut tx, &row.id, actor.id(), &why).await?;
        AuditEvent::new(
            actor,
            "customer.card_collection_create",
            Outcome::Success,
            origin,
        )
        .resource("customer", customer.as_str())
        .reason(&why)
        .detail(serde_json::json!({ "expires_at": row.expires_at }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(IssuedLink {
            url: self.public_link(&format!("/c/collect/{}", token.expose())),
            expires_at: row.expires_at,
        })
    }

    async fn open_collection(&self, token: &str) -> Result<(LinkRow, i64), VaultError> {
        let link = self.open_link(token, LinkPurpose::Collect).await?;
        let mut conn = self.store.reader().acquire().await?;
        let attempts = customers::link_attempts(&mut conn, &link.id).await?;
        if attempts >= MAX_ATTEMPTS {
            return Err(VaultError::LinkExpired);
        }
        Ok((link, attempts))
    }

    /// The collection page (opening it uses nothing up).
    pub async fn card_collection_page(&self, token: &str) -> Result<CollectPage, VaultError> {
        let (_, attempts) = self.open_collection(token).await?;
        Ok(CollectPage {
            merchant: self.customer.merchant_name.clone(),
            attempts_left: MAX_ATTEMPTS - attempts,
        })
    }

    /// The caller's card (the form body: `number`, `exp_month`, `exp_year`, `cvc`, optional
    /// `name`), validated like any intake and stored for channel `call_centre`; the same card
    /// already stored there for this customer is not stored twice. Returns the masked label.
    /// Audit `payment_method.create` by the customer with the agent and reason (or a failure,
    /// counted against the link's tries).
    pub async fn collect_card(
        &self,
        token: &str,
        form: &[u8],
        origin: &Origin,
    ) -> Result<String, VaultError> {
        let (link, _) = self.open_collection(token).await?;
        let actor = Actor::customer(link.customer.clone());
        let body = intake_body(&link.customer, form);
        let parsed = intake::parse(&body, YearMonth::now_utc());
        drop(body);
        let new = match parsed {
            Ok(new) => new,
            Err(error) => {
                let mut tx = self.store.writer().begin().await?;
                customers::count_session_miss(&mut tx, &link.id).await?;
                AuditEvent::new(&actor, "payment_method.create", Outcome::Failure, origin)
                    .detail(serde_json::json!({
                        "via": "card_collection", "code": error.code, "param": error.param,
                    }))
                    .write(&mut tx)
                    .await?;
                tx.commit().await?;
                return Err(error.into());
            }
        };
        let issuer = {
            let mut conn = self.store.reader().acquire().await?;
            collections::issuer(&mut conn, &link.id).await?
        };
        let fingerprint = hex::encode(self.hsm.hmac(&new.instrument.fingerprint_input())?);
        let scoped = self.channel_fingerprint(CALL_CENTRE, &fingerprint)?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        if !customers::redeem_link(&mut tx, &link.id, now).await? {
            return Err(VaultError::LinkExpired);
        }
        let existing = store::payment_methods::find_active_by_fingerprint(
            &mut tx,
            &link.customer,
            CALL_CENTRE,
            &fingerprint,
        )
        .await?;
        let (row, created) = match existing {
            Some(row) => (row, false),
            None => {
                let row = self.seal_row(&new, &fingerprint, &scoped, CALL_CENTRE)?;
                if !store::payment_methods::insert(&mut tx, &row).await? {
                    return Err(VaultError::Store(store::StoreError::Duplicate));
                }
                (row, true)
            }
        };
        let (agent, why) = issuer.unwrap_or_default();
        let mut event = AuditEvent::new(&actor, "payment_method.create", Outcome::Success, origin)
            .resource(PM, &row.id)
            .detail(serde_json::json!({
                "via": "card_collection",
                "collected_for": agent,
                "duplicate": !created,
            }));
        if !why.is_empty() {
            event = event.reason(&why);
        }
        event.write(&mut tx).await?;
        tx.commit().await?;
        Ok(masked_label(&row))
    }
}
