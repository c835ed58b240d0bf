//! The box for a secret shown once (an issued password or API key): the value, a copy-friendly
//! monospace line and what to do with it.

use leptos::prelude::*;

/// A one-time secret. `testid` marks the element holding only the value.
#[component]
pub fn OneTimeSecret(
    title: &'static str,
    value: String,
    testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="secret-box" role="status">
            <h3>{title}</h3>
            <p>
                <code class="secret" data-testid=testid>
                    {value}
                </code>
            </p>
            <p class="secret-note">{children()}</p>
        </div>
    }
}
