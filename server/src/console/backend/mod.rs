//! The console's backend over the vault: reads the session and the request's origin from the
//! Leptos request context, builds the staff actor (roles, reveal grant, step-up freshness),
//! authorises through the vault (denials audited), delegates, and maps errors to
//! `ConsoleError`. Nothing here ever sees more than masked data, except the reveal's one answer.

mod admin;
mod audit;
mod audit_views;
mod auth;
mod collect;
mod edit;
mod errors;
pub(super) mod lifecycle;
mod methods;
mod timeline;
mod views;
mod webhooks;

use super::session::{EXPIRED, KEY, StaffSession};
use crate::api::extract::Ctx;
use coffer_app::backend::{AccessChange, BoxFuture, ConsoleBackend, PasswordChange, Reply};
use coffer_app::model::*;
use coffer_app::{ConsoleError, StatusView};
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

impl ConsoleBackend for VaultBackend {
    fn status(&self) -> BoxFuture<'_, StatusView> {
        Box::pin(async move {
            let ready = self.vault.readiness().await;
            StatusView {
                database: ready.database,
                hsm: ready.hsm,
                version: env!("CARGO_PKG_VERSION").to_owned(),
            }
        })
    }
    fn session_state(&self) -> Reply<'_, SessionState> {
        Box::pin(self.do_session_state())
    }
    fn sign_in(&self, email: String, password: String) -> Reply<'_, SessionState> {
        Box::pin(self.do_sign_in(email, password))
    }
    fn verify_mfa(&self, code: String) -> Reply<'_, SessionState> {
        Box::pin(self.do_verify_mfa(code))
    }
    fn change_password(&self, change: PasswordChange) -> Reply<'_, SessionState> {
        Box::pin(self.do_change_password(change))
    }
    fn mfa_enrolment(&self) -> Reply<'_, Enrolment> {
        Box::pin(self.do_mfa_enrolment())
    }
    fn confirm_mfa(&self, code: String) -> Reply<'_, SessionState> {
        Box::pin(self.do_confirm_mfa(code))
    }
    fn sign_out(&self) -> Reply<'_, ()> {
        Box::pin(self.do_sign_out())
    }
    fn step_up(&self, code: String) -> Reply<'_, Me> {
        Box::pin(self.do_step_up(code))
    }
    fn replace_authenticator(&self) -> Reply<'_, SessionState> {
        Box::pin(self.do_replace_authenticator())
    }
    fn check_search(&self, query: String) -> Reply<'_, String> {
        Box::pin(async move { methods::check_search(&query) })
    }
    fn search(&self, query: String) -> Reply<'_, SearchResults> {
        Box::pin(self.do_search(query))
    }
    fn customer(&self, reference: String) -> Reply<'_, CustomerView> {
        Box::pin(self.do_customer(reference))
    }
    fn customer_timeline(&self, query: TimelineQuery) -> Reply<'_, TimelineView> {
        Box::pin(self.do_customer_timeline(query))
    }
    fn issue_card_collection(
        &self,
        reference: String,
        reason: String,
    ) -> Reply<'_, CollectionLink> {
        Box::pin(self.do_issue_card_collection(reference, reason))
    }
    fn edit_payment_method(
        &self,
        id: String,
        details: MethodDetails,
        reason: String,
    ) -> Reply<'_, ()> {
        Box::pin(self.do_edit_payment_method(id, details, reason))
    }
    fn payment_method(&self, id: String) -> Reply<'_, MethodDetail> {
        Box::pin(self.do_payment_method(id))
    }
    fn reveal(
        &self,
        id: String,
        reason: String,
        code: Option<String>,
    ) -> Reply<'_, RevealedSecret> {
        Box::pin(self.do_reveal(id, reason, code))
    }
    fn delete_payment_method(&self, id: String, code: Option<String>) -> Reply<'_, ()> {
        Box::pin(self.do_delete(id, code))
    }
    fn users(&self) -> Reply<'_, Vec<UserSummary>> {
        Box::pin(self.do_users())
    }
    fn user(&self, id: String) -> Reply<'_, UserSummary> {
        Box::pin(self.do_user(id))
    }
    fn create_user(
        &self,
        email: String,
        role: String,
        code: Option<String>,
    ) -> Reply<'_, IssuedPassword> {
        Box::pin(self.do_create_user(email, role, code))
    }
    fn set_access(&self, change: AccessChange, code: Option<String>) -> Reply<'_, UserSummary> {
        Box::pin(self.do_set_access(change, code))
    }
    fn set_disabled(
        &self,
        user_id: String,
        disabled: bool,
        code: Option<String>,
    ) -> Reply<'_, UserSummary> {
        Box::pin(self.do_set_disabled(user_id, disabled, code))
    }
    fn reset_mfa(&self, user_id: String, code: Option<String>) -> Reply<'_, UserSummary> {
        Box::pin(self.do_reset_mfa(user_id, code))
    }
    fn reset_password(
        &self,
        user_id: String,
        reset_mfa: bool,
        code: Option<String>,
    ) -> Reply<'_, IssuedPassword> {
        Box::pin(self.do_reset_password(user_id, reset_mfa, code))
    }
    fn api_keys(&self) -> Reply<'_, Vec<ApiKeySummary>> {
        Box::pin(self.do_api_keys())
    }
    fn step_up_policy(&self) -> Reply<'_, StepUpPolicyView> {
        Box::pin(self.do_step_up_policy())
    }
    fn create_api_key(&self, request: NewApiKeyRequest) -> Reply<'_, IssuedApiKey> {
        Box::pin(self.do_create_api_key(request))
    }
    fn revoke_api_key(&self, id: String, code: Option<String>) -> Reply<'_, ()> {
        Box::pin(self.do_revoke_api_key(id, code))
    }
    fn approve_api_key(&self, id: String, code: Option<String>) -> Reply<'_, ()> {
        Box::pin(self.do_approve_api_key(id, code))
    }
    fn audit_search(&self, query: AuditQuery) -> Reply<'_, AuditResults> {
        Box::pin(self.do_audit_search(query))
    }
    fn audit_event(&self, seq: i64) -> Reply<'_, AuditEventDetail> {
        Box::pin(self.do_audit_event(seq))
    }
    fn audit_status(&self) -> Reply<'_, ChainStatusView> {
        Box::pin(self.do_audit_status())
    }
    fn audit_flags(&self, open_only: bool) -> Reply<'_, ReviewQueue> {
        Box::pin(self.do_audit_flags(open_only))
    }
    fn review_flag(&self, id: String, note: String) -> Reply<'_, FlagView> {
        Box::pin(self.do_review_flag(id, note))
    }
    fn expiry_dashboard(&self, query: ExpiryQuery) -> Reply<'_, ExpiryDashboard> {
        Box::pin(self.do_expiry_dashboard(query))
    }
    fn issue_reverification(&self, id: String) -> Reply<'_, ReverifyLinkView> {
        Box::pin(self.do_issue_reverification(id))
    }
    fn dead_letters(&self) -> Reply<'_, Vec<DeadLetterView>> {
        Box::pin(self.do_dead_letters())
    }
    fn replay_delivery(&self, id: String) -> Reply<'_, ()> {
        Box::pin(self.do_replay_delivery(id))
    }
    fn webhook_endpoints(&self) -> Reply<'_, Vec<WebhookEndpointView>> {
        Box::pin(self.do_webhook_endpoints())
    }
    fn disable_webhook_endpoint(&self, id: String) -> Reply<'_, WebhookEndpointView> {
        Box::pin(self.do_disable_endpoint(id))
    }
}
