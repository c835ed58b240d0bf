//! How pages show waiting and failure: the loading line, an error from a data load (an ended
//! session becomes a redirect to sign-in), and the empty state of a list.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::components::guard::expired_here;
use crate::error::{ConsoleError, ErrorCode};

/// The fallback while a page's data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="muted loading" role="status">
            "Loading…"
        </p>
    }
}

/// A failed data load, as the user should read it.
#[component]
pub fn ErrorNotice(error: ConsoleError) -> impl IntoView {
    match error.code {
        ErrorCode::Unauthenticated => view! { <Redirect path=expired_here() /> }.into_any(),
        ErrorCode::Forbidden => view! { <Forbidden /> }.into_any(),
        ErrorCode::NotFound => {
            #[cfg(feature = "ssr")]
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(http::StatusCode::NOT_FOUND);
            }
            view! {
                <section class="card narrow" aria-labelledby="missing-heading">
                    <h2 id="missing-heading">"Not found"</h2>
                    <p class="alert alert-error" role="alert">
                        {error.message}
                    </p>
                    <p>
                        <a href="/">"Back to the console"</a>
                    </p>
                </section>
            }
            .into_any()
        }
        _ => view! {
            <p class="alert alert-error" role="alert">
                {error.message}
            </p>
        }
        .into_any(),
    }
}

/// The page for staff whose roles do not cover it.
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="card narrow" aria-labelledby="forbidden-heading">
            <h1 id="forbidden-heading">"Not available for your role"</h1>
            <p class="alert alert-error" role="alert">
                "Your roles do not give access to this page. Ask a security admin if you need it."
            </p>
            <p>
                <a href="/">"Back to the console"</a>
            </p>
        </section>
    }
}

/// A list with nothing in it.
#[component]
pub fn EmptyState(children: Children) -> impl IntoView {
    view! { <p class="empty-state">{children()}</p> }
}
