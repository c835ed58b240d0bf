//! The danger zone of a payment method: crypto-shredding it, confirmed with a step-up code.

use leptos::prelude::*;

use crate::api::methods::DeletePaymentMethod;
use crate::components::code_field::CodeField;
use crate::components::form::{FormError, SubmitButton, action_error};

/// "Delete payment method": a checkbox to confirm, the code, the button.
#[component]
pub fn DeletePanel(
    id: String,
    step_up_until: Option<i64>,
    delete: ServerAction<DeletePaymentMethod>,
) -> impl IntoView {
    let error = action_error(delete);
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete payment method"</h2>
            <p>
                "Deleting destroys the encrypted details (crypto-shredding): they can never be \
                 recovered, and the token stops working for every channel. The masked record \
                 and its history stay."
            </p>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=id />
                <div class="field checkbox">
                    // No name: the browser requires the tick, the server never sees it.
                    <input type="checkbox" id="delete-confirm" required=true />
                    <label for="delete-confirm">
                        "I understand the details cannot be recovered"
                    </label>
                </div>
                <CodeField id="delete-code" error step_up_until />
                <FormError error fields=&["code"] />
                <SubmitButton
                    label="Delete"
                    pending=delete.pending()
                    class="button button-danger"
                />
            </ActionForm>
        </section>
    }
}
