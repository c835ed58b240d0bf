//! Uses of a stored method: the OMS asks to use a method for an order, the step-up policy decides
//! (approved, or `requires_action` with a single-use challenge link for the customer), and the
//! customer answers the challenge with a TOTP code or a passkey (at most 5 tries, 10 minutes).

use super::{PM, Vault};
use crate::access::{Actor, Grant, Reach, ReadPaymentMethodUse, UsePaymentMethod};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::customer::link::{
    LOCKOUT_WINDOW_MS, MAX_ATTEMPTS, MAX_WRONG_PER_WINDOW, STEP_UP_TTL_MS,
};
use crate::customer::{Amount, Channel, Currency, LinkPurpose, LinkToken, Unenrolled};
use crate::error::VaultError;
use crate::store::customers::{self, LinkRow, UseRow};
use crate::store::{self, PaymentMethodRow};
use coffer_dlp::contains_card_number;
use serde::{Deserialize, Serialize};

pub(crate) const USE: &str = "payment_method_use";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UseBody {
    amount: Option<i64>,
    currency: Option<String>,
    order_reference: Option<String>,
    channel: Option<String>,
}

/// A checked use request. `channel`, if sent, must be the key's own: the step-up policy is
/// decided by the channel the key acts for, never by what a body claims.
struct UseRequest {
    amount: Amount,
    currency: Currency,
    order_reference: String,
    channel: Option<String>,
}

fn parse_body(body: &[u8]) -> Result<UseRequest, IntakeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let b: UseBody =
        serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
    let amount = b.amount.ok_or_else(|| IntakeError::missing("amount"))?;
    let amount = Amount::new(amount).ok_or_else(|| IntakeError::invalid("amount"))?;
    let currency = b.currency.ok_or_else(|| IntakeError::missing("currency"))?;
    let currency = Currency::parse(&currency).ok_or_else(|| IntakeError::invalid("currency"))?;
    let order_reference = b
        .order_reference
        .ok_or_else(|| IntakeError::missing("order_reference"))?;
    let order_ok = (1..=64).contains(&order_reference.chars().count())
        && !order_reference.chars().any(char::is_control);
    if !order_ok {
        return Err(IntakeError::invalid("order_reference"));
    }
    if contains_card_number(&order_reference) {
        return Err(IntakeError::invalid_because(
            "order_reference",
            "it looks like a card number, which must never be sent here",
        ));
    }
    Ok(UseRequest {
        amount,
        currency,
        order_reference,
        channel: b.channel,
    })
}

/// What the customer must do next.
#[derive(Clone, Serialize, PartialEq, Eq)]
pub struct NextAction {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The challenge page; given once, when the use is created (only its digest is stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for NextAction {
    /// The URL carries the challenge's token: never in `Debug` output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NextAction")
            .field("kind", &self.kind)
            .field("url", &self.url.as_ref().map(|_| "<hidden>"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A use as the JSON API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UseView {
    pub id: String,
    pub object: &'static str,
    pub payment_method: String,
    pub customer: String,
    pub amount: i64,
    pub currency: String,
    pub order_reference: String,
    pub channel: String,
    /// `approved`, `requires_action` or `failed`.
    pub status: String,
    /// Why a step-up was (or would have been) asked: `threshold`, `currency` (no rule names it),
    /// `customer` (their own choice), `not_enrolled` (needed, but approved without one).
    pub step_up: Option<String>,
    pub next_action: Option<NextAction>,
    pub failure_code: Option<String>,
    /// The factor that approved the use: `totp` or `passkey`.
    pub factor: Option<String>,
    /// Unix seconds.
    pub created: i64,
}

impl UseView {
    pub(crate) fn from_row(r: &UseRow, url: Option<String>) -> UseView {
        let next_action = (r.status == "requires_action").then(|| NextAction {
            kind: "mfa_step_up",
            url,
            expires_at: r.expires_at.unwrap_or_default() / 1000,
        });
        UseView {
            id: r.id.clone(),
            object: "payment_method_use",
            payment_method: r.payment_method.clone(),
            customer: r.customer.clone(),
            amount: r.amount,
            currency: r.currency.clone(),
            order_reference: r.order_ref.clone(),
            channel: r.channel.clone(),
            status: r.status.clone(),
            step_up: r.step_up.clone(),
            next_action,
            failure_code: r.failure_code.clone(),
            factor: r.factor_kind.clone(),
            created: r.created_at / 1000,
        }
    }
}

/// What the customer's challenge page shows (masked card at most: brand and last 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUpPage {
    pub merchant: String,
    pub amount: String,
    pub order_reference: String,
    pub card: String,
    pub has_totp: bool,
    pub has_passkey: bool,
    pub attempts_left: i64,
    /// Unix ms.
    pub expires_at: i64,
}

/// How a challenge answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUpResult {
    Approved,
    /// Wrong; this many tries remain.
    Retry {
        attempts_left: i64,
    },
    /// The challenge is over (`attempts_exceeded`, `expired`).
    Failed {
        code: &'static str,
    },
}

/// A use id as the audit log may record it: well formed, or a fixed placeholder.
pub(crate) fn shown_id(id: &str) -> &str {
    let ok = id.len() <= 64
        && id.starts_with("use_")
        && id[4..].bytes().all(|b| b.is_ascii_alphanumeric());
    if ok { id } else { "use_malformed" }
}

/// "Visa •••• 4242", "SEPA debit •••• 3000".
pub(crate) fn masked_label(row: &PaymentMethodRow) -> String {
    let name = match (row.kind.as_str(), row.brand.as_deref()) {
        ("card", Some(brand)) => brand_name(brand),
        ("card", None) => "Card".to_owned(),
        ("sepa_debit", _) => "SEPA debit".to_owned(),
        ("us_bank_account", _) => "Bank account".to_owned(),
        (other, _) => brand_name(other),
    };
    format!("{name} •••• {}", row.last4)
}

fn brand_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('_').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

impl Vault {
    /// Asks to use method `id` for an order. Scope `payment_methods:use`; the method must be the
    /// key's channel's (or the key OMS-wide); the step-up policy is applied to the key's channel.
    /// Audit `payment_method.use` (failure for a declined use, denied `other_channel`).
    pub async fn create_use(
        &self,
        grant: &Grant<UsePaymentMethod>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<UseView, VaultError> {
        let actor = grant.actor();
        let req = parse_body(body)?;
        let channel = actor.channel();
        if req.channel.as_deref().is_some_and(|c| c != channel) {
            return Err(IntakeError::invalid_because(
                "channel",
                "a use is made on the channel the API key acts for; leave `channel` out",
            )
            .into());
        }
        let mut conn = self.store.reader().acquire().await?;
        let method = store::payment_methods::find(&mut conn, id).await?;
        let Some(method) = method else {
            drop(conn);
            let event = AuditEvent::new(actor, "payment_method.use", Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "resource_missing" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        };
        if actor.reach(&method.channel) == Reach::Hidden {
            drop(conn);
            let event = super::other_channel_event(actor, "payment_method.use", (PM, id), origin);
            self.audit_alone(&event).await?;
            return Err(VaultError::NotFound);
        }
        if method.ciphertext.is_none() {
            return Err(VaultError::Shredded);
        }
        if !crate::lifecycle::usable(&method.status) {
            drop(conn);
            let event = AuditEvent::new(actor, "payment_method.use", Outcome::Failure, origin)
                .resource(PM, id)
                .detail(serde_json::json!({ "code": "payment_method_unusable", "status": method.status }));
            self.audit_alone(&event).await?;
            return Err(VaultError::NotUsable);
        }
        let factors = customers::factors(&mut conn, &method.customer).await?;
        let always = customers::step_up_always(&mut conn, &method.customer).await?;
        drop(conn);
        let enrolled = factors.iter().any(|f| f.confirmed);
        let required = self.customer.policy.requires(
            Channel::parse(channel).as_ref(),
            &req.currency,
            req.amount,
        );
        let threshold = required.is_some();
        let now = crate::clock::now_millis();
        let mut row = UseRow {
            id: crate::token::random_id("use"),
            payment_method: method.id.clone(),
            customer: method.customer.clone(),
            amount: req.amount.minor(),
            currency: req.currency.as_str().to_owned(),
            order_ref: req.order_reference,
            channel: channel.to_owned(),
            client: actor.id().to_owned(),
            status: "approved".into(),
            step_up: None,
            failure_code: None,
            factor_kind: None,
            attempts: 0,
            expires_at: None,
            created_at: now,
            decided_at: Some(now),
        };
        let mut link = None;
        if threshold && !enrolled {
            match self.customer.policy.unenrolled {
                Unenrolled::Decline => {
                    row.status = "failed".into();
                    row.step_up = required.map(str::to_owned);
                    row.failure_code = Some("customer_not_enrolled".into());
                }
                Unenrolled::Approve => row.step_up = Some("not_enrolled".into()),
            }
        } else if threshold || (always && enrolled) {
            row.status = "requires_action".into();
            row.step_up = Some(required.unwrap_or("customer").into());
            row.expires_at = Some(now + STEP_UP_TTL_MS);
            row.decided_at = None;
            link = Some(LinkToken::generate());
        }
        let link_row = link.as_ref().map(|token| {
            Box::new(LinkRow {
                id: token.id().to_owned(),
                customer: row.customer.clone(),
                purpose: LinkPurpose::StepUp.as_str().into(),
                use_id: Some(row.id.clone()),
                ceremony: None,
                created_at: now,
                expires_at: now + STEP_UP_TTL_MS,
                used_at: None,
                verified_at: None,
            })
        });
        let outcome = if row.status == "failed" {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        let audit = AuditEvent::new(actor, "payment_method.use", outcome, origin)
            .resource(PM, &row.payment_method)
            .detail(serde_json::json!({
                "use": row.id, "status": row.status, "step_up": row.step_up,
                "code": row.failure_code, "amount": row.amount, "currency": row.currency,
                "channel": row.channel,
            }))
            .to_row();
        // Group-committed with other writes; answered once the commit is durable.
        let op = crate::store::WriteOp::Use {
            row: Box::new(row.clone()),
            link: link_row,
            audit: Box::new(audit),
        };
        self.store.batcher().write(op).await?;
        let url = link
            .as_ref()
            .map(|t| self.public_link(&format!("/c/step-up/{}", t.expose())));
        Ok(UseView::from_row(&row, url))
    }

    /// A use's current state (an open challenge past its time is closed as `expired` first).
    /// Scope `payment_methods:use`; only the key that made it, its channel, or an OMS-wide key
    /// sees it. No audit for a read of a use (it holds no card data), but a refused one is
    /// audited as denied `other_channel`.
    pub async fn get_use(
        &self,
        grant: &Grant<ReadPaymentMethodUse>,
        method_id: &str,
        use_id: &str,
        origin: &Origin,
    ) -> Result<UseView, VaultError> {
        let actor = grant.actor();
        let row = self.current_use(use_id, origin).await?;
        match row {
            Some(r) if r.payment_method == method_id => {
                if r.client != actor.id() && actor.reach(&r.channel) == Reach::Hidden {
                    let event = super::other_channel_event(
                        actor,
                        "payment_method.use_read",
                        (USE, shown_id(use_id)),
                        origin,
                    );
                    self.audit_alone(&event).await?;
                    return Err(VaultError::NotFound);
                }
                Ok(UseView::from_row(&r, None))
            }
            _ => Err(VaultError::NotFound),
        }
    }

    /// Closes challenges whose ten minutes ran out (audited, and announced by webhook), so an OMS
    /// that waits for webhooks hears of them without polling. Run by the server every second.
    pub async fn expire_open_challenges(&self, limit: i64) -> Result<usize, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let ids =
            customers::expired_open_uses(&mut conn, crate::clock::now_millis(), limit).await?;
        drop(conn);
        let origin = Origin::default();
        for id in &ids {
            self.current_use(id, &origin).await?;
        }
        Ok(ids.len())
    }

    /// Loads a use, closing it as `expired` if its challenge ran out (audited as
    /// `customer_mfa.challenge` failure `expired`).
    async fn current_use(
        &self,
        use_id: &str,
        origin: &Origin,
    ) -> Result<Option<UseRow>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let row = customers::find_use(&mut conn, use_id).await?;
        drop(conn);
        let Some(mut row) = row else { return Ok(None) };
        let now = crate::clock::now_millis();
        if row.status == "requires_action" && row.expires_at.is_some_and(|e| e <= now) {
            let mut tx = self.store.writer().begin().await?;
            if customers::decide_use(&mut tx, &row.id, "failed", Some("expired"), None, now).await?
            {
                let actor = Actor::SERVICE;
                AuditEvent::new(&actor, "customer_mfa.challenge", Outcome::Failure, origin)
                    .resource(USE, &row.id)
                    .detail(serde_json::json!({ "code": "expired" }))
                    .write(&mut tx)
                    .await?;
                let mut decided = row.clone();
                decided.status = "failed".into();
                decided.failure_code = Some("expired".into());
                decided.decided_at = Some(now);
                self.enqueue_use_event(&mut tx, &decided).await?;
            }
            tx.commit().await?;
            let mut conn = self.store.reader().acquire().await?;
            row = customers::find_use(&mut conn, use_id)
                .await?
                .ok_or(VaultError::NotFound)?;
        }
        Ok(Some(row))
    }

    /// The open challenge `token` names, with its use and method.
    pub(crate) async fn challenge(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<(LinkRow, UseRow, PaymentMethodRow), VaultError> {
        let link = self.open_link(token, LinkPurpose::StepUp).await?;
        let use_id = link.use_id.clone().ok_or(VaultError::LinkExpired)?;
        let row = self
            .current_use(&use_id, origin)
            .await?
            .filter(|u| u.status == "requires_action")
            .ok_or(VaultError::LinkExpired)?;
        let mut conn = self.store.reader().acquire().await?;
        let method = store::payment_methods::find(&mut conn, &row.payment_method)
            .await?
            .ok_or(VaultError::LinkExpired)?;
        Ok((link, row, method))
    }

    /// What the challenge page shows. Nothing is used up by looking.
    pub async fn step_up_page(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<StepUpPage, VaultError> {
        let (link, row, method) = self.challenge(token, origin).await?;
        let mut conn = self.store.reader().acquire().await?;
        let factors = customers::factors(&mut conn, &row.customer).await?;
        let currency = Currency::parse(&row.currency).ok_or(VaultError::LinkExpired)?;
        let amount = Amount::new(row.amount).ok_or(VaultError::LinkExpired)?;
        Ok(StepUpPage {
            merchant: self.customer.merchant_name.clone(),
            amount: amount.display(&currency),
            order_reference: row.order_ref.clone(),
            card: masked_label(&method),
            has_totp: factors.iter().any(|f| f.confirmed && f.kind == "totp"),
            has_passkey: factors.iter().any(|f| f.confirmed && f.kind == "passkey"),
            attempts_left: (MAX_ATTEMPTS - row.attempts).max(0),
            expires_at: link.expires_at,
        })
    }

    /// Answers a challenge with a TOTP code. Audit `customer_mfa.challenge` per attempt.
    pub async fn step_up_with_totp(
        &self,
        token: &str,
        code: &str,
        origin: &Origin,
    ) -> Result<StepUpResult, VaultError> {
        let (link, row, _) = self.challenge(token, origin).await?;
        let matched = self.totp_matches(&row.customer, code).await?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        // A locked-out customer's code is not looked at, so it is not spent either.
        let locked =
            customers::recent_wrong_answers(&mut tx, &row.customer, now - LOCKOUT_WINDOW_MS)
                .await?
                >= MAX_WRONG_PER_WINDOW;
        let accepted = !locked && super::customer_mfa::accept_first(&mut tx, &matched, now).await?;
        let code_kind = if matched.is_empty() {
            "invalid_code"
        } else {
            "replayed_code"
        };
        let result = self
            .finish_attempt(&mut tx, &link, &row, accepted, "totp", code_kind, origin)
            .await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Counts one attempt and settles the challenge: approved, another try, or failed after
    /// the fifth wrong answer. Writes the attempt's audit event into `tx`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_attempt(
        &self,
        tx: &mut sqlx::AnyConnection,
        link: &LinkRow,
        row: &UseRow,
        passed: bool,
        factor: &'static str,
        wrong: &'static str,
        origin: &Origin,
    ) -> Result<StepUpResult, VaultError> {
        let actor = Actor::customer(row.customer.clone());
        let now = crate::clock::now_millis();
        let wrong_before =
            customers::recent_wrong_answers(tx, &row.customer, now - LOCKOUT_WINDOW_MS).await?;
        let attempts = customers::count_attempt(tx, &row.id)
            .await?
            .ok_or(VaultError::LinkExpired)?;
        let event = |outcome, detail| {
            AuditEvent::new(&actor, "customer_mfa.challenge", outcome, origin)
                .resource(USE, &row.id)
                .detail(detail)
        };
        if wrong_before >= MAX_WRONG_PER_WINDOW {
            // Locked: the answer is not even looked at.
            let code = "too_many_failures";
            customers::decide_use(tx, &row.id, "failed", Some(code), None, now).await?;
            customers::redeem_link(tx, &link.id, now).await?;
            event(
                Outcome::Failure,
                serde_json::json!({ "factor": factor, "code": code, "attempt": attempts }),
            )
            .write(tx)
            .await?;
            let mut decided = row.clone();
            decided.status = "failed".into();
            decided.failure_code = Some(code.into());
            decided.attempts = attempts;
            decided.decided_at = Some(now);
            self.enqueue_use_event(tx, &decided).await?;
            return Ok(StepUpResult::Failed { code });
        }
        if passed {
            customers::decide_use(tx, &row.id, "approved", None, Some(factor), now).await?;
            customers::redeem_link(tx, &link.id, now).await?;
            let mut decided = row.clone();
            decided.status = "approved".into();
            decided.factor_kind = Some(factor.into());
            decided.attempts = attempts;
            decided.decided_at = Some(now);
            self.enqueue_use_event(tx, &decided).await?;
            event(
                Outcome::Success,
                serde_json::json!({ "factor": factor, "attempt": attempts }),
            )
            .write(tx)
            .await?;
            return Ok(StepUpResult::Approved);
        }
        if attempts >= MAX_ATTEMPTS {
            customers::decide_use(tx, &row.id, "failed", Some("attempts_exceeded"), None, now)
                .await?;
            customers::redeem_link(tx, &link.id, now).await?;
            let mut decided = row.clone();
            decided.status = "failed".into();
            decided.failure_code = Some("attempts_exceeded".into());
            decided.attempts = attempts;
            decided.decided_at = Some(now);
            self.enqueue_use_event(tx, &decided).await?;
            event(
                Outcome::Failure,
                serde_json::json!({ "factor": factor, "code": "attempts_exceeded", "attempt": attempts }),
            )
            .write(tx)
            .await?;
            return Ok(StepUpResult::Failed {
                code: "attempts_exceeded",
            });
        }
        event(
            Outcome::Failure,
            serde_json::json!({ "factor": factor, "code": wrong, "attempt": attempts }),
        )
        .write(tx)
        .await?;
        Ok(StepUpResult::Retry {
            attempts_left: MAX_ATTEMPTS - attempts,
        })
    }

    /// Spends an approved use of this method for one reveal by the API client that created it,
    /// within ten minutes of its approval. False (the caller audits `use_not_approved`) if the
    /// use is not approved, another method's or client's, older, or already spent.
    pub(crate) async fn spend_use_for_reveal(
        &self,
        actor: &Actor,
        method_id: &str,
        use_id: &str,
    ) -> Result<bool, VaultError> {
        let now = crate::clock::now_millis();
        let mut conn = self.store.writer().acquire().await?;
        Ok(customers::spend_for_reveal(
            &mut conn,
            use_id,
            method_id,
            actor.id(),
            now - STEP_UP_TTL_MS,
            now,
        )
        .await?)
    }
}
