//! Form building blocks: a labelled text field with its hint and error, the submit button that
//! is disabled while its action runs, and the form-level error line. Errors come from the
//! action's value, so they also show after a plain (pre-wasm) form post.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::Redirect;

use crate::components::guard::expired_here;
use crate::error::{ConsoleError, ErrorCode};

/// What a step-up refusal says beside the code field.
const STEP_UP: &str =
    "This action needs a fresh code. Enter the current code from your authenticator app.";

/// The error of an action's last run, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<ConsoleError>>
where
    S: ServerFn<Error = ConsoleError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || {
        value.with(|value| match value {
            Some(Err(error)) => Some(error.clone()),
            _ => None,
        })
    })
}

/// The message to show beside `field`, if the error is about it. Step-up and wrong-code
/// refusals belong to the `code` field.
pub fn field_message(error: &ConsoleError, field: &str) -> Option<String> {
    if let Some(message) = error.for_field(field) {
        return Some(message);
    }
    if field != "code" || error.field.is_some() {
        return None;
    }
    match error.code {
        ErrorCode::StepUpRequired => Some(STEP_UP.to_owned()),
        ErrorCode::InvalidCode => Some(error.message.clone()),
        _ => None,
    }
}

/// `field`'s message from an error signal.
pub fn field_error(
    error: Signal<Option<ConsoleError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || error.with(|e| e.as_ref().and_then(|e| field_message(e, field))))
}

/// A labelled input with an optional hint and error, linked by `aria-describedby`.
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(into)] label: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
    /// Keep the label for screen readers only (compact inline forms).
    #[prop(optional)]
    label_hidden: bool,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = [
                hint.with(Option::is_some).then_some(hint_id.as_str()),
                error.with(Option::is_some).then_some(error_id.as_str()),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone() class=label_hidden.then_some("visually-hidden")>
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                placeholder=placeholder
                required=required
                autofocus=autofocus
                value=value
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
            />
            {move || {
                hint.get().map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })
            }}
            {move || {
                error
                    .get()
                    .map(|error| {
                        view! {
                            <p class="field-error" id=error_id.clone() role="alert">
                                {error}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// A submit button, disabled (and marked busy) while its action runs.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "button")] class: &'static str,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            disabled=move || pending.get()
            aria-busy=move || pending.get().then_some("true")
        >
            {label}
        </button>
    }
}

/// The form's error when it is not about one of `fields` (those show beside their input).
/// An ended session sends the user to sign in again.
#[component]
pub fn FormError(
    #[prop(into)] error: Signal<Option<ConsoleError>>,
    /// The fields the form shows errors beside.
    #[prop(optional)]
    fields: &'static [&'static str],
    /// Replaces the server's message when the action was refused.
    #[prop(optional)]
    forbidden: Option<&'static str>,
) -> impl IntoView {
    move || {
        let error = error.get()?;
        if fields
            .iter()
            .any(|field| field_message(&error, field).is_some())
        {
            return None;
        }
        Some(match error.code {
            ErrorCode::Unauthenticated => view! { <Redirect path=expired_here() /> }.into_any(),
            code => {
                let message = match (code, forbidden) {
                    (ErrorCode::Forbidden, Some(text)) => text.to_owned(),
                    _ => error.message,
                };
                view! {
                    <p class="alert alert-error" role="alert">
                        {message}
                    </p>
                }
                .into_any()
            }
        })
    }
}

/// A success line shown after an action's last run succeeded.
#[component]
pub fn FormSuccess(#[prop(into)] done: Signal<bool>, message: &'static str) -> impl IntoView {
    move || {
        done.get().then(|| {
            view! {
                <p class="alert alert-ok" role="status">
                    {message}
                </p>
            }
        })
    }
}

/// Whether the action's last run succeeded.
pub fn action_ok<S>(action: ServerAction<S>) -> Signal<bool>
where
    S: ServerFn<Error = ConsoleError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.with(|value| matches!(value, Some(Ok(_)))))
}

/// Counts the action's successful runs: a data load keyed on it refetches after a change, but
/// not after a refusal (which would redraw the form and lose what was typed).
pub fn success_count<S>(action: ServerAction<S>) -> ReadSignal<usize>
where
    S: ServerFn<Error = ConsoleError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let (count, set_count) = signal(0_usize);
    let version = action.version();
    let value = action.value();
    Effect::watch(
        move || version.get(),
        move |_, _, _| {
            if value.with_untracked(|value| matches!(value, Some(Ok(_)))) {
                set_count.update(|n| *n += 1);
            }
        },
        false,
    );
    count
}

/// Clears the form after each successful run (a new entry starts empty; the code is spent).
pub fn reset_on_success<S>(action: ServerAction<S>, form: NodeRef<leptos::html::Form>)
where
    S: ServerFn<Error = ConsoleError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let done = success_count(action);
    Effect::watch(
        move || done.get(),
        move |_, _, _| {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        },
        false,
    );
}
