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
    use crate::backend::{BoxFuture, ConsoleBackend, SharedBackend};

    struct FakeBackend;

    impl ConsoleBackend for FakeBackend {
        fn status(&self) -> BoxFuture<'_, StatusView> {
            Box::pin(async { sample() })
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
