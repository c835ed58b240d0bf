//! Customers' passkeys (WebAuthn): registering one in an enrolment session, and answering a
//! step-up challenge with one. The ceremony's server state waits on the link row it belongs to
//! and is cleared when taken, so it cannot be answered twice.

use super::Vault;
use super::customer_mfa::{CustomerSession, FACTOR, FactorView};
use super::uses::StepUpResult;
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::cde::seal::Sealed;
use crate::error::VaultError;
use crate::store::{customers, customers::FactorRow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid,
};

impl Vault {
    fn relying_party(&self) -> Result<&Webauthn, VaultError> {
        self.webauthn
            .as_ref()
            .ok_or(VaultError::PasskeysUnavailable)
    }

    /// Whether passkeys can be offered on this site.
    pub fn passkeys_available(&self) -> bool {
        self.webauthn.is_some()
    }

    /// The customer's passkeys, opened, with their rows.
    async fn passkeys(&self, customer: &str) -> Result<Vec<(FactorRow, Passkey)>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let rows = customers::factors(&mut conn, customer).await?;
        drop(conn);
        let mut out = Vec::new();
        for row in rows
            .into_iter()
            .filter(|r| r.kind == "passkey" && r.confirmed)
        {
            let clear = self.open_factor(&row).await?;
            let pk: Passkey =
                serde_json::from_slice(&clear).map_err(|_| VaultError::Unavailable)?;
            out.push((row, pk));
        }
        Ok(out)
    }

    /// Starts a passkey registration: the options for `navigator.credentials.create`.
    pub async fn begin_customer_passkey(
        &self,
        session: &CustomerSession,
    ) -> Result<serde_json::Value, VaultError> {
        session.require_proof()?;
        let rp = self.relying_party()?;
        let existing = self.passkeys(session.customer()).await?;
        let exclude = existing
            .iter()
            .map(|(_, pk)| pk.cred_id().clone())
            .collect();
        let display = format!("{} payments", self.customer.merchant_name);
        let (options, state) = rp
            .start_passkey_registration(Uuid::new_v4(), session.customer(), &display, Some(exclude))
            .map_err(|_| VaultError::Unavailable)?;
        let state = serde_json::to_string(&state).map_err(|_| VaultError::Unavailable)?;
        let mut conn = self.store.writer().acquire().await?;
        customers::set_ceremony(&mut conn, session.link_id(), Some(&state)).await?;
        serde_json::to_value(&options).map_err(|_| VaultError::Unavailable)
    }

    /// Finishes a registration with the browser's `credential.toJSON()`. Audit
    /// `customer_mfa.enrol` (kind `passkey`; failure `passkey_rejected`).
    pub async fn finish_customer_passkey(
        &self,
        session: &CustomerSession,
        credential: &[u8],
        origin: &Origin,
    ) -> Result<FactorView, VaultError> {
        session.require_proof()?;
        let rp = self.relying_party()?;
        let actor = session.actor();
        let mut conn = self.store.writer().acquire().await?;
        let link = customers::find_link(&mut conn, session.link_id()).await?;
        customers::set_ceremony(&mut conn, session.link_id(), None).await?;
        drop(conn);
        let state: Option<PasskeyRegistration> = link
            .and_then(|l| l.ceremony)
            .and_then(|c| serde_json::from_str(&c).ok());
        let cred: Option<RegisterPublicKeyCredential> = serde_json::from_slice(credential).ok();
        let passkey = match (state, cred) {
            (Some(state), Some(cred)) => rp.finish_passkey_registration(&cred, &state).ok(),
            _ => None,
        };
        let credential_id = passkey
            .as_ref()
            .map(|pk| URL_SAFE_NO_PAD.encode(pk.cred_id().as_slice()));
        let mut conn = self.store.reader().acquire().await?;
        let taken = match &credential_id {
            Some(c) => customers::credential_taken(&mut conn, c).await?,
            None => false,
        };
        drop(conn);
        let (Some(passkey), Some(credential_id), false) = (passkey, credential_id, taken) else {
            let event = AuditEvent::new(&actor, "customer_mfa.enrol", Outcome::Failure, origin)
                .resource(super::customer_mfa::CUSTOMER, session.customer())
                .detail(serde_json::json!({ "kind": "passkey", "code": "passkey_rejected" }));
            self.audit_alone(&event).await?;
            return Err(IntakeError::invalid_because(
                "credential",
                "the passkey could not be verified",
            )
            .into());
        };
        let id = crate::token::random_id("cf");
        let json = serde_json::to_vec(&passkey).map_err(|_| VaultError::Unavailable)?;
        let sealed = self.seal_factor(&id, &json)?;
        let now = crate::clock::now_millis();
        let row = FactorRow {
            id: id.clone(),
            customer: session.customer().to_owned(),
            kind: "passkey".into(),
            label: "Passkey".into(),
            key_id: sealed.key_id,
            nonce: sealed.nonce,
            secret: sealed.ciphertext,
            credential: Some(credential_id),
            confirmed: true,
            last_step: None,
            created_at: now,
            last_used_at: None,
        };
        let mut tx = self.store.writer().begin().await?;
        customers::insert_factor(&mut tx, &row).await?;
        AuditEvent::new(&actor, "customer_mfa.enrol", Outcome::Success, origin)
            .resource(FACTOR, &id)
            .detail(serde_json::json!({ "kind": "passkey" }))
            .write(&mut tx)
            .await?;
        self.enqueue_factor_event(&mut tx, session.customer(), true, &id, "passkey")
            .await?;
        tx.commit().await?;
        Ok(FactorView {
            id,
            kind: row.kind,
            label: row.label,
            created_at: now,
            last_used_at: None,
        })
    }

    /// Starts an assertion with the customer's passkeys, its state kept on link `link_id`:
    /// the options for `navigator.credentials.get`.
    async fn start_assertion(
        &self,
        customer: &str,
        link_id: &str,
    ) -> Result<serde_json::Value, VaultError> {
        let rp = self.relying_party()?;
        let keys: Vec<Passkey> = self
            .passkeys(customer)
            .await?
            .into_iter()
            .map(|(_, pk)| pk)
            .collect();
        if keys.is_empty() {
            return Err(VaultError::NotFound);
        }
        let (options, state) = rp
            .start_passkey_authentication(&keys)
            .map_err(|_| VaultError::Unavailable)?;
        let state = serde_json::to_string(&state).map_err(|_| VaultError::Unavailable)?;
        let mut conn = self.store.writer().acquire().await?;
        customers::set_ceremony(&mut conn, link_id, Some(&state)).await?;
        serde_json::to_value(&options).map_err(|_| VaultError::Unavailable)
    }

    /// Checks the browser's assertion against the ceremony that was started. If it passes, the
    /// passkey's new state (its signature counter moved), sealed, to store with
    /// `customers::update_secret`: (factor id, the nonce it was read with, new state).
    async fn check_assertion(
        &self,
        customer: &str,
        ceremony: Option<&str>,
        credential: &[u8],
    ) -> Result<Option<(String, Vec<u8>, Sealed)>, VaultError> {
        let rp = self.relying_party()?;
        let state: Option<PasskeyAuthentication> =
            ceremony.and_then(|c| serde_json::from_str(c).ok());
        let cred: Option<PublicKeyCredential> = serde_json::from_slice(credential).ok();
        let Some(result) = (match (state, cred) {
            (Some(state), Some(cred)) => rp.finish_passkey_authentication(&cred, &state).ok(),
            _ => None,
        }) else {
            return Ok(None);
        };
        for (factor, mut pk) in self.passkeys(customer).await? {
            if pk.update_credential(&result).is_some() {
                let json = serde_json::to_vec(&pk).map_err(|_| VaultError::Unavailable)?;
                let sealed = self.seal_factor(&factor.id, &json)?;
                return Ok(Some((factor.id, factor.nonce, sealed)));
            }
        }
        Ok(None)
    }

    /// Starts answering a challenge with a passkey: the options for `navigator.credentials.get`.
    pub async fn begin_step_up_passkey(
        &self,
        token: &str,
        origin: &Origin,
    ) -> Result<serde_json::Value, VaultError> {
        self.relying_party()?;
        let (link, row, _) = self.challenge(token, origin).await?;
        self.start_assertion(&row.customer, &link.id).await
    }

    /// Answers a challenge with the browser's assertion. Counts as one attempt; audit
    /// `customer_mfa.challenge` (factor `passkey`).
    pub async fn finish_step_up_passkey(
        &self,
        token: &str,
        credential: &[u8],
        origin: &Origin,
    ) -> Result<StepUpResult, VaultError> {
        self.relying_party()?;
        let (link, row, _) = self.challenge(token, origin).await?;
        let updated = self
            .check_assertion(&row.customer, link.ceremony.as_deref(), credential)
            .await?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        customers::set_ceremony(&mut tx, &link.id, None).await?;
        if let Some((id, old_nonce, sealed)) = &updated {
            customers::update_secret(&mut tx, id, old_nonce, sealed, now).await?;
        }
        let outcome = self
            .finish_attempt(
                &mut tx,
                &link,
                &row,
                updated.is_some(),
                "passkey",
                "passkey_rejected",
                origin,
            )
            .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Starts proving an existing passkey in an enrolment session (see
    /// [`Vault::prove_customer_session_totp`]): the options for `navigator.credentials.get`.
    pub async fn begin_session_passkey_proof(
        &self,
        session: &CustomerSession,
    ) -> Result<serde_json::Value, VaultError> {
        self.start_assertion(session.customer(), session.link_id())
            .await
    }

    /// Finishes a passkey proof. Audit `customer_mfa.session_verify` (factor `passkey`).
    pub async fn finish_session_passkey_proof(
        &self,
        session: &CustomerSession,
        credential: &[u8],
        origin: &Origin,
    ) -> Result<(), VaultError> {
        self.relying_party()?;
        let mut conn = self.store.writer().acquire().await?;
        let link = customers::find_link(&mut conn, session.link_id()).await?;
        customers::set_ceremony(&mut conn, session.link_id(), None).await?;
        drop(conn);
        let ceremony = link.and_then(|l| l.ceremony);
        let updated = self
            .check_assertion(session.customer(), ceremony.as_deref(), credential)
            .await?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        if let Some((id, old_nonce, sealed)) = &updated {
            customers::update_secret(&mut tx, id, old_nonce, sealed, now).await?;
        }
        self.settle_session_proof(&mut tx, session, updated.is_some(), "passkey", origin)
            .await?;
        tx.commit().await?;
        if updated.is_some() {
            Ok(())
        } else {
            Err(VaultError::InvalidCode)
        }
    }
}
