//! The payment-method search box. It posts to `go_search`, which refuses full card numbers
//! before anything reaches a URL, then sends the browser to `/search?q=…`.

use leptos::prelude::*;

use crate::api::methods::GoSearch;
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};

/// The search form, optionally prefilled with the current query.
#[component]
pub fn SearchForm(#[prop(default = None)] value: Option<String>) -> impl IntoView {
    let go = ServerAction::<GoSearch>::new();
    let error = action_error(go);
    view! {
        <ActionForm action=go attr:class="search-form" attr:role="search">
            <div class="search-row">
                <TextField
                    id="search-q"
                    name="q"
                    label="Search payment methods"
                    kind="search"
                    placeholder="Customer reference, pm_… token, or 424242…4242"
                    required=true
                    value=value.unwrap_or_default()
                    hint="Never type a full card number: use the first 6 and last 4 digits."
                    error=field_error(error, "q")
                />
                <SubmitButton label="Search" pending=go.pending() />
            </div>
            <FormError error fields=&["q"] />
        </ActionForm>
    }
}
