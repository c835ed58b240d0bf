//! Sign-in: the password (argon2id, same time and answer for unknown, wrong, locked, disabled
//! and inactive accounts), then a TOTP or recovery code; step-up with a fresh TOTP code.
//! Failed passwords and codes both count towards the lockout (PCI DSS 8.3.4).

use super::{USER, account, now_secs, self_actor};
use crate::access::Actor;
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::service::Vault;
use crate::staff::{Email, INACTIVE_MS, LOCKOUT_MS, MAX_FAILED_ATTEMPTS, StaffAccount, password};
use crate::staff::{recovery, totp};
use crate::store::{self, StaffRow};
use secrecy::SecretString;

/// The second factor that was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    RecoveryCode,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
        }
    }
}

impl Vault {
    /// Checks email and password. Every failure is `Unauthenticated` whatever the cause (the
    /// cause goes to the audit event). Audit: `staff.sign_in`.
    pub async fn sign_in(
        &self,
        email: &str,
        password: SecretString,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let now = crate::clock::now_millis();
        let email = Email::parse(email).ok();
        let row = match &email {
            Some(e) => {
                let mut conn = self.store.reader().acquire().await?;
                store::staff::find_by_email(&mut conn, e.as_str()).await?
            }
            None => None,
        };
        let matches = password::verify(password, row.as_ref().map(|r| r.password_hash.clone()))
            .await
            .map_err(|_| VaultError::Unavailable)?;
        let Some(row) = row else {
            let typed = email
                .as_ref()
                .map_or("(not an email address)", |e| e.as_str());
            let event =
                AuditEvent::new(&Actor::ANONYMOUS, "staff.sign_in", Outcome::Failure, origin)
                    .resource("staff_email", typed)
                    .detail(serde_json::json!({ "code": "unknown_account" }));
            self.audit_alone(&event).await?;
            return Err(VaultError::Unauthenticated);
        };
        // Re-read after hashing: failures recorded while this request waited for a hashing slot
        // (many attempts at once) must lock it out too.
        let row = self
            .find_staff(&row.id)
            .await?
            .ok_or(VaultError::Unauthenticated)?;
        let refusal = if row.disabled_at.is_some() {
            Some("disabled")
        } else if now - row.last_active_at > INACTIVE_MS {
            self.disable_inactive(&row, now).await?;
            Some("inactive")
        } else if row.locked_until.is_some_and(|t| t > now) {
            Some("locked")
        } else if !matches {
            None
        } else {
            let actor = self_actor(&row);
            let event = AuditEvent::new(&actor, "staff.sign_in", Outcome::Success, origin)
                .resource(USER, &row.id)
                .detail(serde_json::json!({ "factor": "password" }));
            self.audit_alone(&event).await?;
            return Ok(account(&row));
        };
        match refusal {
            Some(code) => {
                let event =
                    AuditEvent::new(&Actor::ANONYMOUS, "staff.sign_in", Outcome::Failure, origin)
                        .resource(USER, &row.id)
                        .detail(serde_json::json!({ "code": code }));
                self.audit_alone(&event).await?;
            }
            None => {
                self.count_failure(&row, "staff.sign_in", "wrong_password", origin)
                    .await?
            }
        }
        Err(VaultError::Unauthenticated)
    }

    /// The second factor at sign-in: a TOTP code (never one already used) or an unused
    /// recovery code; says which. Audit: `staff.mfa`.
    pub async fn verify_mfa(
        &self,
        user_id: &str,
        code: &str,
        origin: &Origin,
    ) -> Result<(StaffAccount, Factor), VaultError> {
        let row = self.usable_row(user_id, "staff.mfa", origin).await?;
        if !row.totp_enabled {
            return Err(VaultError::Unauthenticated);
        }
        let factor = self
            .second_factor(&row, code, true, "staff.mfa", origin)
            .await?;
        let row = self
            .find_staff(user_id)
            .await?
            .ok_or(VaultError::Unauthenticated)?;
        Ok((account(&row), factor))
    }

    /// A member who lost their authenticator and signed in with a recovery code replaces it:
    /// the old key and the remaining recovery codes go, every other session of the account
    /// ends, and the account enrols a new authenticator (the console checks the recovery-code
    /// sign-in was this session's, minutes ago). Audit: `staff.mfa_replace`.
    pub async fn replace_own_authenticator(
        &self,
        user_id: &str,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let row = self
            .usable_row(user_id, "staff.mfa_replace", origin)
            .await?;
        if !row.totp_enabled {
            return Err(VaultError::Unauthenticated);
        }
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::remove_authenticator(&mut tx, &row.id, now).await?;
        AuditEvent::new(
            &self_actor(&row),
            "staff.mfa_replace",
            Outcome::Success,
            origin,
        )
        .resource(USER, &row.id)
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        let row = self
            .find_staff(user_id)
            .await?
            .ok_or(VaultError::Unauthenticated)?;
        Ok(account(&row))
    }

    /// A fresh TOTP code for a high-value action (recovery codes are not accepted here).
    /// Audit: `staff.step_up`.
    pub async fn step_up(
        &self,
        user_id: &str,
        code: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let row = self.usable_row(user_id, "staff.step_up", origin).await?;
        if !row.totp_enabled {
            return Err(VaultError::Unauthenticated);
        }
        self.second_factor(&row, code, false, "staff.step_up", origin)
            .await
            .map(|_| ())
    }

    /// The account, if it may still authenticate (exists, enabled, not locked).
    pub(super) async fn usable_row(
        &self,
        user_id: &str,
        action: &'static str,
        origin: &Origin,
    ) -> Result<StaffRow, VaultError> {
        let now = crate::clock::now_millis();
        let row = self
            .find_staff(user_id)
            .await?
            .ok_or(VaultError::Unauthenticated)?;
        let code = if row.disabled_at.is_some() {
            "disabled"
        } else if row.locked_until.is_some_and(|t| t > now) {
            "locked"
        } else {
            return Ok(row);
        };
        let actor = self_actor(&row);
        let event = AuditEvent::new(&actor, action, Outcome::Failure, origin)
            .resource(USER, &row.id)
            .detail(serde_json::json!({ "code": code }));
        self.audit_alone(&event).await?;
        Err(VaultError::Unauthenticated)
    }

    /// Checks a code and, on success, records it used (and the sign-in complete) with its audit
    /// event in one transaction; on failure counts it towards the lockout.
    pub(super) async fn second_factor(
        &self,
        row: &StaffRow,
        code: &str,
        allow_recovery: bool,
        action: &'static str,
        origin: &Origin,
    ) -> Result<Factor, VaultError> {
        let now = crate::clock::now_millis();
        let key = self.open_totp(row).await?;
        let step = key.as_ref().and_then(|k| totp::check(k, code, now_secs()));
        let mut tx = self.store.writer().begin().await?;
        let factor = match step {
            Some(step) => {
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                store::staff::accept_totp_step(&mut tx, &row.id, step)
                    .await?
                    .then_some(Factor::Totp)
            }
            None if allow_recovery && recovery::looks_like_code(code) => {
                store::staff::use_code(&mut tx, &row.id, &recovery::hash(code), now)
                    .await?
                    .then_some(Factor::RecoveryCode)
            }
            None => None,
        };
        let Some(factor) = factor else {
            drop(tx);
            let why = if step.is_some() {
                "replayed_code"
            } else {
                "invalid_code"
            };
            self.count_failure(row, action, why, origin).await?;
            return Err(VaultError::InvalidCode);
        };
        store::staff::record_success(&mut tx, &row.id, now).await?;
        AuditEvent::new(&self_actor(row), action, Outcome::Success, origin)
            .resource(USER, &row.id)
            .detail(serde_json::json!({ "factor": factor.as_str() }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(factor)
    }

    /// Counts a failed attempt (locking at the tenth) with its audit event.
    pub(super) async fn count_failure(
        &self,
        row: &StaffRow,
        action: &'static str,
        why: &'static str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        let locked = store::staff::record_failure(
            &mut tx,
            &row.id,
            MAX_FAILED_ATTEMPTS,
            now + LOCKOUT_MS,
            now,
        )
        .await?;
        AuditEvent::new(&Actor::ANONYMOUS, action, Outcome::Failure, origin)
            .resource(USER, &row.id)
            .detail(serde_json::json!({ "code": why, "locked": locked }))
            .write(&mut tx)
            .await?;
        if locked {
            AuditEvent::new(&Actor::SERVICE, "staff.lock", Outcome::Success, origin)
                .resource(USER, &row.id)
                .detail(serde_json::json!({ "minutes": LOCKOUT_MS / 60_000 }))
                .write(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Disables an account unused for 90 days (PCI DSS 8.2.6). Audit: `user.disable` by the
    /// service, reason `inactive`.
    pub(super) async fn disable_inactive(
        &self,
        row: &StaffRow,
        now: i64,
    ) -> Result<(), VaultError> {
        let origin = Origin::default();
        let mut tx = self.store.writer().begin().await?;
        store::staff::set_disabled(&mut tx, &row.id, Some("inactive"), now).await?;
        AuditEvent::new(&Actor::SERVICE, "user.disable", Outcome::Success, &origin)
            .resource(USER, &row.id)
            .reason("inactive for 90 days")
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables every account unused for 90 days; run periodically. Returns how many.
    pub async fn disable_inactive_staff(&self) -> Result<usize, VaultError> {
        let now = crate::clock::now_millis();
        let ids = {
            let mut conn = self.store.reader().acquire().await?;
            store::staff::inactive_since(&mut conn, now - INACTIVE_MS).await?
        };
        for id in &ids {
            if let Some(row) = self.find_staff(id).await? {
                self.disable_inactive(&row, now).await?;
            }
        }
        Ok(ids.len())
    }
}
