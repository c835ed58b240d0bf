//! Password changes: the current password, the policy (PCI DSS 8.3.6) and the last four
//! (8.3.7); an issued password must be changed at first use (8.3.5).

use super::{USER, account, self_actor};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::error::VaultError;
use crate::service::Vault;
use crate::staff::{StaffAccount, password};
use crate::store;
use secrecy::{ExposeSecret, SecretString};

/// A password change as typed.
pub struct PasswordChangeRequest {
    pub current: SecretString,
    pub new: SecretString,
    pub confirm: SecretString,
}

impl std::fmt::Debug for PasswordChangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChangeRequest(<hidden>)")
    }
}

impl Vault {
    /// Replaces the account's password. Field errors name `current`, `new_password` or
    /// `confirm`. Audit: `staff.password_change` (success or failure with its reason).
    pub async fn change_password(
        &self,
        user_id: &str,
        change: PasswordChangeRequest,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let row = self
            .usable_row(user_id, "staff.password_change", origin)
            .await?;
        let actor = self_actor(&row);
        let fail = |code: &'static str| {
            AuditEvent::new(&actor, "staff.password_change", Outcome::Failure, origin)
                .resource(USER, &row.id)
                .detail(serde_json::json!({ "code": code }))
        };
        let current_ok = password::verify(change.current, Some(row.password_hash.clone()))
            .await
            .map_err(|_| VaultError::Unavailable)?;
        if !current_ok {
            // Counts towards the lockout like any wrong password.
            self.count_failure(
                &row,
                "staff.password_change",
                "wrong_current_password",
                origin,
            )
            .await?;
            return Err(
                IntakeError::invalid_because("current", "the current password is wrong").into(),
            );
        }
        if let Err(e) = password::check_policy(change.new.expose_secret(), &row.email) {
            self.audit_alone(&fail("policy")).await?;
            return Err(e.into());
        }
        if change.new.expose_secret() != change.confirm.expose_secret() {
            self.audit_alone(&fail("confirmation_mismatch")).await?;
            return Err(
                IntakeError::invalid_because("confirm", "the two new passwords differ").into(),
            );
        }
        let recent = {
            let mut conn = self.store.reader().acquire().await?;
            store::staff::recent_passwords(&mut conn, &row.id, password::HISTORY as i64).await?
        };
        let reused = password::matches_any(change.new.clone(), recent)
            .await
            .map_err(|_| VaultError::Unavailable)?;
        if reused {
            self.audit_alone(&fail("reused")).await?;
            return Err(IntakeError::invalid_because(
                "new_password",
                "it must differ from your last 4 passwords",
            )
            .into());
        }
        let hash = password::hash(change.new)
            .await
            .map_err(|_| VaultError::Unavailable)?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::set_password(&mut tx, &row.id, &hash, false, now).await?;
        AuditEvent::new(&actor, "staff.password_change", Outcome::Success, origin)
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
