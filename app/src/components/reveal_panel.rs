//! The reveal panel of a payment method: reason and step-up code in, the clear details out,
//! once. The details live only in the action's value (this page's memory): never in a data
//! load, the URL or storage; "Hide" or leaving the page drops them.

use leptos::prelude::*;

use crate::api::methods::RevealPaymentMethod;
use crate::components::code_field::CodeField;
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};

const FORBIDDEN: &str =
    "You do not have permission to reveal card numbers. The attempt was recorded.";

/// Reveal form, or the revealed details with a "Hide" button.
#[component]
pub fn RevealPanel(
    id: String,
    step_up_until: Option<i64>,
    reveal: ServerAction<RevealPaymentMethod>,
) -> impl IntoView {
    let value = reveal.value();
    let fields = move || {
        value.with(|value| match value {
            Some(Ok(secret)) => Some(secret.fields.clone()),
            _ => None,
        })
    };
    let error = action_error(reveal);
    let form = move || {
        let id = id.clone();
        view! {
            <ActionForm action=reveal>
                <input type="hidden" name="id" value=id />
                <TextField
                    id="reveal-reason"
                    name="reason"
                    label="Reason or ticket number"
                    autocomplete="off"
                    required=true
                    hint="Recorded in the audit log with your name and the time."
                    error=field_error(error, "reason")
                />
                <CodeField id="reveal-code" error step_up_until />
                <FormError error fields=&["reason", "code"] forbidden=FORBIDDEN />
                <SubmitButton label="Reveal number" pending=reveal.pending() />
            </ActionForm>
        }
    };
    view! {
        <section class="card" aria-labelledby="reveal-heading">
            <h2 id="reveal-heading">"Reveal"</h2>
            {move || match fields() {
                Some(fields) => view! { <Revealed fields reveal /> }.into_any(),
                None => {
                    view! {
                        <p class="muted">
                            "Shows the full details once. Give a reason; your name, the reason \
                             and the time are recorded."
                        </p>
                        {form()}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// The clear details in a highlighted box.
#[component]
fn Revealed(
    fields: Vec<(String, zeroize::Zeroizing<String>)>,
    reveal: ServerAction<RevealPaymentMethod>,
) -> impl IntoView {
    let rows = fields
        .into_iter()
        .map(|(label, value)| {
            view! {
                <dt>{label}</dt>
                <dd>
                    // The page's text is a copy the browser owns; the vault's stays zeroizing.
                    <code class="secret">{value.as_str().to_owned()}</code>
                </dd>
            }
        })
        .collect_view();
    view! {
        <div class="revealed" data-testid="revealed" role="status">
            <dl class="facts">{rows}</dl>
            <p class="secret-note">
                "Do not copy this anywhere else. Hide it as soon as you are done; leaving the \
                 page also removes it."
            </p>
            <button type="button" class="button button-secondary" on:click=move |_| reveal.clear()>
                "Hide"
            </button>
        </div>
    }
}
