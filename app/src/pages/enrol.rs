//! `/account/mfa`: enrolling an authenticator app (PCI DSS 8.4.2): the QR code and key, the
//! recovery codes shown this once, then a code to confirm.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::{ConfirmMfa, mfa_enrolment};
use crate::components::feedback::{ErrorNotice, Loading};
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::{NextField, RequireStep};
use crate::error::ConsoleError;
use crate::model::Enrolment;

/// Enrolment for someone who has no authenticator yet.
#[component]
pub fn EnrolPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmMfa>::new();
    // Started once per page, here rather than under the guard: the guard may render its
    // children more than once on the server, and each start makes a new key (the page would
    // show one key while another is stored).
    let enrolment = Resource::new(|| (), |()| mfa_enrolment());
    view! {
        <Title text="Set up two-step verification · Coffer" />
        <RequireStep pages=&["/account/mfa"] let:_state>
            <section class="card enrol" aria-labelledby="enrol-heading">
                <h1 id="enrol-heading">"Set up two-step verification"</h1>
                <EnrolmentSteps enrolment confirm />
            </section>
        </RequireStep>
    }
}

/// The started enrolment, once it is there.
#[component]
fn EnrolmentSteps(
    enrolment: Resource<Result<Enrolment, ConsoleError>>,
    confirm: ServerAction<ConfirmMfa>,
) -> impl IntoView {
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match enrolment.await {
                    Ok(enrolment) => view! { <EnrolmentView enrolment confirm /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EnrolmentView(enrolment: Enrolment, confirm: ServerAction<ConfirmMfa>) -> impl IntoView {
    let error = action_error(confirm);
    let size = enrolment.qr_size;
    let codes = enrolment
        .recovery_codes
        .into_iter()
        .map(|code| view! { <li><code>{code}</code></li> })
        .collect_view();
    view! {
        <ol class="steps">
            <li>
                <h2>"Scan the code with your authenticator app"</h2>
                <div class="enrol-key">
                    <div class="qr">
                        <svg
                            viewBox=format!("0 0 {size} {size}")
                            role="img"
                            aria-label="QR code for your authenticator app"
                            shape-rendering="crispEdges"
                        >
                            <path d=enrolment.qr_path />
                        </svg>
                    </div>
                    <div>
                        <p class="muted">"Can't scan it? Type this key into the app instead."</p>
                        <dl class="facts">
                            <dt>"Key for manual entry"</dt>
                            <dd>
                                <code class="manual-key" data-testid="manual-key">
                                    {enrolment.manual_key}
                                </code>
                            </dd>
                            <dt>"Account"</dt>
                            <dd>{enrolment.email}</dd>
                        </dl>
                    </div>
                </div>
            </li>
            <li>
                <h2>"Keep your recovery codes"</h2>
                <p class="alert alert-warn" role="note">
                    "These codes are shown only once. Store them somewhere safe, such as a \
                     password manager: each one signs you in once if you lose your phone."
                </p>
                <ol class="recovery-codes" data-testid="recovery-codes">{codes}</ol>
            </li>
            <li>
                <h2>"Enter a code to confirm"</h2>
                <ActionForm action=confirm>
                    <NextField />
                    <TextField
                        id="enrol-code"
                        name="code"
                        label="Authentication code"
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        required=true
                        hint="The 6-digit code your app shows now."
                        error=field_error(error, "code")
                    />
                    <FormError error fields=&["code"] />
                    <SubmitButton label="Confirm" pending=confirm.pending() />
                </ActionForm>
            </li>
        </ol>
    }
}
