//! Console staff identities: email newtype, password policy and argon2id hashing, TOTP and
//! recovery codes, and the account as the rest of Coffer sees it. Storage is in
//! `store::staff`; the flows (sign-in, step-up, administration) are in `service::staff`.

mod email;
pub mod password;
pub mod recovery;
pub mod totp;

pub use email::Email;

use crate::access::Role;

/// Failed sign-in attempts (password or code) before the account locks (PCI DSS 8.3.4).
pub const MAX_FAILED_ATTEMPTS: i64 = 10;
/// How long a lock lasts (PCI DSS 8.3.4: at least 30 minutes).
pub const LOCKOUT_MS: i64 = 30 * 60 * 1000;
/// Accounts unused this long are disabled (PCI DSS 8.2.6).
pub const INACTIVE_MS: i64 = 90 * 24 * 60 * 60 * 1000;
/// A step-up (fresh TOTP code) authorises high-value actions for this long.
pub const STEP_UP_MS: i64 = 5 * 60 * 1000;

/// A staff account as the console and the CLI see it: no hashes, no secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub can_reveal: bool,
    pub mfa_enrolled: bool,
    pub must_change_password: bool,
    pub locked_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub last_active_at: i64,
    pub created_at: i64,
    /// Sessions that signed in before this time (unix ms) have ended (a reset moved it).
    pub sessions_valid_from: i64,
}

impl StaffAccount {
    /// Whether a session that signed in at `signed_in_at` (unix ms) may go on.
    pub fn session_valid(&self, signed_in_at: i64) -> bool {
        signed_in_at >= self.sessions_valid_from
    }

    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

/// Where a signed-in session stands, derived from the account and whether the session has
/// passed the second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffStage {
    /// The second factor is due.
    NeedsMfa,
    /// The issued password must be replaced (after MFA if enrolled).
    NeedsPasswordChange,
    /// No authenticator yet: enrol one.
    NeedsEnrolment,
    /// Fully signed in.
    Active,
}

impl StaffStage {
    /// The next step for `account` in a session that has (or has not) passed MFA.
    pub fn of(account: &StaffAccount, mfa_passed: bool) -> StaffStage {
        if account.mfa_enrolled {
            if !mfa_passed {
                StaffStage::NeedsMfa
            } else if account.must_change_password {
                StaffStage::NeedsPasswordChange
            } else {
                StaffStage::Active
            }
        } else if account.must_change_password {
            StaffStage::NeedsPasswordChange
        } else {
            StaffStage::NeedsEnrolment
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn account(mfa: bool, must_change: bool) -> StaffAccount {
        StaffAccount {
            id: "usr_1".into(),
            email: "a@example.com".into(),
            roles: vec![],
            can_reveal: false,
            mfa_enrolled: mfa,
            must_change_password: must_change,
            locked_until: None,
            disabled_at: None,
            disabled_reason: None,
            last_active_at: 0,
            created_at: 0,
            sessions_valid_from: 0,
        }
    }

    #[test]
    fn a_new_account_changes_its_password_then_enrols_then_is_active() {
        assert_eq!(
            StaffStage::of(&account(false, true), false),
            StaffStage::NeedsPasswordChange
        );
        assert_eq!(
            StaffStage::of(&account(false, false), false),
            StaffStage::NeedsEnrolment
        );
        // Enrolment passes MFA in that session.
        assert_eq!(
            StaffStage::of(&account(true, false), true),
            StaffStage::Active
        );
    }

    #[test]
    fn an_enrolled_account_always_passes_mfa_first() {
        assert_eq!(
            StaffStage::of(&account(true, true), false),
            StaffStage::NeedsMfa
        );
        assert_eq!(
            StaffStage::of(&account(true, false), false),
            StaffStage::NeedsMfa
        );
        assert_eq!(
            StaffStage::of(&account(true, true), true),
            StaffStage::NeedsPasswordChange
        );
    }

    #[test]
    fn lock_expires() {
        let mut a = account(true, false);
        a.locked_until = Some(1_000);
        assert!(a.is_locked(999));
        assert!(!a.is_locked(1_000));
    }
}
