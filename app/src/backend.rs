//! The service the console's server functions call into; the server binary provides it.
//!
//! Server functions stay one call into this trait (the hexagonal pattern): the binary builds an
//! implementation over the vault and the session, and hands it to Leptos as context, e.g.
//! `leptos_routes_with_context(&opts, routes, move || coffer_app::provide_backend(backend.clone()), …)`.
//! The implementation reads the session, the request's origin and the CSRF check from the
//! request context itself; every method authorises before it delegates.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::api::status::StatusView;
use crate::error::ConsoleError;
use crate::model::*;

/// A boxed, sendable future borrowed from the backend.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// The result of a backend call.
pub type Reply<'a, T> = BoxFuture<'a, Result<T, ConsoleError>>;

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
pub trait ConsoleBackend: Send + Sync + 'static {
    /// Whether the database and the HSM answer, and the running version.
    fn status(&self) -> BoxFuture<'_, StatusView>;

    // Sign-in (PCI DSS 8.2–8.5).
    fn session_state(&self) -> Reply<'_, SessionState>;
    fn sign_in(&self, email: String, password: String) -> Reply<'_, SessionState>;
    fn verify_mfa(&self, code: String) -> Reply<'_, SessionState>;
    fn change_password(&self, change: PasswordChange) -> Reply<'_, SessionState>;
    fn mfa_enrolment(&self) -> Reply<'_, Enrolment>;
    fn confirm_mfa(&self, code: String) -> Reply<'_, SessionState>;
    fn sign_out(&self) -> Reply<'_, ()>;
    fn step_up(&self, code: String) -> Reply<'_, Me>;
    fn replace_authenticator(&self) -> Reply<'_, SessionState>;

    // Payment methods (masked; reveal is the one exception).
    fn search(&self, query: String) -> Reply<'_, SearchResults>;
    /// Checks a search query with the vault's card-number detector (the one every other field
    /// is checked with) before it may be put in a URL; answers the trimmed query.
    fn check_search(&self, query: String) -> Reply<'_, String>;
    fn customer(&self, reference: String) -> Reply<'_, CustomerView>;
    fn customer_timeline(&self, query: TimelineQuery) -> Reply<'_, TimelineView>;
    fn issue_card_collection(&self, reference: String, reason: String)
    -> Reply<'_, CollectionLink>;
    fn payment_method(&self, id: String) -> Reply<'_, MethodDetail>;
    fn reveal(&self, id: String, reason: String, code: Option<String>)
    -> Reply<'_, RevealedSecret>;
    fn delete_payment_method(&self, id: String, code: Option<String>) -> Reply<'_, ()>;
    fn edit_payment_method(
        &self,
        id: String,
        details: MethodDetails,
        reason: String,
    ) -> Reply<'_, ()>;

    // Administration (security admins).
    fn users(&self) -> Reply<'_, Vec<UserSummary>>;
    fn user(&self, id: String) -> Reply<'_, UserSummary>;
    fn create_user(
        &self,
        email: String,
        role: String,
        code: Option<String>,
    ) -> Reply<'_, IssuedPassword>;
    fn set_access(&self, change: AccessChange, code: Option<String>) -> Reply<'_, UserSummary>;
    fn set_disabled(
        &self,
        user_id: String,
        disabled: bool,
        code: Option<String>,
    ) -> Reply<'_, UserSummary>;
    fn reset_mfa(&self, user_id: String, code: Option<String>) -> Reply<'_, UserSummary>;
    fn reset_password(
        &self,
        user_id: String,
        reset_mfa: bool,
        code: Option<String>,
    ) -> Reply<'_, IssuedPassword>;
    fn api_keys(&self) -> Reply<'_, Vec<ApiKeySummary>>;
    fn step_up_policy(&self) -> Reply<'_, StepUpPolicyView>;
    fn create_api_key(&self, request: NewApiKeyRequest) -> Reply<'_, IssuedApiKey>;
    fn revoke_api_key(&self, id: String, code: Option<String>) -> Reply<'_, ()>;
    fn approve_api_key(&self, id: String, code: Option<String>) -> Reply<'_, ()>;

    // The audit log (compliance officers). The signed export is a plain download route of the
    // server, not a server function.
    fn audit_search(&self, query: AuditQuery) -> Reply<'_, AuditResults>;
    fn audit_event(&self, seq: i64) -> Reply<'_, AuditEventDetail>;
    fn audit_status(&self) -> Reply<'_, ChainStatusView>;
    fn audit_flags(&self, open_only: bool) -> Reply<'_, ReviewQueue>;
    fn review_flag(&self, id: String, note: String) -> Reply<'_, FlagView>;

    // The lifecycle: the expiry dashboard (support agents, compliance officers), re-verification
    // links, and webhooks (security admins): dead deliveries and the endpoints. The CSV export
    // is a plain route.
    fn expiry_dashboard(&self, query: ExpiryQuery) -> Reply<'_, ExpiryDashboard>;
    fn issue_reverification(&self, id: String) -> Reply<'_, ReverifyLinkView>;
    fn dead_letters(&self) -> Reply<'_, Vec<DeadLetterView>>;
    fn replay_delivery(&self, id: String) -> Reply<'_, ()>;
    fn webhook_endpoints(&self) -> Reply<'_, Vec<WebhookEndpointView>>;
    fn disable_webhook_endpoint(&self, id: String) -> Reply<'_, WebhookEndpointView>;
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
