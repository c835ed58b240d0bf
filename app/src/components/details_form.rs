//! The safe edit of a payment method: billing details, nickname and metadata, with a reason
//! code. Nothing here can hold card data: the vault refuses card-like text in every field (on
//! that field, without echoing it), and the change is audited with its values before and after.

use leptos::prelude::*;

use crate::api::methods::EditPaymentMethod;
use crate::components::form::{
    FormError, FormSuccess, SubmitButton, TextField, action_error, action_ok, field_error,
};
use crate::model::{EDIT_REASONS, MethodDetails};

const FIELDS: &[&str] = &[
    "billing_details[name]",
    "billing_details[email]",
    "billing_details[phone]",
    "billing_details[address][line1]",
    "billing_details[address][line2]",
    "billing_details[address][city]",
    "billing_details[address][postal_code]",
    "billing_details[address][country]",
    "nickname",
    "reason",
];

/// "Edit details", prefilled with what is stored.
#[component]
pub fn DetailsForm(
    id: String,
    details: MethodDetails,
    action: ServerAction<EditPaymentMethod>,
) -> impl IntoView {
    let error = action_error(action);
    let reasons = EDIT_REASONS
        .iter()
        .map(|(code, label)| view! { <option value=*code>{*label}</option> })
        .collect_view();
    let reason_error = field_error(error, "reason");
    view! {
        <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">"Edit details"</h2>
            <FormSuccess
                done=action_ok(action)
                message="Details saved. The change is in the history with its reason."
            />
            <p class="muted">
                "Billing details, a nickname and notes for this method. Never type a card \
                 number here: it is refused."
            </p>
            <ActionForm action=action attr:class="details-form">
                <input type="hidden" name="id" value=id />
                <div class="filter-grid">
                    <TextField
                        id="details-nickname"
                        name="details[nickname]"
                        label="Nickname"
                        autocomplete="off"
                        value=details.nickname
                        hint="How the customer calls this card, e.g. \"Work card\"."
                        error=field_error(error, "nickname")
                    />
                    <TextField
                        id="details-name"
                        name="details[name]"
                        label="Billing name"
                        autocomplete="off"
                        value=details.name
                        error=field_error(error, "billing_details[name]")
                    />
                    <TextField
                        id="details-email"
                        name="details[email]"
                        label="Billing email"
                        kind="email"
                        autocomplete="off"
                        value=details.email
                        error=field_error(error, "billing_details[email]")
                    />
                    <TextField
                        id="details-phone"
                        name="details[phone]"
                        label="Billing phone"
                        kind="tel"
                        autocomplete="off"
                        value=details.phone
                        error=field_error(error, "billing_details[phone]")
                    />
                    <TextField
                        id="details-line1"
                        name="details[line1]"
                        label="Address line 1"
                        autocomplete="off"
                        value=details.line1
                        error=field_error(error, "billing_details[address][line1]")
                    />
                    <TextField
                        id="details-line2"
                        name="details[line2]"
                        label="Address line 2"
                        autocomplete="off"
                        value=details.line2
                        error=field_error(error, "billing_details[address][line2]")
                    />
                    <TextField
                        id="details-city"
                        name="details[city]"
                        label="City"
                        autocomplete="off"
                        value=details.city
                        error=field_error(error, "billing_details[address][city]")
                    />
                    <TextField
                        id="details-postal-code"
                        name="details[postal_code]"
                        label="Postal code"
                        autocomplete="off"
                        value=details.postal_code
                        error=field_error(error, "billing_details[address][postal_code]")
                    />
                    <TextField
                        id="details-country"
                        name="details[country]"
                        label="Country"
                        autocomplete="off"
                        value=details.country
                        hint="Two letters, e.g. DE."
                        error=field_error(error, "billing_details[address][country]")
                    />
                </div>
                <div class="field">
                    <label for="details-metadata">"Metadata"</label>
                    <textarea
                        id="details-metadata"
                        name="details[metadata]"
                        rows="3"
                        aria-describedby="details-metadata-hint"
                    >
                        {details.metadata}
                    </textarea>
                    <p class="field-hint" id="details-metadata-hint">
                        "One key=value per line (the OMS sees these as the method's metadata)."
                    </p>
                </div>
                <div class="field">
                    <label for="details-reason">"Why"</label>
                    <select id="details-reason" name="reason" required=true>
                        {reasons}
                    </select>
                    {move || {
                        reason_error
                            .get()
                            .map(|e| view! { <p class="field-error" role="alert">{e}</p> })
                    }}
                </div>
                <FormError error fields=FIELDS />
                <SubmitButton label="Save details" pending=action.pending() />
            </ActionForm>
        </section>
    }
}
