//! Page guards: a page that needs a full sign-in, or one sign-in step, loads the session and
//! sends anyone else to the page their state belongs on (a 303 when rendered on the server),
//! carrying the page they asked for as `?next=` so that signing in returns them there.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::session::get_session;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::error::ErrorCode;
use crate::model::{Me, SessionState};
use crate::return_path::{ReturnPath, after_step, with_next};

/// Where an ended session sends the user.
pub const EXPIRED: &str = "/login?reason=expired";

/// The page being shown, as a return path (`None` on a sign-in step).
pub fn here() -> Option<ReturnPath> {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() {
        ReturnPath::parse(&path)
    } else {
        ReturnPath::parse(&format!("{path}?{search}"))
    }
}

/// The `?next=` this sign-in step carries, if it is a same-origin page.
pub fn next_from_query() -> Option<ReturnPath> {
    use_query_map().with_untracked(|q| ReturnPath::from_field(q.get_str("next")))
}

/// Where an ended session goes: sign in again, then back to this page.
pub fn expired_here() -> String {
    with_next(EXPIRED, here().as_ref())
}

/// The `next` field of a sign-in step's form: the page to return to once signed in.
#[component]
pub fn NextField() -> impl IntoView {
    next_from_query().map(|next| {
        view! { <input type="hidden" name="next" value=next.as_str().to_owned() /> }
    })
}

/// Renders `children` with the signed-in staff member; anyone else goes to their state's page.
#[component]
pub fn RequireSignIn<F, V>(children: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let session = Resource::new(|| (), |()| get_session());
    let children = Arc::new(children);
    let here = here();
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = Arc::clone(&children);
                let here = here.clone();
                Suspend::new(async move {
                    match session.await {
                        Ok(SessionState::SignedIn(me)) => children(me).into_any(),
                        Ok(state) => {
                            view! { <Redirect path=after_step(&state, here.as_ref()) /> }.into_any()
                        }
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
    let next = next_from_query();
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = Arc::clone(&children);
                let next = next.clone();
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
                        view! { <Redirect path=after_step(&state, next.as_ref()) /> }.into_any()
                    }
                })
            }}
        </Transition>
    }
}
