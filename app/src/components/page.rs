//! The scaffold the console's pages share: a page for one permission, and data shown once it
//! loads (its failure as [`ErrorNotice`] tells it).

use std::sync::Arc;

use leptos::prelude::*;

use crate::components::feedback::{ErrorNotice, Forbidden, Loading};
use crate::components::guard::RequireSignIn;
use crate::error::ConsoleError;
use crate::model::Me;

/// Renders `children` for a signed-in member who holds `permission`; another member sees
/// [`Forbidden`], and anyone not signed in goes to sign in first.
#[component]
pub fn RequirePermission<F, V>(permission: &'static str, children: F) -> impl IntoView
where
    F: Fn(Me) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <RequireSignIn let:me>
            {if me.can(permission) {
                children(me).into_any()
            } else {
                view! { <Forbidden /> }.into_any()
            }}
        </RequireSignIn>
    }
}

/// Renders `children` with the loaded value, [`Loading`] until it arrives (the old value stays
/// while a new one loads), and the failure if it fails.
#[component]
pub fn Loaded<T, F, V>(data: Resource<Result<T, ConsoleError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Transition fallback=Loading>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => children(value).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
