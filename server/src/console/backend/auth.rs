//! Sign-in steps over the session: password, second factor, password change, enrolment,
//! step-up and sign-out. The session id is renewed whenever the session gains privilege.

use super::errors::{code_error, map};
use super::{Req, VaultBackend, unavailable, views};
use crate::console::session::{EXPIRED, KEY, REPLACE_WINDOW_MS, StaffSession};
use async_trait::async_trait;
use coffer_app::api::status::StatusView;
use coffer_app::backend::PasswordChange;
use coffer_app::backend::SignInBackend;
use coffer_app::model::{Enrolment, Me, SessionState};
use coffer_app::{ConsoleError, ErrorCode};
use coffer_vault::VaultError;
use coffer_vault::clock::now_millis;
use coffer_vault::service::{Factor, PasswordChangeRequest};
use coffer_vault::staff::{StaffAccount, StaffStage};
use secrecy::SecretString;

impl VaultBackend {
    /// Refuses a sign-in step from an address that failed too often in the last minute, before
    /// the vault checks (and audits) it: accounts lock after 10 failures, and this stops one
    /// address from trying many accounts or filling the audit log.
    fn not_throttled(&self, req: &Req) -> Result<(), ConsoleError> {
        let ip = req.origin.ip.as_deref().unwrap_or("unknown");
        self.sign_in_failures.peek(ip).map_err(|_| {
            ConsoleError::new(
                ErrorCode::RateLimited,
                "Too many failed sign-in attempts from this address. Wait a minute and try again.",
            )
        })
    }

    fn count_failure(&self, req: &Req) {
        let ip = req.origin.ip.as_deref().unwrap_or("unknown");
        let _ = self.sign_in_failures.check(ip);
    }

    fn state_of(&self, state: &StaffSession, account: &StaffAccount) -> SessionState {
        let email = account.email.clone();
        match StaffStage::of(account, state.mfa_passed) {
            StaffStage::NeedsMfa => SessionState::NeedsMfa { email },
            StaffStage::NeedsPasswordChange => SessionState::NeedsPasswordChange { email },
            StaffStage::NeedsEnrolment => SessionState::NeedsMfaEnrolment { email },
            StaffStage::Active => SessionState::SignedIn(self.me(account, state)),
        }
    }

    /// The live session at `stage`, or `Unauthenticated`.
    async fn at_stage(
        &self,
        req: &Req,
        stages: &[StaffStage],
    ) -> Result<(StaffSession, StaffAccount), ConsoleError> {
        match self.current(req).await? {
            Some((state, account))
                if stages.contains(&StaffStage::of(&account, state.mfa_passed)) =>
            {
                Ok((state, account))
            }
            _ => Err(ConsoleError::unauthenticated()),
        }
    }

    /// Stores the new state under a new session id (the session gained privilege).
    async fn promote(&self, req: &Req, state: &StaffSession) -> Result<(), ConsoleError> {
        req.session.cycle_id().await.map_err(|_| unavailable())?;
        req.session
            .remove_value(EXPIRED)
            .await
            .map_err(|_| unavailable())?;
        req.session
            .insert(KEY, state)
            .await
            .map_err(|_| unavailable())
    }
}

#[async_trait]
impl SignInBackend for VaultBackend {
    async fn status(&self) -> StatusView {
        let ready = self.vault.readiness().await;
        StatusView {
            database: ready.database,
            hsm: ready.hsm,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    async fn session_state(&self) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        Ok(match self.current(&req).await? {
            None => SessionState::SignedOut,
            Some((state, account)) => self.state_of(&state, &account),
        })
    }

    async fn sign_in(&self, email: String, password: String) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        self.not_throttled(&req)?;
        let account = match self
            .vault
            .sign_in(&email, SecretString::from(password), &req.origin)
            .await
        {
            Ok(account) => account,
            Err(VaultError::Unauthenticated) => {
                self.count_failure(&req);
                return Err(ConsoleError::new(
                    ErrorCode::InvalidCredentials,
                    "The email or password is wrong, or the account is locked or disabled. \
                     After 10 failed attempts an account is locked for 30 minutes.",
                ));
            }
            Err(e) => return Err(map(e)),
        };
        let now = now_millis();
        let state = StaffSession {
            user_id: account.id.clone(),
            mfa_passed: false,
            step_up_at: None,
            last_seen: now,
            signed_in_at: now,
            recovered_at: None,
        };
        self.promote(&req, &state).await?;
        Ok(self.state_of(&state, &account))
    }

    async fn verify_mfa(&self, code: String) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        self.not_throttled(&req)?;
        let (mut state, _) = self.at_stage(&req, &[StaffStage::NeedsMfa]).await?;
        let (account, factor) = self
            .vault
            .verify_mfa(&state.user_id, code.trim(), &req.origin)
            .await
            .map_err(|e| {
                self.count_failure(&req);
                code_error(e, "code")
            })?;
        state.mfa_passed = true;
        state.recovered_at = (factor == Factor::RecoveryCode).then(now_millis);
        self.promote(&req, &state).await?;
        Ok(self.state_of(&state, &account))
    }

    /// After a recovery-code sign-in (this session's, minutes ago): the old authenticator goes,
    /// the account's other sessions end, and this one goes on to enrol a new one.
    async fn replace_authenticator(&self) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        let (mut state, _) = self.at_stage(&req, &[StaffStage::Active]).await?;
        let recent = state
            .recovered_at
            .is_some_and(|at| now_millis() - at < REPLACE_WINDOW_MS);
        if !recent {
            return Err(ConsoleError::new(
                ErrorCode::Forbidden,
                "Only right after signing in with a recovery code can you replace your \
                 authenticator here. A security admin can reset it too.",
            ));
        }
        let account = self
            .vault
            .replace_own_authenticator(&state.user_id, &req.origin)
            .await
            .map_err(map)?;
        // The reset ended every session signed in before it; this one carries on.
        state.signed_in_at = now_millis();
        state.recovered_at = None;
        self.promote(&req, &state).await?;
        Ok(self.state_of(&state, &account))
    }

    async fn change_password(&self, change: PasswordChange) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        let (state, _) = self
            .at_stage(&req, &[StaffStage::NeedsPasswordChange, StaffStage::Active])
            .await?;
        let request = PasswordChangeRequest {
            current: SecretString::from(change.current),
            new: SecretString::from(change.new),
            confirm: SecretString::from(change.confirm),
        };
        let account = self
            .vault
            .change_password(&state.user_id, request, &req.origin)
            .await
            .map_err(map)?;
        self.promote(&req, &state).await?;
        Ok(self.state_of(&state, &account))
    }

    async fn mfa_enrolment(&self) -> Result<Enrolment, ConsoleError> {
        let req = self.req().await?;
        let (state, _) = self.at_stage(&req, &[StaffStage::NeedsEnrolment]).await?;
        let pending = self
            .vault
            .begin_mfa_enrolment(&state.user_id, &req.origin)
            .await
            .map_err(map)?;
        views::enrolment(&pending).ok_or_else(|| {
            ConsoleError::new(ErrorCode::Unavailable, "The QR code could not be drawn.")
        })
    }

    async fn confirm_mfa(&self, code: String) -> Result<SessionState, ConsoleError> {
        let req = self.req().await?;
        let (mut state, _) = self.at_stage(&req, &[StaffStage::NeedsEnrolment]).await?;
        let account = self
            .vault
            .confirm_mfa_enrolment(&state.user_id, code.trim(), &req.origin)
            .await
            .map_err(|e| code_error(e, "code"))?;
        state.mfa_passed = true;
        self.promote(&req, &state).await?;
        Ok(self.state_of(&state, &account))
    }

    async fn sign_out(&self) -> Result<(), ConsoleError> {
        let req = self.req().await?;
        let state: Option<StaffSession> = req.session.get(KEY).await.map_err(|_| unavailable())?;
        // Audited first: a sign-out that cannot be recorded does not happen.
        if let Some(state) = state {
            self.vault
                .record_staff_event(&state.user_id, "staff.sign_out", &req.origin)
                .await
                .map_err(map)?;
        }
        req.session.flush().await.map_err(|_| unavailable())
    }

    async fn step_up(&self, code: String) -> Result<Me, ConsoleError> {
        let mut who = self.signed_in().await?;
        self.vault
            .step_up(&who.account.id, code.trim(), &who.req.origin)
            .await
            .map_err(|e| code_error(e, "code"))?;
        who.state.step_up_at = Some(now_millis());
        self.promote(&who.req, &who.state).await?;
        Ok(self.me(&who.account, &who.state))
    }
}
