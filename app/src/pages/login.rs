//! `/login`: email and password, the first step of staff sign-in (PCI DSS 8.3). Signed-in
//! staff, and those halfway through, are sent on to their next page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::session::SignIn;
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::guard::{NextField, RequireStep};

/// The sign-in form, with the notice after an idle timeout (`?reason=expired`).
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let error = action_error(sign_in);
    let query = use_query_map();
    let expired = move || query.with(|q| q.get_str("reason") == Some("expired"));
    view! {
        <Title text="Sign in · Coffer" />
        <RequireStep pages=&["/login"] let:_state>
            <section class="card auth-card" aria-labelledby="login-heading">
                <h1 id="login-heading">"Sign in to Coffer"</h1>
                <Show when=expired>
                    <p class="alert alert-warn" role="status">
                        "Your session ended after a period without activity. Sign in again."
                    </p>
                </Show>
                <ActionForm action=sign_in>
                    <NextField />
                    <TextField
                        id="login-email"
                        name="email"
                        label="Email"
                        kind="email"
                        autocomplete="username"
                        required=true
                        autofocus=true
                        error=field_error(error, "email")
                    />
                    <TextField
                        id="login-password"
                        name="password"
                        label="Password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        error=field_error(error, "password")
                    />
                    <FormError error fields=&["email", "password"] />
                    <SubmitButton
                        label="Sign in"
                        pending=sign_in.pending()
                        class="button button-block"
                    />
                </ActionForm>
                <p class="muted small">
                    "Staff accounts only. Repeated wrong attempts lock the account for a while; a \
                     security admin can unlock it sooner."
                </p>
            </section>
        </RequireStep>
    }
}
