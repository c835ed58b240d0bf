//! TOTP enrolment: a pending key (sealed, reused until confirmed) and ten pending recovery
//! codes (new at every start, shown once); confirming with a valid code enables both.

use super::{USER, account, now_secs, self_actor};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::service::Vault;
use crate::staff::{StaffAccount, recovery, totp};
use crate::store;
use zeroize::Zeroizing;

/// What the enrolment page shows, once.
pub struct PendingEnrolment {
    pub email: String,
    /// The raw TOTP key (for the QR code and the manual key). Zeroized on drop.
    pub key: Zeroizing<Vec<u8>>,
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for PendingEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingEnrolment({}, <hidden>)", self.email)
    }
}

impl Vault {
    /// Starts (or restarts) enrolment for an account without an authenticator. Audit:
    /// `staff.mfa_enrolment_start`.
    pub async fn begin_mfa_enrolment(
        &self,
        user_id: &str,
        origin: &Origin,
    ) -> Result<PendingEnrolment, VaultError> {
        let row = self
            .usable_row(user_id, "staff.mfa_enrolment_start", origin)
            .await?;
        if row.totp_enabled {
            return Err(VaultError::Unauthenticated);
        }
        // A new key every time: a key shown earlier (to whoever had the password then) is void.
        let key = totp::new_key();
        let sealed = self.seal_totp(&row.id, &key)?;
        let codes = recovery::generate();
        let hashes: Vec<String> = codes.iter().map(|c| recovery::hash(c)).collect();
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::set_totp(&mut tx, &row.id, Some(&sealed), false, now).await?;
        store::staff::set_pending_codes(&mut tx, &row.id, &hashes).await?;
        AuditEvent::new(
            &self_actor(&row),
            "staff.mfa_enrolment_start",
            Outcome::Success,
            origin,
        )
        .resource(USER, &row.id)
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(PendingEnrolment {
            email: row.email,
            key,
            recovery_codes: codes,
        })
    }

    /// Confirms enrolment with a code from the new authenticator: the key and the recovery codes
    /// become active, and the session counts as having passed MFA. Audit: `staff.mfa_enrol`.
    pub async fn confirm_mfa_enrolment(
        &self,
        user_id: &str,
        code: &str,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let row = self.usable_row(user_id, "staff.mfa_enrol", origin).await?;
        if row.totp_enabled {
            return Err(VaultError::Unauthenticated);
        }
        let key = self.open_totp(&row).await?.ok_or(VaultError::InvalidCode)?;
        let Some(step) = totp::check(&key, code, now_secs()) else {
            self.count_failure(&row, "staff.mfa_enrol", "invalid_code", origin)
                .await?;
            return Err(VaultError::InvalidCode);
        };
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::enable_totp(&mut tx, &row.id, now).await?;
        let accepted = store::staff::accept_totp_step(
            &mut tx,
            &row.id,
            i64::try_from(step).unwrap_or(i64::MAX),
        )
        .await?;
        if !accepted {
            drop(tx);
            self.count_failure(&row, "staff.mfa_enrol", "replayed_code", origin)
                .await?;
            return Err(VaultError::InvalidCode);
        }
        store::staff::activate_codes(&mut tx, &row.id).await?;
        store::staff::record_success(&mut tx, &row.id, now).await?;
        AuditEvent::new(
            &self_actor(&row),
            "staff.mfa_enrol",
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
}
