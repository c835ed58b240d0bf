//! "Ask the customer to update this card": issues a single-use re-verification link and shows
//! it once, for the agent to send (email, chat) or read out.

use leptos::prelude::*;

use crate::api::lifecycle::IssueReverification;
use crate::components::form::{FormError, SubmitButton, action_error};

/// The panel on a card's page.
#[component]
pub fn ReverifyPanel(id: String) -> impl IntoView {
    let issue = ServerAction::<IssueReverification>::new();
    let error = action_error(issue);
    let link = move || {
        issue.value().get().and_then(Result::ok).map(|link| {
            view! {
                <div class="alert alert-ok" role="status">
                    <p>"Send this link to the customer. It works once, until "
                        {crate::components::format::short_time(&link.expires_at)} "."</p>
                    <input
                        class="mono wide"
                        readonly
                        value=link.url
                        aria-label="Re-verification link"
                        data-testid="reverify-link"
                    />
                </div>
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="reverify-heading">
            <h2 id="reverify-heading">"Update with the customer"</h2>
            <p>
                "The customer opens the link, then confirms the new expiry of a renewed card or \
                 enters a replacement card. You never see or type their card number."
            </p>
            <ActionForm action=issue>
                <input type="hidden" name="id" value=id />
                <FormError error />
                <SubmitButton label="Create re-verification link" pending=issue.pending() />
            </ActionForm>
            {link}
        </section>
    }
}
