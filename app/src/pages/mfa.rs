//! `/login/mfa`: the second factor at sign-in, a code from the authenticator app or a
//! recovery code (PCI DSS 8.4).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::{SignOut, VerifyMfa};
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::{NextField, RequireStep};
use crate::model::SessionState;

/// The code form for someone whose password was accepted.
#[component]
pub fn MfaPage() -> impl IntoView {
    let verify = ServerAction::<VerifyMfa>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let error = action_error(verify);
    view! {
        <Title text="Two-step verification · Coffer" />
        <RequireStep pages=&["/login/mfa"] let:state>
            <section class="card auth-card" aria-labelledby="mfa-heading">
                <h1 id="mfa-heading">"Two-step verification"</h1>
                {signed_in_as(&state)}
                <ActionForm action=verify>
                    <NextField />
                    <TextField
                        id="mfa-code"
                        name="code"
                        label="Authentication code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required=true
                        autofocus=true
                        hint="The 6-digit code from your authenticator app. \
                              A recovery code also works."
                        error=field_error(error, "code")
                    />
                    <FormError error fields=&["code"] />
                    <SubmitButton
                        label="Verify"
                        pending=verify.pending()
                        class="button button-block"
                    />
                </ActionForm>
                <ActionForm action=sign_out attr:class="alt-action">
                    <button type="submit" class="link-button">
                        "Use a different account"
                    </button>
                </ActionForm>
            </section>
        </RequireStep>
    }
}

/// "Signing in as …" for the half-signed-in states.
pub fn signed_in_as(state: &SessionState) -> Option<impl IntoView + use<>> {
    let email = match state {
        SessionState::NeedsMfa { email }
        | SessionState::NeedsPasswordChange { email }
        | SessionState::NeedsMfaEnrolment { email } => email.clone(),
        SessionState::SignedIn(me) => me.email.clone(),
        SessionState::SignedOut => return None,
    };
    Some(view! {
        <p class="muted">
            "Signing in as " <strong>{email}</strong>
        </p>
    })
}
