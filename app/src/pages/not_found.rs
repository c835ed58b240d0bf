//! The page for any path the console does not know.

use leptos::prelude::*;
use leptos_meta::Title;

/// Fallback for unknown paths; answers HTTP 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found · Coffer" />
        <section class="card narrow" aria-labelledby="not-found-heading">
            <h1 id="not-found-heading">"Page not found"</h1>
            <p class="muted">"There is nothing at this address."</p>
            <p>
                <a class="button" href="/">
                    "Back to the console"
                </a>
            </p>
        </section>
    }
}
