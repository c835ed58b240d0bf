//! Page guards: a page that needs a full sign-in, or one sign-in step, loads the session and
//! sends anyone else to the page their state belongs on (a 302 when rendered on the server).

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::session::get_session;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::error::ErrorCode;
use crate::model::{Me, SessionState};

/// Where an ended session sends the user.
pub const EXPIRED: &str = "/login?reason=expired";

/// Renders `children` with the signed-in staff member; anyone else goes to their state's page.
#[component]
pub fn RequireSignIn<F, V>(children: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = Resource::new(|| (), |()| get_session());
    let children = Arc::new(children);
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    match session.await {
                        Ok(SessionState::SignedIn(me)) => children(me).into_any(),
                        Ok(state) => view! { <Redirect path=state.home() /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Renders `children` with the session state when it belongs on one of the `pages` (paths as
/// [`SessionState::home`] gives them); otherwise sends the user to their state's page.
#[component]
pub fn RequireStep<F, V>(pages: &'static [&'static str], children: F) -> impl IntoView
where
    F: Fn(SessionState) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = Resource::new(|| (), |()| get_session());
    let children = Arc::new(children);
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    let state = match session.await {
                        Ok(state) => state,
                        Err(error) if error.code == ErrorCode::Unauthenticated => {
                            SessionState::SignedOut
                        }
                        Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                    };
                    if pages.contains(&state.home()) {
                        children(state).into_any()
                    } else {
                        view! { <Redirect path=state.home() /> }.into_any()
                    }
                })
            }}
        </Transition>
    }
}
