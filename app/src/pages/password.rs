//! `/account/password`: replacing an issued one-time password at first sign-in (PCI DSS 8.3.5),
//! or a signed-in member's own password, under the password rules (8.3.6, 8.3.7).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::ChangePassword;
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::{NextField, RequireStep};
use crate::model::SessionState;
use crate::pages::mfa::signed_in_as;

/// The password form with its rules.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    view! {
        <Title text="Choose a new password · Coffer" />
        <RequireStep pages=&["/account/password", "/"] let:state>
            <section class="card auth-card" aria-labelledby="password-heading">
                <h1 id="password-heading">"Choose a new password"</h1>
                {signed_in_as(&state)}
                {matches!(state, SessionState::NeedsPasswordChange { .. })
                    .then(|| {
                        view! {
                            <p>
                                "Your password was issued by an administrator. Replace it with \
                                 one only you know before you continue."
                            </p>
                        }
                    })}
                <div class="rules" id="password-rules">
                    <p class="rules-title">"Your new password needs:"</p>
                    <ul>
                        <li>"at least 12 characters"</li>
                        <li>"both letters and digits"</li>
                        <li>"not to be one of your last 4 passwords"</li>
                    </ul>
                </div>
                <ActionForm action=change>
                    <NextField />
                    <TextField
                        id="password-current"
                        name="current"
                        label="Current password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        error=field_error(error, "current")
                    />
                    <TextField
                        id="password-new"
                        name="new_password"
                        label="New password"
                        kind="password"
                        autocomplete="new-password"
                        required=true
                        hint="At least 12 characters, with letters and digits."
                        error=field_error(error, "new_password")
                    />
                    <TextField
                        id="password-confirm"
                        name="confirm"
                        label="Confirm new password"
                        kind="password"
                        autocomplete="new-password"
                        required=true
                        error=field_error(error, "confirm")
                    />
                    <FormError error fields=&["current", "new_password", "confirm"] />
                    <SubmitButton
                        label="Change password"
                        pending=change.pending()
                        class="button button-block"
                    />
                </ActionForm>
            </section>
        </RequireStep>
    }
}
