//! Staff flows over the store: sign-in with lockout and inactivity rules, the second factor,
//! step-up, password changes, MFA enrolment, and account administration. Every attempt,
//! allowed or refused, is audited; a change and its audit event commit together.

mod admin;
mod enrol;
mod password;

pub use password::PasswordChangeRequest;
mod sign_in;
pub use sign_in::Factor;

pub use admin::NewStaff;
pub use enrol::PendingEnrolment;

use crate::access::{Actor, StaffActor, parse_roles};
use crate::cde::seal::{self, Sealed};
use crate::error::VaultError;
use crate::staff::StaffAccount;
use crate::store::{self, StaffRow};
use zeroize::Zeroizing;

use super::Vault;

/// The resource type of audit events about staff accounts.
pub(crate) const USER: &str = "staff_user";

pub(crate) fn account(row: &StaffRow) -> StaffAccount {
    StaffAccount {
        id: row.id.clone(),
        email: row.email.clone(),
        roles: parse_roles(&row.roles),
        can_reveal: row.can_reveal,
        mfa_enrolled: row.totp_enabled,
        must_change_password: row.must_change_password,
        locked_until: row.locked_until,
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason.clone(),
        last_active_at: row.last_active_at,
        created_at: row.created_at,
        sessions_valid_from: row.sessions_valid_from,
    }
}

/// The actor for audit events the account makes about itself (before it is fully signed in).
pub(crate) fn self_actor(row: &StaffRow) -> Actor {
    Actor::staff(StaffActor {
        user_id: row.id.clone(),
        email: row.email.clone(),
        roles: parse_roles(&row.roles),
        can_reveal: row.can_reveal,
        stepped_up: false,
    })
}

/// The AAD record id a TOTP key is sealed to.
fn totp_record(user_id: &str) -> String {
    format!("totp:{user_id}")
}

impl Vault {
    pub(crate) async fn find_staff(&self, id: &str) -> Result<Option<StaffRow>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        Ok(store::staff::find(&mut conn, id).await?)
    }

    /// Seals a TOTP key to its account under the current data key.
    fn seal_totp(&self, user_id: &str, key: &[u8]) -> Result<Sealed, VaultError> {
        Ok(seal::seal(
            &self.keys.current(),
            &totp_record(user_id),
            key,
        )?)
    }

    /// Opens the account's TOTP key (pending or enabled), if it has one.
    async fn open_totp(&self, row: &StaffRow) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let stored = crate::cde::Stored {
            key_id: &row.totp_key_id,
            nonce: &row.totp_nonce,
            ciphertext: &row.totp_secret,
        };
        self.open_stored(&totp_record(&row.id), stored).await
    }

    /// Records a session event of the account (`staff.sign_out`, `staff.session_timeout`).
    pub async fn record_staff_event(
        &self,
        user_id: &str,
        action: &'static str,
        origin: &crate::audit::Origin,
    ) -> Result<(), VaultError> {
        let Some(row) = self.find_staff(user_id).await? else {
            return Ok(());
        };
        let actor = self_actor(&row);
        let event =
            crate::audit::AuditEvent::new(&actor, action, crate::audit::Outcome::Success, origin)
                .resource(USER, &row.id);
        self.audit_alone(&event).await
    }

    /// The account behind a session, for the console to build its actor from: `None` if it no
    /// longer exists, is disabled or locked (the session must end).
    /// The actor of an active account for the access check: its roles and reveal grant as
    /// stored now, stepped up if `step_up_at` (unix ms, of a step-up this vault verified for
    /// the session) is within the window. `None` for an unknown, disabled or locked account.
    pub async fn staff_actor(
        &self,
        id: &str,
        step_up_at: Option<i64>,
    ) -> Result<Option<Actor>, VaultError> {
        let now = crate::clock::now_millis();
        let Some(account) = self.staff_account(id).await? else {
            return Ok(None);
        };
        Ok(Some(Actor::staff(StaffActor {
            user_id: account.id,
            email: account.email,
            roles: account.roles,
            can_reveal: account.can_reveal,
            stepped_up: step_up_at.is_some_and(|at| now - at < crate::staff::STEP_UP_MS),
        })))
    }

    pub async fn staff_account(&self, id: &str) -> Result<Option<StaffAccount>, VaultError> {
        let now = crate::clock::now_millis();
        Ok(self
            .find_staff(id)
            .await?
            .map(|row| account(&row))
            .filter(|a| !a.is_disabled() && !a.is_locked(now)))
    }
}

/// Current unix time in seconds.
pub(crate) fn now_secs() -> u64 {
    u64::try_from(crate::clock::now_millis() / 1000).unwrap_or(0)
}
