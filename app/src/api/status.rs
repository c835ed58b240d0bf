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
    use crate::backend::*;
    use crate::error::{ConsoleError, ErrorCode};
    use crate::model::*;
    use async_trait::async_trait;

    struct FakeBackend;

    fn nothing<T>() -> Result<T, ConsoleError> {
        Err(ConsoleError::new(ErrorCode::Unavailable, "fake"))
    }

    #[async_trait]
    impl SignInBackend for FakeBackend {
        async fn status(&self) -> StatusView {
            sample()
        }
        async fn session_state(&self) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn sign_in(
            &self,
            _email: String,
            _password: String,
        ) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn verify_mfa(&self, _code: String) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn replace_authenticator(&self) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn change_password(
            &self,
            _change: PasswordChange,
        ) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn mfa_enrolment(&self) -> Result<Enrolment, ConsoleError> {
            nothing()
        }
        async fn confirm_mfa(&self, _code: String) -> Result<SessionState, ConsoleError> {
            nothing()
        }
        async fn sign_out(&self) -> Result<(), ConsoleError> {
            nothing()
        }
        async fn step_up(&self, _code: String) -> Result<Me, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl MethodsBackend for FakeBackend {
        async fn check_search(&self, _query: String) -> Result<String, ConsoleError> {
            nothing()
        }
        async fn search(&self, _query: String) -> Result<SearchResults, ConsoleError> {
            nothing()
        }
        async fn customer(&self, _reference: String) -> Result<CustomerView, ConsoleError> {
            nothing()
        }
        async fn payment_method(&self, _id: String) -> Result<MethodDetail, ConsoleError> {
            nothing()
        }
        async fn reveal(
            &self,
            _id: String,
            _reason: String,
            _code: Option<String>,
        ) -> Result<RevealedSecret, ConsoleError> {
            nothing()
        }
        async fn delete_payment_method(
            &self,
            _id: String,
            _code: Option<String>,
        ) -> Result<(), ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl EditBackend for FakeBackend {
        async fn edit_payment_method(
            &self,
            _id: String,
            _details: MethodDetails,
            _reason: String,
        ) -> Result<(), ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl CollectBackend for FakeBackend {
        async fn issue_card_collection(
            &self,
            _reference: String,
            _reason: String,
        ) -> Result<CollectionLink, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl TimelineBackend for FakeBackend {
        async fn customer_timeline(
            &self,
            _query: TimelineQuery,
        ) -> Result<TimelineView, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl AdminBackend for FakeBackend {
        async fn step_up_policy(&self) -> Result<StepUpPolicyView, ConsoleError> {
            nothing()
        }
        async fn users(&self) -> Result<Vec<UserSummary>, ConsoleError> {
            nothing()
        }
        async fn user(&self, _id: String) -> Result<UserSummary, ConsoleError> {
            nothing()
        }
        async fn create_user(
            &self,
            _email: String,
            _role: String,
            _code: Option<String>,
        ) -> Result<IssuedPassword, ConsoleError> {
            nothing()
        }
        async fn set_access(
            &self,
            _change: AccessChange,
            _code: Option<String>,
        ) -> Result<UserSummary, ConsoleError> {
            nothing()
        }
        async fn set_disabled(
            &self,
            _user_id: String,
            _disabled: bool,
            _code: Option<String>,
        ) -> Result<UserSummary, ConsoleError> {
            nothing()
        }
        async fn reset_mfa(
            &self,
            _user_id: String,
            _code: Option<String>,
        ) -> Result<UserSummary, ConsoleError> {
            nothing()
        }
        async fn reset_password(
            &self,
            _user_id: String,
            _reset_mfa: bool,
            _code: Option<String>,
        ) -> Result<IssuedPassword, ConsoleError> {
            nothing()
        }
        async fn api_keys(&self) -> Result<Vec<ApiKeySummary>, ConsoleError> {
            nothing()
        }
        async fn create_api_key(
            &self,
            _request: NewApiKeyRequest,
        ) -> Result<IssuedApiKey, ConsoleError> {
            nothing()
        }
        async fn approve_api_key(
            &self,
            _id: String,
            _code: Option<String>,
        ) -> Result<(), ConsoleError> {
            nothing()
        }
        async fn revoke_api_key(
            &self,
            _id: String,
            _code: Option<String>,
        ) -> Result<(), ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl AuditBackend for FakeBackend {
        async fn audit_search(&self, _query: AuditQuery) -> Result<AuditResults, ConsoleError> {
            nothing()
        }
        async fn audit_event(&self, _seq: i64) -> Result<AuditEventDetail, ConsoleError> {
            nothing()
        }
        async fn audit_status(&self) -> Result<ChainStatusView, ConsoleError> {
            nothing()
        }
        async fn audit_flags(&self, _open_only: bool) -> Result<ReviewQueue, ConsoleError> {
            nothing()
        }
        async fn review_flag(&self, _id: String, _note: String) -> Result<FlagView, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl ExpiryBackend for FakeBackend {
        async fn expiry_dashboard(
            &self,
            _query: ExpiryQuery,
        ) -> Result<ExpiryDashboard, ConsoleError> {
            nothing()
        }
        async fn issue_reverification(
            &self,
            _id: String,
        ) -> Result<ReverifyLinkView, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl ConnectionsBackend for FakeBackend {
        async fn connections(&self) -> Result<Vec<ConnectionSummary>, ConsoleError> {
            nothing()
        }
        async fn create_connection(
            &self,
            _request: NewConnectionRequest,
        ) -> Result<ConnectionSummary, ConsoleError> {
            nothing()
        }
        async fn update_connection(
            &self,
            _request: EditConnectionRequest,
        ) -> Result<ConnectionSummary, ConsoleError> {
            nothing()
        }
        async fn disable_connection(&self, _id: String) -> Result<ConnectionSummary, ConsoleError> {
            nothing()
        }
    }

    #[async_trait]
    impl WebhooksBackend for FakeBackend {
        async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>, ConsoleError> {
            nothing()
        }
        async fn disable_webhook_endpoint(
            &self,
            _id: String,
        ) -> Result<WebhookEndpointView, ConsoleError> {
            nothing()
        }
        async fn dead_letters(&self) -> Result<Vec<DeadLetterView>, ConsoleError> {
            nothing()
        }
        async fn replay_delivery(&self, _id: String) -> Result<(), ConsoleError> {
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
