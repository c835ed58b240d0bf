//! Account administration by security admins (each action needs its grant, which needs a
//! step-up), and the bootstrap of the first admin from the host's command line. An admin
//! cannot change their own account: another admin must (PCI DSS 7.2.3, privileges approved).

use super::{USER, account};
use crate::access::{
    Actor, CreateUser, DisableUser, Grant, GrantAccess, ListUsers, ResetMfa, ResetPassword, Role,
    format_roles,
};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::error::VaultError;
use crate::service::{Vault, grant_actor};
use crate::staff::{Email, StaffAccount, password};
use crate::store::{self, StaffRow};
use secrecy::SecretString;

/// A new account and its one-time password (to hand over out of band; changed at first use).
pub struct NewStaff {
    pub account: StaffAccount,
    pub password: SecretString,
}

impl std::fmt::Debug for NewStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewStaff({}, <hidden>)", self.account.email)
    }
}

fn not_self(actor: &Actor, target: &str) -> Result<(), VaultError> {
    if actor.id() == target {
        return Err(IntakeError::invalid_because(
            "user_id",
            "another security admin must change your own account",
        )
        .into());
    }
    Ok(())
}

impl Vault {
    /// Every account. Audit: `user.list`.
    pub async fn list_staff(
        &self,
        grant: &Grant<ListUsers>,
        origin: &Origin,
    ) -> Result<Vec<StaffAccount>, VaultError> {
        let rows = {
            let mut conn = self.store.reader().acquire().await?;
            store::staff::list(&mut conn).await?
        };
        let event = AuditEvent::new(grant_actor(grant), "user.list", Outcome::Success, origin)
            .detail(serde_json::json!({ "count": rows.len() }));
        self.audit_alone(&event).await?;
        Ok(rows.iter().map(account).collect())
    }

    /// One account. Audit: `user.read`.
    pub async fn get_staff(
        &self,
        grant: &Grant<ListUsers>,
        id: &str,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let row = self.find_staff(id).await?;
        let outcome = if row.is_some() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let event =
            AuditEvent::new(grant_actor(grant), "user.read", outcome, origin).resource(USER, id);
        self.audit_alone(&event).await?;
        row.map(|r| account(&r)).ok_or(VaultError::NotFound)
    }

    /// Creates an account with a one-time password. Audit: `user.create`.
    pub async fn create_staff(
        &self,
        grant: &Grant<CreateUser>,
        email: &str,
        roles: &[Role],
        origin: &Origin,
    ) -> Result<NewStaff, VaultError> {
        self.insert_staff(grant_actor(grant), email, roles, origin)
            .await
    }

    /// Creates an account from the host's command line (the first admin). Only the system
    /// operator may. Audit: `user.create` by `system`.
    pub async fn bootstrap_staff(
        &self,
        operator: &Actor,
        email: &str,
        roles: &[Role],
    ) -> Result<NewStaff, VaultError> {
        if !operator.is_host_shell_operator() {
            return Err(crate::access::Denied {
                action: "user.create",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        self.insert_staff(operator, email, roles, &Origin::default())
            .await
    }

    async fn insert_staff(
        &self,
        actor: &Actor,
        email: &str,
        roles: &[Role],
        origin: &Origin,
    ) -> Result<NewStaff, VaultError> {
        let email = Email::parse(email)?;
        if roles.is_empty() {
            return Err(IntakeError::missing("role").into());
        }
        let existing = {
            let mut conn = self.store.reader().acquire().await?;
            store::staff::find_by_email(&mut conn, email.as_str()).await?
        };
        if existing.is_some() {
            return Err(
                IntakeError::invalid_because("email", "an account with this email exists").into(),
            );
        }
        let issued = password::issue();
        let hash = password::hash(issued.clone())
            .await
            .map_err(|_| VaultError::Unavailable)?;
        let now = crate::clock::now_millis();
        let row = StaffRow {
            id: crate::token::random_id("usr"),
            email: email.as_str().to_owned(),
            password_hash: hash,
            must_change_password: true,
            roles: format_roles(roles),
            can_reveal: false,
            totp_key_id: None,
            totp_nonce: None,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            failed_attempts: 0,
            locked_until: None,
            last_active_at: now,
            disabled_at: None,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
            sessions_valid_from: 0,
        };
        let mut tx = self.store.writer().begin().await?;
        store::staff::insert(&mut tx, &row).await?;
        AuditEvent::new(actor, "user.create", Outcome::Success, origin)
            .resource(USER, &row.id)
            .detail(serde_json::json!({ "email": row.email, "roles": row.roles }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(NewStaff {
            account: account(&row),
            password: issued,
        })
    }

    /// Sets an account's roles and reveal grant. Audit: `user.access_change` (before, after).
    pub async fn set_staff_access(
        &self,
        grant: &Grant<GrantAccess>,
        id: &str,
        roles: &[Role],
        can_reveal: bool,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let actor = grant_actor(grant);
        not_self(actor, id)?;
        let before = self.find_staff(id).await?.ok_or(VaultError::NotFound)?;
        let roles = format_roles(roles);
        let mut tx = self.store.writer().begin().await?;
        store::staff::set_access(&mut tx, id, &roles, can_reveal, crate::clock::now_millis())
            .await?;
        AuditEvent::new(actor, "user.access_change", Outcome::Success, origin)
            .resource(USER, id)
            .detail(serde_json::json!({
                "before": { "roles": before.roles, "can_reveal": before.can_reveal },
                "after": { "roles": roles, "can_reveal": can_reveal },
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        self.reread(id).await
    }

    /// Disables (at once, PCI DSS 8.2.5) or re-enables an account. Audit: `user.disable` /
    /// `user.enable`.
    pub async fn set_staff_disabled(
        &self,
        grant: &Grant<DisableUser>,
        id: &str,
        disabled: bool,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let actor = grant_actor(grant);
        not_self(actor, id)?;
        self.find_staff(id).await?.ok_or(VaultError::NotFound)?;
        let (action, reason) = if disabled {
            ("user.disable", Some("admin"))
        } else {
            ("user.enable", None)
        };
        let mut tx = self.store.writer().begin().await?;
        store::staff::set_disabled(&mut tx, id, reason, crate::clock::now_millis()).await?;
        AuditEvent::new(actor, action, Outcome::Success, origin)
            .resource(USER, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        self.reread(id).await
    }

    /// Removes an account's authenticator and recovery codes; it enrols again at its next
    /// sign-in. Audit: `user.mfa_reset`.
    pub async fn reset_staff_mfa(
        &self,
        grant: &Grant<ResetMfa>,
        id: &str,
        origin: &Origin,
    ) -> Result<StaffAccount, VaultError> {
        let actor = grant_actor(grant);
        not_self(actor, id)?;
        self.find_staff(id).await?.ok_or(VaultError::NotFound)?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::remove_authenticator(&mut tx, id, now).await?;
        AuditEvent::new(actor, "user.mfa_reset", Outcome::Success, origin)
            .resource(USER, id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        self.reread(id).await
    }

    /// Issues an account a new one-time password (handed over out of band, replaced at the next
    /// sign-in), lifts a lockout, ends its open sessions, and with `reset_mfa` also removes its
    /// authenticator and recovery codes (for someone who lost both). Audit:
    /// `user.password_reset` with what was done.
    pub async fn reset_staff_password(
        &self,
        grant: &Grant<ResetPassword>,
        id: &str,
        reset_mfa: bool,
        origin: &Origin,
    ) -> Result<NewStaff, VaultError> {
        let actor = grant_actor(grant);
        not_self(actor, id)?;
        self.reset_password_as(actor, id, reset_mfa, origin).await
    }

    /// The same from the host's command line, by email (the break-glass path when no other
    /// security admin can: the only admin forgot their password). Only the system operator
    /// may. Audit: `user.password_reset` by `system`.
    pub async fn recover_staff_password(
        &self,
        operator: &Actor,
        email: &str,
        reset_mfa: bool,
    ) -> Result<NewStaff, VaultError> {
        if !operator.is_host_shell_operator() {
            return Err(crate::access::Denied {
                action: "user.password_reset",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        let email = Email::parse(email)?;
        let row = {
            let mut conn = self.store.reader().acquire().await?;
            store::staff::find_by_email(&mut conn, email.as_str()).await?
        };
        let row = row.ok_or(VaultError::NotFound)?;
        self.reset_password_as(operator, &row.id, reset_mfa, &Origin::default())
            .await
    }

    async fn reset_password_as(
        &self,
        actor: &Actor,
        id: &str,
        reset_mfa: bool,
        origin: &Origin,
    ) -> Result<NewStaff, VaultError> {
        let before = self.find_staff(id).await?.ok_or(VaultError::NotFound)?;
        let issued = password::issue();
        let hash = password::hash(issued.clone())
            .await
            .map_err(|_| VaultError::Unavailable)?;
        let now = crate::clock::now_millis();
        let mut tx = self.store.writer().begin().await?;
        store::staff::reset_password(&mut tx, id, &hash, now).await?;
        if reset_mfa {
            store::staff::remove_authenticator(&mut tx, id, now).await?;
        }
        AuditEvent::new(actor, "user.password_reset", Outcome::Success, origin)
            .resource(USER, id)
            .detail(serde_json::json!({
                "mfa_reset": reset_mfa,
                "mfa_kept": before.totp_enabled && !reset_mfa,
                "was_locked": before.locked_until.is_some_and(|until| until > now),
                "sessions_ended": true,
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(NewStaff {
            account: self.reread(id).await?,
            password: issued,
        })
    }

    async fn reread(&self, id: &str) -> Result<StaffAccount, VaultError> {
        let row = self.find_staff(id).await?.ok_or(VaultError::NotFound)?;
        Ok(account(&row))
    }
}
