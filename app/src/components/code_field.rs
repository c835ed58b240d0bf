//! The step-up field of privileged forms: a fresh authenticator code, with a hint saying until
//! when a recent step-up makes it unnecessary (worked out in the browser, in local time).

use leptos::prelude::*;

use crate::components::form::{TextField, field_error};
use crate::error::ConsoleError;

const DEFAULT_HINT: &str = "The current 6-digit code from your authenticator app. \
                            Not needed for a few minutes after you last entered one.";

/// `Authentication code` (input `code`) for an action that needs a step-up.
#[component]
pub fn CodeField(
    #[prop(into)] id: String,
    #[prop(into)] error: Signal<Option<ConsoleError>>,
    /// When the current step-up ends (unix ms), from the session.
    #[prop(default = None)]
    step_up_until: Option<i64>,
    #[prop(optional)] label_hidden: bool,
) -> impl IntoView {
    // The browser knows the time; the server render shows the general hint.
    let (until, set_until) = signal(None::<String>);
    Effect::new(move |_| set_until.set(step_up_until.and_then(local_time_if_future)));
    let hint = Signal::derive(move || {
        Some(match until.get() {
            Some(time) => format!("Not needed until {time}: you entered a code recently."),
            None => DEFAULT_HINT.to_owned(),
        })
    });
    view! {
        <TextField
            id
            name="code"
            label="Authentication code"
            autocomplete="one-time-code"
            inputmode="numeric"
            hint
            error=field_error(error, "code")
            label_hidden
        />
    }
}

/// `HH:MM` in the browser's time zone if `unix_ms` is still ahead.
#[cfg(target_family = "wasm")]
fn local_time_if_future(unix_ms: i64) -> Option<String> {
    use leptos::web_sys::js_sys::Date;
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64 exactly
    let at = unix_ms as f64;
    if at <= Date::now() {
        return None;
    }
    let date = Date::new(&at.into());
    Some(format!("{:02}:{:02}", date.get_hours(), date.get_minutes()))
}

/// Effects do not run on the server, so this is never asked there.
#[cfg(not(target_family = "wasm"))]
fn local_time_if_future(_unix_ms: i64) -> Option<String> {
    None
}
