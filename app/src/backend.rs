//! The service the console's server functions call into; the server binary provides it.
//!
//! Server functions stay one call into this trait (the hexagonal pattern): the binary builds an
//! implementation over the vault and the session, and hands it to Leptos as context, e.g.
//! `leptos_routes_with_context(&opts, routes, move || coffer_app::provide_backend(backend.clone()), …)`.
//! The implementation reads the session, the request's origin and the CSRF check from the
//! request context itself; every method authorises before it delegates.

use async_trait::async_trait;
use std::sync::Arc;

use crate::api::status::StatusView;
use crate::error::ConsoleError;
use crate::model::*;

/// A password change form.
#[derive(Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Who gets which roles (the security admin's form).
#[derive(Clone, Debug)]
pub struct AccessChange {
    pub user_id: String,
    pub roles: Vec<String>,
    pub can_reveal: bool,
}

/// What the console needs from the rest of Coffer. Implemented by the server crate.
/// `code` arguments are an optional fresh TOTP code for step-up: when given it is verified (and
/// the step-up lasts a few minutes); high-value actions fail with `StepUpRequired` otherwise.
pub trait ConsoleBackend:
    SignInBackend
    + MethodsBackend
    + EditBackend
    + CollectBackend
    + TimelineBackend
    + AdminBackend
    + AuditBackend
    + ExpiryBackend
    + WebhooksBackend
    + ConnectionsBackend
    + 'static
{
}

impl<T> ConsoleBackend for T where
    T: SignInBackend
        + MethodsBackend
        + EditBackend
        + CollectBackend
        + TimelineBackend
        + AdminBackend
        + AuditBackend
        + ExpiryBackend
        + WebhooksBackend
        + ConnectionsBackend
        + 'static
{
}

/// Sign-in, step-up and the session (PCI DSS 8.2–8.5), and the service's status.
#[async_trait]
pub trait SignInBackend: Send + Sync {
    /// Whether the database and the HSM answer, and the running version.
    async fn status(&self) -> StatusView;
    async fn session_state(&self) -> Result<SessionState, ConsoleError>;
    async fn sign_in(&self, email: String, password: String) -> Result<SessionState, ConsoleError>;
    async fn verify_mfa(&self, code: String) -> Result<SessionState, ConsoleError>;
    async fn replace_authenticator(&self) -> Result<SessionState, ConsoleError>;
    async fn change_password(&self, change: PasswordChange) -> Result<SessionState, ConsoleError>;
    async fn mfa_enrolment(&self) -> Result<Enrolment, ConsoleError>;
    async fn confirm_mfa(&self, code: String) -> Result<SessionState, ConsoleError>;
    async fn sign_out(&self) -> Result<(), ConsoleError>;
    async fn step_up(&self, code: String) -> Result<Me, ConsoleError>;
}

/// Payment methods (masked; reveal is the one exception): search, a customer's methods, one method, reveal, delete.
#[async_trait]
pub trait MethodsBackend: Send + Sync {
    /// Checks a search query with the vault's card-number detector (the one every other field
    /// is checked with) before it may be put in a URL; answers the trimmed query.
    async fn check_search(&self, query: String) -> Result<String, ConsoleError>;
    async fn search(&self, query: String) -> Result<SearchResults, ConsoleError>;
    async fn customer(&self, reference: String) -> Result<CustomerView, ConsoleError>;
    async fn payment_method(&self, id: String) -> Result<MethodDetail, ConsoleError>;
    async fn reveal(
        &self,
        id: String,
        reason: String,
        code: Option<String>,
    ) -> Result<RevealedSecret, ConsoleError>;
    async fn delete_payment_method(
        &self,
        id: String,
        code: Option<String>,
    ) -> Result<(), ConsoleError>;
}

/// Safe edits of a method's billing details, nickname and metadata.
#[async_trait]
pub trait EditBackend: Send + Sync {
    async fn edit_payment_method(
        &self,
        id: String,
        details: MethodDetails,
        reason: String,
    ) -> Result<(), ConsoleError>;
}

/// Card-collection links for a caller (MOTO): the agent never sees the card.
#[async_trait]
pub trait CollectBackend: Send + Sync {
    async fn issue_card_collection(
        &self,
        reference: String,
        reason: String,
    ) -> Result<CollectionLink, ConsoleError>;
}

/// A customer's timeline.
#[async_trait]
pub trait TimelineBackend: Send + Sync {
    async fn customer_timeline(&self, query: TimelineQuery) -> Result<TimelineView, ConsoleError>;
}

/// Administration (security admins): accounts, roles, resets, API keys.
#[async_trait]
pub trait AdminBackend: Send + Sync {
    async fn step_up_policy(&self) -> Result<StepUpPolicyView, ConsoleError>;
    async fn users(&self) -> Result<Vec<UserSummary>, ConsoleError>;
    async fn user(&self, id: String) -> Result<UserSummary, ConsoleError>;
    async fn create_user(
        &self,
        email: String,
        role: String,
        code: Option<String>,
    ) -> Result<IssuedPassword, ConsoleError>;
    async fn set_access(
        &self,
        change: AccessChange,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError>;
    async fn set_disabled(
        &self,
        user_id: String,
        disabled: bool,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError>;
    async fn reset_mfa(
        &self,
        user_id: String,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError>;
    async fn reset_password(
        &self,
        user_id: String,
        reset_mfa: bool,
        code: Option<String>,
    ) -> Result<IssuedPassword, ConsoleError>;
    async fn api_keys(&self) -> Result<Vec<ApiKeySummary>, ConsoleError>;
    async fn create_api_key(&self, request: NewApiKeyRequest)
    -> Result<IssuedApiKey, ConsoleError>;
    async fn approve_api_key(&self, id: String, code: Option<String>) -> Result<(), ConsoleError>;
    async fn revoke_api_key(&self, id: String, code: Option<String>) -> Result<(), ConsoleError>;
}

/// The audit log (compliance officers). The signed export is a plain download route of the server, not a server function.
#[async_trait]
pub trait AuditBackend: Send + Sync {
    async fn audit_search(&self, query: AuditQuery) -> Result<AuditResults, ConsoleError>;
    async fn audit_event(&self, seq: i64) -> Result<AuditEventDetail, ConsoleError>;
    async fn audit_status(&self) -> Result<ChainStatusView, ConsoleError>;
    async fn audit_flags(&self, open_only: bool) -> Result<ReviewQueue, ConsoleError>;
    async fn review_flag(&self, id: String, note: String) -> Result<FlagView, ConsoleError>;
}

/// The lifecycle: the expiry dashboard (support agents, compliance officers) and re-verification links. The CSV export is a plain route.
#[async_trait]
pub trait ExpiryBackend: Send + Sync {
    async fn expiry_dashboard(&self, query: ExpiryQuery) -> Result<ExpiryDashboard, ConsoleError>;
    async fn issue_reverification(&self, id: String) -> Result<ReverifyLinkView, ConsoleError>;
}

/// Webhooks (security admins): dead deliveries and the endpoints.
#[async_trait]
pub trait WebhooksBackend: Send + Sync {
    async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>, ConsoleError>;
    async fn disable_webhook_endpoint(
        &self,
        id: String,
    ) -> Result<WebhookEndpointView, ConsoleError>;
    async fn dead_letters(&self) -> Result<Vec<DeadLetterView>, ConsoleError>;
    async fn replay_delivery(&self, id: String) -> Result<(), ConsoleError>;
}

/// The relay's connections (security admins): list, register and change (each with a
/// step-up), disable.
#[async_trait]
pub trait ConnectionsBackend: Send + Sync {
    async fn connections(&self) -> Result<Vec<ConnectionSummary>, ConsoleError>;
    async fn create_connection(
        &self,
        request: NewConnectionRequest,
    ) -> Result<ConnectionSummary, ConsoleError>;
    async fn update_connection(
        &self,
        request: EditConnectionRequest,
    ) -> Result<ConnectionSummary, ConsoleError>;
    async fn disable_connection(&self, id: String) -> Result<ConnectionSummary, ConsoleError>;
}

/// The context type the server functions look up.
pub type SharedBackend = Arc<dyn ConsoleBackend>;

/// Puts `backend` into the current Leptos context (call it from the context closure).
pub fn provide_backend(backend: SharedBackend) {
    leptos::prelude::provide_context(backend);
}

/// The backend from context, or an error if the server did not provide one.
pub fn backend() -> Result<SharedBackend, ConsoleError> {
    leptos::prelude::use_context::<SharedBackend>().ok_or_else(|| {
        ConsoleError::new(
            crate::error::ErrorCode::Unavailable,
            "The console backend is not configured.",
        )
    })
}
