//! The security admin's forms on a staff account: access (roles and the reveal grant),
//! disable or enable, MFA reset and password reset. Each posts the account id and a step-up
//! code.

use leptos::prelude::*;

use crate::api::admin::{ResetMfa, ResetPassword, SetAccess, SetDisabled};
use crate::components::checkbox::Checkbox;
use crate::components::code_field::CodeField;
use crate::components::form::{FormError, FormSuccess, SubmitButton, action_error, action_ok};
use crate::components::one_time_secret::OneTimeSecret;
use crate::model::{ROLES, UserSummary};

/// Roles as checkboxes named after them, and `reveal`.
#[component]
pub fn AccessForm(
    user: UserSummary,
    action: ServerAction<SetAccess>,
    step_up_until: Option<i64>,
) -> impl IntoView {
    let error = action_error(action);
    let roles = ROLES
        .iter()
        .map(|(role, text)| {
            let (label, hint) = text.split_once(": ").unwrap_or((text, ""));
            view! {
                <Checkbox
                    id=format!("access-{role}")
                    name=role
                    label=label
                    hint=hint.to_owned()
                    checked=user.roles.iter().any(|r| r == role)
                />
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="access-heading">
            <h2 id="access-heading">"Access"</h2>
            <FormSuccess done=action_ok(action) message="Access saved." />
            <ActionForm action=action>
                <input type="hidden" name="user_id" value=user.id />
                <fieldset>
                    <legend>"Roles"</legend>
                    {roles}
                </fieldset>
                <fieldset>
                    <legend>"Card numbers"</legend>
                    <Checkbox
                        id="access-reveal"
                        name="reveal"
                        label="May reveal full card numbers (granted on purpose, audited)"
                        hint="Only for staff who must read a full number to do their job. \
                              Every reveal needs a reason and is recorded."
                        checked=user.can_reveal
                    />
                </fieldset>
                <CodeField id="access-code" error step_up_until />
                <FormError error fields=&["code"] />
                <SubmitButton label="Save access" pending=action.pending() />
            </ActionForm>
        </section>
    }
}

/// Disables an active account, or enables a disabled one.
#[component]
pub fn DisableForm(
    user: UserSummary,
    action: ServerAction<SetDisabled>,
    step_up_until: Option<i64>,
) -> impl IntoView {
    let error = action_error(action);
    let disabled = user.status == "disabled";
    let (text, label, class, next) = if disabled {
        (
            "The account is disabled: it cannot sign in.",
            "Enable account",
            "button",
            "false",
        )
    } else {
        (
            "Disabling ends the person's sessions and stops them signing in. Nothing is deleted.",
            "Disable account",
            "button button-danger",
            "true",
        )
    };
    view! {
        <section class="card" aria-labelledby="disable-heading">
            <h2 id="disable-heading">{if disabled { "Enable" } else { "Disable" }}</h2>
            <FormSuccess done=action_ok(action) message="Account updated." />
            <p class="muted">{text}</p>
            <ActionForm action=action>
                <input type="hidden" name="user_id" value=user.id />
                <input type="hidden" name="disabled" value=next />
                <CodeField id="disable-code" error step_up_until />
                <FormError error fields=&["code"] />
                <SubmitButton label=label pending=action.pending() class=class />
            </ActionForm>
        </section>
    }
}

/// Removes the account's authenticator; it enrols again at next sign-in.
#[component]
pub fn ResetMfaForm(
    user: UserSummary,
    action: ServerAction<ResetMfa>,
    step_up_until: Option<i64>,
) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="reset-mfa-heading">
            <h2 id="reset-mfa-heading">"Reset MFA"</h2>
            <FormSuccess
                done=action_ok(action)
                message="MFA reset. They set up a new authenticator at next sign-in."
            />
            <p class="muted">
                "For a lost phone: removes the authenticator and recovery codes. Confirm who \
                 is asking through a separate channel first."
            </p>
            <ActionForm action=action>
                <input type="hidden" name="user_id" value=user.id />
                <CodeField id="reset-code" error step_up_until />
                <FormError error fields=&["code"] />
                <SubmitButton
                    label="Reset MFA"
                    pending=action.pending()
                    class="button button-secondary"
                />
            </ActionForm>
        </section>
    }
}

/// Issues a new one-time password (for a forgotten one, or a locked account); by choice also
/// removes the authenticator (for someone who lost their phone and their recovery codes).
#[component]
pub fn ResetPasswordForm(
    user: UserSummary,
    action: ServerAction<ResetPassword>,
    step_up_until: Option<i64>,
) -> impl IntoView {
    let error = action_error(action);
    let value = action.value();
    let issued = move || {
        value.with(|value| match value {
            Some(Ok(issued)) => Some(issued.password.clone()),
            _ => None,
        })
    };
    view! {
        <section class="card" aria-labelledby="reset-password-heading">
            <h2 id="reset-password-heading">"Reset password"</h2>
            {move || {
                issued()
                    .map(|password| {
                        view! {
                            <OneTimeSecret
                                title="One-time password"
                                value=password
                                testid="reset-password"
                            >
                                "Give this password to the person through a separate channel. \
                                 It is shown once and must be changed at the next sign-in. \
                                 Their open sessions have ended."
                            </OneTimeSecret>
                        }
                    })
            }}
            <p class="muted">
                "For a forgotten password or a locked account: issues a one-time password, lifts \
                 the lock and signs the account out everywhere. Confirm who is asking through a \
                 separate channel first."
            </p>
            <ActionForm action=action>
                <input type="hidden" name="user_id" value=user.id />
                <Checkbox
                    id="reset-password-mfa"
                    name="reset_mfa"
                    label="Also reset two-step verification"
                    hint="Only if they lost their authenticator and their recovery codes: \
                          they set up a new one at the next sign-in."
                />
                <CodeField id="reset-password-code" error step_up_until />
                <FormError error fields=&["code"] />
                <SubmitButton
                    label="Reset password"
                    pending=action.pending()
                    class="button button-secondary"
                />
            </ActionForm>
        </section>
    }
}
