//! The console's backend over the vault: reads the session and the request's origin from the
//! Leptos request context, builds the staff actor (roles, reveal grant, step-up freshness),
//! authorises through the vault (denials audited), delegates, and maps errors to
//! `ConsoleError`. Nothing here ever sees more than masked data, except the reveal's one answer.

mod admin;
mod audit;
mod audit_views;
mod auth;
mod collect;
mod connections;
mod edit;
mod errors;
pub(super) mod lifecycle;
mod methods;
mod timeline;
mod views;
mod webhooks;

use super::session::{EXPIRED, KEY, StaffSession};
use crate::api::extract::Ctx;

use coffer_app::ConsoleError;
use coffer_app::model::*;
use coffer_vault::Vault;
use coffer_vault::access::{Action, Grant, StaffActor};
use coffer_vault::audit::Origin;
use coffer_vault::clock::now_millis;
use coffer_vault::staff::{STEP_UP_MS, StaffAccount, StaffStage};
use errors::map;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions::Session;

/// The console's view of the vault.
pub struct VaultBackend {
    pub vault: Arc<Vault>,
    pub idle_timeout: Duration,
    /// Failed sign-in steps per client address (shared with the API's failed keys).
    pub sign_in_failures: Arc<crate::api::RateLimiter>,
}

/// One console request: its session and origin.
pub(super) struct Req {
    session: Session,
    origin: Origin,
}

impl Req {
    /// A request served by a plain route of the console (not a server function).
    pub(in crate::console) fn new(session: Session, origin: Origin) -> Req {
        Req { session, origin }
    }
}

/// A fully signed-in staff member on this request.
pub(super) struct SignedIn {
    req: Req,
    state: StaffSession,
    account: StaffAccount,
}

impl SignedIn {
    /// What the member may do, for what the pages show (authorisation itself asks the vault
    /// for the actor: see [`VaultBackend::authorize_with`]).
    fn staff(&self) -> StaffActor {
        staff_view(&self.account, &self.state)
    }
}

fn staff_view(account: &StaffAccount, state: &StaffSession) -> StaffActor {
    StaffActor {
        user_id: account.id.clone(),
        email: account.email.clone(),
        roles: account.roles.clone(),
        can_reveal: account.can_reveal,
        stepped_up: state
            .step_up_at
            .is_some_and(|at| now_millis() - at < STEP_UP_MS),
    }
}

impl VaultBackend {
    /// The session and origin of the request being served.
    async fn req(&self) -> Result<Req, ConsoleError> {
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|_| ConsoleError::unauthenticated())?;
        let origin = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Ctx>().map(|c| c.origin.clone()))
            .unwrap_or_default();
        Ok(Req { session, origin })
    }

    /// The session's staff state and account: `None` without a session, `Unauthenticated` if it
    /// just ended (idle past the timeout, or the account disabled or locked). Records this
    /// request as activity.
    async fn current(
        &self,
        req: &Req,
    ) -> Result<Option<(StaffSession, StaffAccount)>, ConsoleError> {
        let state: Option<StaffSession> = req.session.get(KEY).await.map_err(|_| unavailable())?;
        let Some(mut state) = state else {
            // A session ended by the idle timeout keeps only this mark, so that every request
            // of the page that finds it (several run at once) says why, until the next sign-in.
            let expired: Option<bool> =
                req.session.get(EXPIRED).await.map_err(|_| unavailable())?;
            return match expired {
                Some(true) => Err(ConsoleError::unauthenticated()),
                _ => Ok(None),
            };
        };
        let now = now_millis();
        let idle_ms = i64::try_from(self.idle_timeout.as_millis()).unwrap_or(i64::MAX);
        if now - state.last_seen > idle_ms {
            // Ended by the idle timeout (PCI DSS 8.2.8): recorded first, then the user is told.
            self.vault
                .record_staff_event(&state.user_id, "staff.session_timeout", &req.origin)
                .await
                .map_err(map)?;
            req.session.clear().await;
            req.session
                .insert(EXPIRED, true)
                .await
                .map_err(|_| unavailable())?;
            return Err(ConsoleError::unauthenticated());
        }
        let Some(account) = self
            .vault
            .staff_account(&state.user_id)
            .await
            .map_err(map)?
        else {
            // The account was disabled or locked meanwhile (PCI DSS 8.2.5).
            req.session.flush().await.map_err(|_| unavailable())?;
            return Err(ConsoleError::unauthenticated());
        };
        if !account.session_valid(state.signed_in_at) {
            // A security admin reset the password or the authenticator since this sign-in.
            self.vault
                .record_staff_event(&state.user_id, "staff.session_revoked", &req.origin)
                .await
                .map_err(map)?;
            req.session.flush().await.map_err(|_| unavailable())?;
            return Err(ConsoleError::unauthenticated());
        }
        state.last_seen = now;
        req.session
            .insert(KEY, &state)
            .await
            .map_err(|_| unavailable())?;
        Ok(Some((state, account)))
    }

    /// The request's staff member, who must be fully signed in.
    /// The last expiry month the vault's lifecycle policy counts as expiring now.
    fn expiring_through(&self) -> i64 {
        self.vault.lifecycle_policy().expiring_through(now_millis())
    }

    async fn signed_in(&self) -> Result<SignedIn, ConsoleError> {
        let req = self.req().await?;
        self.signed_in_from(req).await
    }

    /// The staff member of `req`, who must be fully signed in.
    async fn signed_in_from(&self, req: Req) -> Result<SignedIn, ConsoleError> {
        match self.current(&req).await? {
            Some((state, account))
                if StaffStage::of(&account, state.mfa_passed) == StaffStage::Active =>
            {
                Ok(SignedIn {
                    req,
                    state,
                    account,
                })
            }
            _ => Err(ConsoleError::unauthenticated()),
        }
    }

    /// Verifies a step-up code if one was typed (renewing the session id), then authorises `A`
    /// for the signed-in member; a denial is audited by the vault.
    async fn authorize_with<A: Action>(
        &self,
        who: &mut SignedIn,
        code: Option<String>,
        resource: Option<(&'static str, &str)>,
    ) -> Result<Grant<A>, ConsoleError> {
        if let Some(code) = code.filter(|c| !c.trim().is_empty()) {
            self.vault
                .step_up(&who.account.id, code.trim(), &who.req.origin)
                .await
                .map_err(|e| errors::code_error(e, "code"))?;
            who.state.step_up_at = Some(now_millis());
            who.req
                .session
                .cycle_id()
                .await
                .map_err(|_| unavailable())?;
            who.req
                .session
                .insert(KEY, &who.state)
                .await
                .map_err(|_| unavailable())?;
        }
        // The actor comes from the vault, which reads the account afresh: the console can say
        // when this session last stepped up, but not what the account may do.
        let actor = self
            .vault
            .staff_actor(&who.account.id, who.state.step_up_at)
            .await
            .map_err(map)?
            .ok_or_else(ConsoleError::unauthenticated)?;
        self.vault
            .authorize::<A>(&actor, &who.req.origin, resource)
            .await
            .map_err(map)
    }

    /// What the console shows of a signed-in member.
    fn me(&self, account: &StaffAccount, state: &StaffSession) -> Me {
        let permissions = staff_view(account, state)
            .permissions()
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect();
        let until = state
            .step_up_at
            .map(|at| at + STEP_UP_MS)
            .filter(|until| *until > now_millis());
        let recovered = state
            .recovered_at
            .is_some_and(|at| now_millis() - at < crate::console::session::REPLACE_WINDOW_MS);
        let mut me = views::me_of(account, permissions, until, self.idle_timeout);
        me.can_replace_authenticator = recovered;
        me
    }
}

fn unavailable() -> ConsoleError {
    ConsoleError::new(
        coffer_app::ErrorCode::Unavailable,
        "The session store is unavailable. Try again.",
    )
}
