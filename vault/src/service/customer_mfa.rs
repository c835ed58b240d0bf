//! Customers' MFA enrolment. The OMS issues a link; the customer redeems it once for a short
//! session (a cookie), in which they list, add (TOTP, passkey) and remove factors and choose
//! step-up on every use. Every step is audited with the customer as actor.

use super::Vault;
use crate::access::{Actor, CreateEnrolmentLink, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::{CustomerRef, IntakeError};
use crate::cde::seal::{self, Sealed};
use crate::customer::link::{self, ENROL_TTL_MS, SESSION_TTL_MS};
use crate::customer::{LinkPurpose, LinkToken};
use crate::error::VaultError;
use crate::staff::totp;
use crate::store::{customers, customers::FactorRow, customers::LinkRow};
use zeroize::Zeroizing;

pub(crate) const CUSTOMER: &str = "customer";
pub(crate) const FACTOR: &str = "customer_factor";

/// A link handed to the OMS to pass on to its customer.
#[derive(Clone)]
pub struct IssuedLink {
    pub url: String,
    /// Unix ms.
    pub expires_at: i64,
}

impl std::fmt::Debug for IssuedLink {
    /// The URL carries the link's token: never in `Debug` output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedLink(<hidden>, expires {})", self.expires_at)
    }
}

/// Proof that the bearer redeemed an enrolment link for `customer` less than 15 minutes ago.
/// Only the vault makes one (from a valid session cookie).
#[derive(Debug, Clone)]
pub struct CustomerSession {
    customer: String,
    link_id: String,
    expires_at: i64,
    /// The customer proved an existing factor in this session (or had none when it began).
    proven: bool,
}

impl CustomerSession {
    pub fn customer(&self) -> &str {
        &self.customer
    }

    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// Whether the customer must prove an existing factor before changing their factors.
    pub fn needs_proof(&self) -> bool {
        !self.proven
    }

    /// Refuses a change until an existing factor was proven (someone holding only a link must
    /// not replace a customer's factors).
    pub(crate) fn require_proof(&self) -> Result<(), VaultError> {
        if self.proven {
            Ok(())
        } else {
            Err(crate::access::Denied {
                action: "customer_mfa.change",
                required: crate::access::STEP_UP,
                step_up: true,
            }
            .into())
        }
    }

    pub(crate) fn link_id(&self) -> &str {
        &self.link_id
    }

    pub(crate) fn actor(&self) -> Actor {
        Actor::customer(self.customer.clone())
    }
}

/// A confirmed factor as its customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorView {
    pub id: String,
    /// `totp` or `passkey`.
    pub kind: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A new authenticator-app key awaiting its first code: shown to the customer once.
pub struct PendingTotp {
    pub factor_id: String,
    pub manual_key: Zeroizing<String>,
    pub uri: Zeroizing<String>,
}

impl std::fmt::Debug for PendingTotp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingTotp({}, <hidden>)", self.factor_id)
    }
}

pub(crate) fn factor_record(id: &str) -> String {
    format!("customer_factor:{id}")
}

fn customer_actor(customer: &str) -> Actor {
    Actor::customer(customer.to_owned())
}

impl Vault {
    /// The step-up settings, for security admins to read (they live in configuration).
    pub fn step_up_policy(
        &self,
        _grant: &Grant<crate::access::ReadStepUpPolicy>,
    ) -> &crate::customer::CustomerSettings {
        &self.customer
    }

    /// The site's URL for `path` (which starts with `/`).
    pub(crate) fn public_link(&self, path: &str) -> String {
        format!("{}{path}", self.customer.public_url.trim_end_matches('/'))
    }

    /// Issues a single-use enrolment link (24 h) for `customer`. Scope `customers:mfa`; audit
    /// `customer_mfa.link_create`.
    pub async fn issue_enrolment_link(
        &self,
        grant: &Grant<CreateEnrolmentLink>,
        customer: &str,
        origin: &Origin,
    ) -> Result<IssuedLink, VaultError> {
        let customer =
            CustomerRef::parse(customer).ok_or_else(|| IntakeError::invalid("customer"))?;
        let token = LinkToken::generate();
        let now = crate::clock::now_millis();
        let row = LinkRow {
            id: token.id().to_owned(),
            customer: customer.as_str().to_owned(),
            purpose: LinkPurpose::Enrol.as_str().into(),
            use_id: None,
            ceremony: None,
            created_at: now,
            expires_at: now + ENROL_TTL_MS,
            used_at: None,
            verified_at: None,
        };
        let mut tx = self.store.writer().begin().await?;
        customers::insert_link(&mut tx, &row).await?;
        AuditEvent::new(
            grant.actor(),
            "customer_mfa.link_create",
            Outcome::Success,
            origin,
        )
        .resource(CUSTOMER, customer.as_str())
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(IssuedLink {
            url: self.public_link(&format!("/c/enrol/{}", token.expose())),
            expires_at: row.expires_at,
        })
    }

    /// The open link `token` names, if it is one of `purpose`, unused and unexpired.
    pub(crate) async fn open_link(
        &self,
        token: &str,
        purpose: LinkPurpose,
    ) -> Result<LinkRow, VaultError> {
        let id = link::id_of(token).ok_or(VaultError::LinkExpired)?;
        let mut conn = self.store.reader().acquire().await?;
        let row = customers::find_link(&mut conn, &id).await?;
        match row {
            Some(r)
                if r.purpose == purpose.as_str()
                    && r.used_at.is_none()
                    && r.expires_at > crate::clock::now_millis() =>
            {
                Ok(r)
            }
            _ => Err(VaultError::LinkExpired),
        }
    }

    /// Whether an enrolment link can still be redeemed (the landing page; nothing is used up,
    /// so a mail scanner fetching the link does not spend it).
    pub async fn check_enrolment_link(&self, token: &str) -> Result<(), VaultError> {
        self.open_link(token, LinkPurpose::Enrol).await.map(|_| ())
    }

    /// Redeems an enrolment link once for a 15-minute session; returns the session's cookie
    /// token. Audit `customer_mfa.link_open` (success, or failure for an expired or used link).
    pub async fn redeem_enrolment_link(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<(LinkToken, CustomerSession), VaultError> {
        fn failure<'a>(actor: &'a Actor, code: &'static str, origin: &'a Origin) -> AuditEvent<'a> {
            AuditEvent::new(actor, "customer_mfa.link_open", Outcome::Failure, origin)
                .detail(serde_json::json!({ "code": code }))
        }
        let Some(id) = link::id_of(token) else {
            self.audit_alone(&failure(&Actor::ANONYMOUS, "unknown_link", origin))
                .await?;
            return Err(VaultError::LinkExpired);
        };
        let mut conn = self.store.reader().acquire().await?;
        let found = customers::find_link(&mut conn, &id).await?;
        drop(conn);
        let Some(found) = found.filter(|r| r.purpose == LinkPurpose::Enrol.as_str()) else {
            self.audit_alone(&failure(&Actor::ANONYMOUS, "unknown_link", origin))
                .await?;
            return Err(VaultError::LinkExpired);
        };
        let actor = customer_actor(&found.customer);
        let now = crate::clock::now_millis();
        let session = LinkToken::generate();
        let mut tx = self.store.writer().begin().await?;
        if !customers::redeem_link(&mut tx, &id, now).await? {
            drop(tx);
            let event =
                failure(&actor, "expired_or_used", origin).resource(CUSTOMER, &found.customer);
            self.audit_alone(&event).await?;
            return Err(VaultError::LinkExpired);
        }
        // A customer who already has a factor must prove one before changing any.
        let enrolled = customers::factors(&mut tx, &found.customer)
            .await?
            .iter()
            .any(|f| f.confirmed);
        let row = LinkRow {
            id: session.id().to_owned(),
            customer: found.customer.clone(),
            purpose: LinkPurpose::Session.as_str().into(),
            use_id: None,
            ceremony: None,
            created_at: now,
            expires_at: now + SESSION_TTL_MS,
            used_at: None,
            verified_at: (!enrolled).then_some(now),
        };
        customers::insert_link(&mut tx, &row).await?;
        AuditEvent::new(&actor, "customer_mfa.link_open", Outcome::Success, origin)
            .resource(CUSTOMER, &found.customer)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        let s = CustomerSession {
            customer: found.customer,
            link_id: row.id,
            expires_at: row.expires_at,
            proven: !enrolled,
        };
        Ok((session, s))
    }

    /// The session a customer's cookie names, if it is still open.
    pub async fn customer_session(&self, token: &str) -> Result<CustomerSession, VaultError> {
        let row = self.open_link(token, LinkPurpose::Session).await?;
        Ok(CustomerSession {
            customer: row.customer,
            link_id: row.id,
            expires_at: row.expires_at,
            proven: row.verified_at.is_some(),
        })
    }

    /// Ends a customer's session ("Done"). Audit `customer_mfa.session_end`.
    pub async fn end_customer_session(
        &self,
        session: &CustomerSession,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let mut tx = self.store.writer().begin().await?;
        customers::redeem_link(&mut tx, session.link_id(), crate::clock::now_millis()).await?;
        AuditEvent::new(
            &session.actor(),
            "customer_mfa.session_end",
            Outcome::Success,
            origin,
        )
        .resource(CUSTOMER, session.customer())
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer's confirmed factors, and whether they asked for a step-up on every use.
    pub async fn customer_factors(
        &self,
        session: &CustomerSession,
    ) -> Result<(Vec<FactorView>, bool), VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let rows = customers::factors(&mut conn, session.customer()).await?;
        let always = customers::step_up_always(&mut conn, session.customer()).await?;
        let views = rows
            .into_iter()
            .filter(|r| r.confirmed)
            .map(|r| FactorView {
                id: r.id,
                kind: r.kind,
                label: r.label,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
            })
            .collect();
        Ok((views, always))
    }

    pub(crate) fn seal_factor(&self, id: &str, secret: &[u8]) -> Result<Sealed, VaultError> {
        Ok(seal::seal(
            &self.keys.current(),
            &factor_record(id),
            secret,
        )?)
    }

    pub(crate) async fn open_factor(
        &self,
        row: &FactorRow,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let key = self.keys.get(&row.key_id, &self.store).await?;
        let sealed = Sealed {
            key_id: row.key_id.clone(),
            nonce: row.nonce.clone(),
            ciphertext: row.secret.clone(),
        };
        Ok(seal::open(&key, &factor_record(&row.id), &sealed)?)
    }

    /// Starts an authenticator-app enrolment: a fresh key, pending until a code confirms it.
    /// Audit `customer_mfa.enrol_start`.
    pub async fn begin_customer_totp(
        &self,
        session: &CustomerSession,
        origin: &Origin,
    ) -> Result<PendingTotp, VaultError> {
        session.require_proof()?;
        let key = totp::new_key();
        let id = crate::token::random_id("cf");
        let sealed = self.seal_factor(&id, &key)?;
        let row = FactorRow {
            id: id.clone(),
            customer: session.customer().to_owned(),
            kind: "totp".into(),
            label: "Authenticator app".into(),
            key_id: sealed.key_id,
            nonce: sealed.nonce,
            secret: sealed.ciphertext,
            credential: None,
            confirmed: false,
            last_step: None,
            created_at: crate::clock::now_millis(),
            last_used_at: None,
        };
        // totp-rs refuses ':' in the account name (it separates issuer and account).
        let account = session.customer().replace(':', "-");
        let uri = totp::uri_for(&key, &self.customer.merchant_name, &account)
            .ok_or(VaultError::Unavailable)?;
        let mut tx = self.store.writer().begin().await?;
        customers::insert_factor(&mut tx, &row).await?;
        AuditEvent::new(
            &session.actor(),
            "customer_mfa.enrol_start",
            Outcome::Success,
            origin,
        )
        .resource(FACTOR, &id)
        .detail(serde_json::json!({ "kind": "totp" }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(PendingTotp {
            factor_id: id,
            manual_key: Zeroizing::new(totp::manual_key(&key)),
            uri: Zeroizing::new(uri),
        })
    }

    /// Confirms a pending authenticator with its first code. Audit `customer_mfa.enrol`
    /// (success, or failure `invalid_code`).
    pub async fn confirm_customer_totp(
        &self,
        session: &CustomerSession,
        factor_id: &str,
        code: &str,
        origin: &Origin,
    ) -> Result<FactorView, VaultError> {
        session.require_proof()?;
        let actor = session.actor();
        let mut conn = self.store.reader().acquire().await?;
        let rows = customers::factors(&mut conn, session.customer()).await?;
        drop(conn);
        let Some(row) = rows
            .into_iter()
            .find(|r| r.id == factor_id && r.kind == "totp" && !r.confirmed)
        else {
            return Err(VaultError::NotFound);
        };
        let key = self.open_factor(&row).await?;
        let now = crate::clock::now_millis();
        let step = totp::check(&key, code, super::staff::now_secs())
            .map(|s| i64::try_from(s).unwrap_or(i64::MAX));
        let mut tx = self.store.writer().begin().await?;
        let confirmed = match step {
            Some(step) => customers::confirm_factor(&mut tx, &row.id, step, now).await?,
            None => false,
        };
        let outcome = if confirmed {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let mut event = AuditEvent::new(&actor, "customer_mfa.enrol", outcome, origin)
            .resource(FACTOR, &row.id);
        event = if confirmed {
            event.detail(serde_json::json!({ "kind": "totp" }))
        } else {
            event.detail(serde_json::json!({ "kind": "totp", "code": "invalid_code" }))
        };
        event.write(&mut tx).await?;
        if confirmed {
            self.enqueue_factor_event(&mut tx, session.customer(), true, &row.id, "totp")
                .await?;
        }
        tx.commit().await?;
        if !confirmed {
            return Err(VaultError::InvalidCode);
        }
        Ok(FactorView {
            id: row.id,
            kind: row.kind,
            label: row.label,
            created_at: row.created_at,
            last_used_at: Some(now),
        })
    }

    /// Removes one of the customer's factors (with the last one goes the every-use step-up).
    /// Audit `customer_mfa.remove`.
    pub async fn remove_customer_factor(
        &self,
        session: &CustomerSession,
        factor_id: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        session.require_proof()?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let kind = customers::factors(&mut tx, session.customer())
            .await?
            .into_iter()
            .find(|f| f.id == factor_id)
            .map(|f| f.kind);
        if !customers::delete_factor(&mut tx, session.customer(), factor_id).await? {
            return Err(VaultError::NotFound);
        }
        let kind = kind.unwrap_or_default();
        self.enqueue_factor_event(&mut tx, session.customer(), false, factor_id, &kind)
            .await?;
        let left = customers::factors(&mut tx, session.customer()).await?;
        if !left.iter().any(|f| f.confirmed) {
            customers::set_step_up_always(&mut tx, session.customer(), false, now).await?;
        }
        AuditEvent::new(
            &session.actor(),
            "customer_mfa.remove",
            Outcome::Success,
            origin,
        )
        .resource(FACTOR, factor_id)
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns step-up on every use on or off (on needs a confirmed factor). Audit
    /// `customer_mfa.preference`.
    pub async fn set_customer_step_up_always(
        &self,
        session: &CustomerSession,
        always: bool,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        session.require_proof()?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let factors = customers::factors(&mut tx, session.customer()).await?;
        if always && !factors.iter().any(|f| f.confirmed) {
            return Err(
                IntakeError::invalid_because("step_up_always", "add a factor first").into(),
            );
        }
        customers::set_step_up_always(&mut tx, session.customer(), always, now).await?;
        AuditEvent::new(
            &session.actor(),
            "customer_mfa.preference",
            Outcome::Success,
            origin,
        )
        .resource(CUSTOMER, session.customer())
        .detail(serde_json::json!({ "step_up_always": always }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer's confirmed authenticator apps that `code` matches now, with the time step
    /// it matched (to be accepted once with [`accept_first`]).
    pub(crate) async fn totp_matches(
        &self,
        customer: &str,
        code: &str,
    ) -> Result<Vec<(String, i64)>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let factors = customers::factors(&mut conn, customer).await?;
        drop(conn);
        let mut matched = Vec::new();
        for f in factors.iter().filter(|f| f.confirmed && f.kind == "totp") {
            let key = self.open_factor(f).await?;
            if let Some(step) = totp::check(&key, code, super::staff::now_secs()) {
                matched.push((f.id.clone(), i64::try_from(step).unwrap_or(i64::MAX)));
            }
        }
        Ok(matched)
    }

    /// Proves an existing authenticator app in this session (a fresh code, used once), which
    /// unlocks changes. Five wrong codes end the session. Audit `customer_mfa.session_verify`.
    pub async fn prove_customer_session_totp(
        &self,
        session: &CustomerSession,
        code: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let matched = self.totp_matches(session.customer(), code).await?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let passed = accept_first(&mut tx, &matched, now).await?;
        self.settle_session_proof(&mut tx, session, passed, "totp", origin)
            .await?;
        tx.commit().await?;
        if passed {
            Ok(())
        } else {
            Err(VaultError::InvalidCode)
        }
    }

    /// Records a proof attempt in `tx`: marks the session proven, or counts a miss (the fifth
    /// ends the session).
    pub(crate) async fn settle_session_proof(
        &self,
        tx: &mut sqlx::AnyConnection,
        session: &CustomerSession,
        passed: bool,
        factor: &'static str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let now = crate::clock::now_millis();
        let actor = session.actor();
        if passed {
            customers::verify_session(tx, session.link_id(), now).await?;
            AuditEvent::new(
                &actor,
                "customer_mfa.session_verify",
                Outcome::Success,
                origin,
            )
            .resource(CUSTOMER, session.customer())
            .detail(serde_json::json!({ "factor": factor }))
            .write(tx)
            .await?;
            return Ok(());
        }
        let misses = customers::count_session_miss(tx, session.link_id()).await?;
        if misses >= link::MAX_ATTEMPTS {
            customers::redeem_link(tx, session.link_id(), now).await?;
        }
        AuditEvent::new(
            &actor,
            "customer_mfa.session_verify",
            Outcome::Failure,
            origin,
        )
        .resource(CUSTOMER, session.customer())
        .detail(serde_json::json!({ "factor": factor, "attempt": misses }))
        .write(tx)
        .await?;
        Ok(())
    }
}

/// Accepts the first matched time step not used before (a code works once, PCI DSS 8.5.1);
/// whether one was.
pub(crate) async fn accept_first(
    tx: &mut sqlx::AnyConnection,
    matched: &[(String, i64)],
    now: i64,
) -> Result<bool, VaultError> {
    for (id, step) in matched {
        if customers::accept_step(tx, id, *step, now).await? {
            return Ok(true);
        }
    }
    Ok(false)
}
