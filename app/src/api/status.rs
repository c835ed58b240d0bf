//! The vault's health as the console shows it, and the server function that reads it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether the vault's dependencies answer. Carries no cardholder data and no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    /// The database answered a trivial query.
    pub database: bool,
    /// The HSM token is reachable and logged in.
    pub hsm: bool,
    /// The running server's version.
    pub version: String,
}

impl StatusView {
    /// The vault can serve requests: every dependency answers.
    pub fn is_ready(&self) -> bool {
        self.database && self.hsm
    }
}

/// Reports whether the database and the HSM answer (`POST /console/api/status`).
///
/// Permission: none; the answer holds only up/down flags and the version.
/// Audit: none (no cardholder data is touched).
#[server(prefix = "/console/api", endpoint = "status")]
pub async fn get_status() -> Result<StatusView, ServerFnError> {
    let backend = use_context::<crate::backend::SharedBackend>()
        .ok_or_else(|| ServerFnError::new("the console backend is not configured"))?;
    Ok(backend.status().await)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};

    use leptos::prelude::{Owner, provide_context};

    use super::{StatusView, get_status};
    use crate::backend::{
        AccessChange, BoxFuture, ConsoleBackend, PasswordChange, Reply, SharedBackend,
    };
    use crate::error::{ConsoleError, ErrorCode};
    use crate::model::*;

    struct FakeBackend;

    fn nothing<'a, T: Send + 'a>() -> Reply<'a, T> {
        Box::pin(async { Err(ConsoleError::new(ErrorCode::Unavailable, "fake")) })
    }

    impl ConsoleBackend for FakeBackend {
        fn status(&self) -> BoxFuture<'_, StatusView> {
            Box::pin(async { sample() })
        }
        fn session_state(&self) -> Reply<'_, SessionState> {
            nothing()
        }
        fn sign_in(&self, _: String, _: String) -> Reply<'_, SessionState> {
            nothing()
        }
        fn verify_mfa(&self, _: String) -> Reply<'_, SessionState> {
            nothing()
        }
        fn change_password(&self, _: PasswordChange) -> Reply<'_, SessionState> {
            nothing()
        }
        fn mfa_enrolment(&self) -> Reply<'_, Enrolment> {
            nothing()
        }
        fn confirm_mfa(&self, _: String) -> Reply<'_, SessionState> {
            nothing()
        }
        fn sign_out(&self) -> Reply<'_, ()> {
            nothing()
        }
        fn step_up(&self, _: String) -> Reply<'_, Me> {
            nothing()
        }
        fn replace_authenticator(&self) -> Reply<'_, SessionState> {
            nothing()
        }
        fn check_search(&self, _: String) -> Reply<'_, String> {
            nothing()
        }
        fn search(&self, _: String) -> Reply<'_, SearchResults> {
            nothing()
        }
        fn customer(&self, _: String) -> Reply<'_, CustomerView> {
            nothing()
        }
        fn customer_timeline(&self, _: TimelineQuery) -> Reply<'_, TimelineView> {
            nothing()
        }
        fn issue_card_collection(&self, _: String, _: String) -> Reply<'_, CollectionLink> {
            nothing()
        }
        fn payment_method(&self, _: String) -> Reply<'_, MethodDetail> {
            nothing()
        }
        fn reveal(&self, _: String, _: String, _: Option<String>) -> Reply<'_, RevealedSecret> {
            nothing()
        }
        fn delete_payment_method(&self, _: String, _: Option<String>) -> Reply<'_, ()> {
            nothing()
        }
        fn edit_payment_method(&self, _: String, _: MethodDetails, _: String) -> Reply<'_, ()> {
            nothing()
        }
        fn users(&self) -> Reply<'_, Vec<UserSummary>> {
            nothing()
        }
        fn user(&self, _: String) -> Reply<'_, UserSummary> {
            nothing()
        }
        fn create_user(
            &self,
            _: String,
            _: String,
            _: Option<String>,
        ) -> Reply<'_, IssuedPassword> {
            nothing()
        }
        fn set_access(&self, _: AccessChange, _: Option<String>) -> Reply<'_, UserSummary> {
            nothing()
        }
        fn set_disabled(&self, _: String, _: bool, _: Option<String>) -> Reply<'_, UserSummary> {
            nothing()
        }
        fn reset_mfa(&self, _: String, _: Option<String>) -> Reply<'_, UserSummary> {
            nothing()
        }
        fn reset_password(
            &self,
            _: String,
            _: bool,
            _: Option<String>,
        ) -> Reply<'_, IssuedPassword> {
            nothing()
        }
        fn api_keys(&self) -> Reply<'_, Vec<ApiKeySummary>> {
            nothing()
        }
        fn step_up_policy(&self) -> Reply<'_, StepUpPolicyView> {
            nothing()
        }
        fn create_api_key(&self, _: NewApiKeyRequest) -> Reply<'_, IssuedApiKey> {
            nothing()
        }
        fn revoke_api_key(&self, _: String, _: Option<String>) -> Reply<'_, ()> {
            nothing()
        }
        fn approve_api_key(&self, _: String, _: Option<String>) -> Reply<'_, ()> {
            nothing()
        }
        fn audit_search(&self, _: AuditQuery) -> Reply<'_, AuditResults> {
            nothing()
        }
        fn audit_event(&self, _: i64) -> Reply<'_, AuditEventDetail> {
            nothing()
        }
        fn audit_status(&self) -> Reply<'_, ChainStatusView> {
            nothing()
        }
        fn audit_flags(&self, _: bool) -> Reply<'_, ReviewQueue> {
            nothing()
        }
        fn review_flag(&self, _: String, _: String) -> Reply<'_, FlagView> {
            nothing()
        }
        fn expiry_dashboard(&self, _: ExpiryQuery) -> Reply<'_, ExpiryDashboard> {
            nothing()
        }
        fn issue_reverification(&self, _: String) -> Reply<'_, ReverifyLinkView> {
            nothing()
        }
        fn dead_letters(&self) -> Reply<'_, Vec<DeadLetterView>> {
            nothing()
        }
        fn replay_delivery(&self, _: String) -> Reply<'_, ()> {
            nothing()
        }
        fn webhook_endpoints(&self) -> Reply<'_, Vec<WebhookEndpointView>> {
            nothing()
        }
        fn disable_webhook_endpoint(&self, _: String) -> Reply<'_, WebhookEndpointView> {
            nothing()
        }
    }

    fn sample() -> StatusView {
        StatusView {
            database: true,
            hsm: false,
            version: "9.9.9".to_owned(),
        }
    }

    /// Polls once inside `owner`: the fake backend never waits.
    fn poll_once<F: Future>(owner: &Owner, future: F) -> Poll<F::Output> {
        let mut future = pin!(future);
        owner.with(|| {
            future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
        })
    }

    #[test]
    fn get_status_asks_the_injected_backend() {
        let owner = Owner::new();
        owner.with(|| provide_context::<SharedBackend>(Arc::new(FakeBackend)));
        let polled = poll_once(&owner, get_status());
        assert!(
            matches!(polled, Poll::Ready(Ok(ref view)) if *view == sample()),
            "{polled:?}"
        );
    }

    #[test]
    fn get_status_without_a_backend_is_an_error_not_a_panic() {
        let owner = Owner::new();
        let polled = poll_once(&owner, get_status());
        assert!(matches!(polled, Poll::Ready(Err(_))), "{polled:?}");
    }

    #[test]
    fn ready_only_when_every_dependency_answers() {
        assert!(!sample().is_ready());
        assert!(
            StatusView {
                hsm: true,
                ..sample()
            }
            .is_ready()
        );
    }
}
