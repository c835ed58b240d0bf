//! "Take a card from a caller": the agent gives a reason and gets a single-use link (30 minutes)
//! to send through the OMS by SMS or e-mail, or to read out; the caller types the card on their
//! own phone. The agent never sees the digits; the card is stored for channel `call_centre`.

use leptos::prelude::*;

use crate::api::methods::IssueCardCollection;
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::one_time_secret::OneTimeSecret;

/// The panel on a customer's page.
#[component]
pub fn CollectPanel(reference: String) -> impl IntoView {
    let issue = ServerAction::<IssueCardCollection>::new();
    let error = action_error(issue);
    let value = issue.value();
    let issued = move || {
        value.with(|v| match v {
            Some(Ok(link)) => Some((link.url.clone(), link.expires_at.clone())),
            _ => None,
        })
    };
    view! {
        <section class="card" aria-labelledby="collect-heading">
            <h2 id="collect-heading">"Take a card from a caller"</h2>
            {move || {
                issued()
                    .map(|(url, expires)| {
                        view! {
                            <OneTimeSecret title="Card link" value=url testid="collect-link">
                                "Send it to the caller through the OMS (SMS or e-mail), or read \
                                 it out. It works once, until "
                                {expires}
                                ". The caller types the card on their own device; you will see \
                                 it here, masked, when it is saved."
                            </OneTimeSecret>
                        }
                    })
            }}
            <p class="muted">
                "Never take card digits over the phone yourself: this link lets the caller type \
                 them where only the vault sees them."
            </p>
            <ActionForm action=issue attr:class="form-narrow">
                <input type="hidden" name="reference" value=reference />
                <TextField
                    id="collect-reason"
                    name="reason"
                    label="Reason"
                    autocomplete="off"
                    required=true
                    hint="Recorded with the card, e.g. \"new card for order 1042, caller verified\"."
                    error=field_error(error, "reason")
                />
                <FormError error fields=&["reason"] />
                <SubmitButton label="Create card link" pending=issue.pending() />
            </ActionForm>
        </section>
    }
}
