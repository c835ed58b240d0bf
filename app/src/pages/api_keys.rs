//! `/admin/api-keys`: the API keys payment channels use: the list, issuing one (its secret shown
//! once) and revoking one. Each change needs a step-up.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::{CreateApiKey, RevokeApiKey, list_api_keys};
use crate::components::checkbox::Checkbox;
use crate::components::code_field::CodeField;
use crate::components::feedback::{EmptyState, ErrorNotice, Forbidden, Loading};
use crate::components::form::{
    FormError, SubmitButton, TextField, action_error, field_error, reset_on_success, success_count,
};
use crate::components::format::{badge, short_time};
use crate::components::guard::RequireSignIn;
use crate::components::one_time_secret::OneTimeSecret;
use crate::model::{ApiKeySummary, SCOPES};

/// What each of [`SCOPES`] lets a channel do, in the same order.
const SCOPE_HINTS: [&str; 6] = [
    "Retrieve masked payment methods.",
    "Store (tokenize) and delete payment methods.",
    "Receive full card numbers, e.g. to forward them to a processor. Grant only when needed.",
    "Ask to use a stored method for an order; large amounts need the customer's step-up.",
    "Issue customers links to set up their second factor.",
    "Register webhook endpoints that receive signed event notices.",
];

/// The keys and the form to issue one.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let changes = (success_count(create), success_count(revoke));
    let keys = Resource::new(
        move || (changes.0.get(), changes.1.get()),
        |_| list_api_keys(),
    );
    view! {
        <Title text="API keys · Coffer" />
        <RequireSignIn let:me>
            {if me.can("api_keys.manage") {
                let step_up = me.step_up_until;
                let revoke_error = action_error(revoke);
                view! {
                    <div class="page-header">
                        <h1>"API keys"</h1>
                        <p class="muted">
                            "Keys the payment channels use to call the vault's API."
                        </p>
                    </div>
                    <section class="card" aria-labelledby="keys-heading">
                        <h2 id="keys-heading">"Keys"</h2>
                        <FormError error=revoke_error fields=&[] />
                        <Transition fallback=Loading>
                            {move || Suspend::new(async move {
                                match keys.await {
                                    Ok(keys) => {
                                        view! { <KeysTable keys revoke step_up_until=step_up /> }
                                            .into_any()
                                    }
                                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                                }
                            })}
                        </Transition>
                    </section>
                    <IssueKey create step_up_until=step_up />
                }
                    .into_any()
            } else {
                view! { <Forbidden /> }.into_any()
            }}
        </RequireSignIn>
    }
}

#[component]
fn KeysTable(
    keys: Vec<ApiKeySummary>,
    revoke: ServerAction<RevokeApiKey>,
    step_up_until: Option<i64>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! {
            <EmptyState>"No API keys yet. Issue one below for each payment channel."</EmptyState>
        }
        .into_any();
    }
    let rows = keys
        .into_iter()
        .map(|key| view! { <KeyRow key revoke /> })
        .collect_view();
    let hint = step_up_until.map(|_| "Not needed for a few minutes after you entered one.");
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Id"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="field-hint">
            "Revoking needs the current code from your authenticator app. " {hint}
        </p>
    }
    .into_any()
}

#[component]
fn KeyRow(key: ApiKeySummary, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let status = match key.revoked_at.as_deref() {
        Some(at) => view! {
            <span class=badge("revoked")>"Revoked"</span>
            " "
            <span class="muted small nowrap">{short_time(at)}</span>
        }
        .into_any(),
        None => view! { <span class=badge("active")>"Active"</span> }.into_any(),
    };
    let action = key.revoked_at.is_none().then(|| {
        view! { <RevokeForm id=key.id.clone() name=key.name.clone() revoke /> }
    });
    view! {
        <tr>
            <th scope="row">{key.name}</th>
            <td>
                <code>{key.id}</code>
            </td>
            <td>{key.scopes.join(", ")}</td>
            <td class="nowrap">{short_time(&key.created_at)}</td>
            <td>{status}</td>
            <td>{action}</td>
        </tr>
    }
}

/// A compact form per active key: its id, a code, "Revoke".
#[component]
fn RevokeForm(id: String, name: String, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let input_id = format!("revoke-code-{id}");
    view! {
        <ActionForm action=revoke attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <div class="inline-code">
                <label class="visually-hidden" for=input_id.clone()>
                    {format!("Authentication code to revoke {name}")}
                </label>
                <input
                    id=input_id
                    name="code"
                    autocomplete="one-time-code"
                    inputmode="numeric"
                    placeholder="Code"
                />
            </div>
            <SubmitButton
                label="Revoke"
                pending=revoke.pending()
                class="button button-danger button-small"
            />
        </ActionForm>
    }
}

/// "Issue an API key": name, scopes, code; then the secret, once.
#[component]
fn IssueKey(create: ServerAction<CreateApiKey>, step_up_until: Option<i64>) -> impl IntoView {
    let error = action_error(create);
    let form = NodeRef::new();
    reset_on_success(create, form);
    let value = create.value();
    let issued = move || {
        value.with(|value| match value {
            Some(Ok(key)) => Some((key.name.clone(), key.secret.clone())),
            _ => None,
        })
    };
    let scopes = ["read", "write", "reveal", "uses", "mfa", "hooks"]
        .into_iter()
        .zip(SCOPES)
        .zip(SCOPE_HINTS)
        .map(|((name, scope), hint)| {
            view! {
                <Checkbox
                    id=format!("key-{name}")
                    name
                    label=scope
                    hint=hint
                    checked=name == "read"
                />
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="issue-key-heading">
            <h2 id="issue-key-heading">"Issue an API key"</h2>
            {move || {
                issued()
                    .map(|(name, secret)| {
                        view! {
                            <OneTimeSecret title="New API key" value=secret testid="issued-api-key">
                                "Key for " {name} ". Copy it into the channel's secret store now: it \
                                 is shown once and cannot be retrieved again."
                            </OneTimeSecret>
                        }
                    })
            }}
            <ActionForm action=create node_ref=form attr:class="form-narrow">
                <TextField
                    id="key-name"
                    name="name"
                    label="Name"
                    autocomplete="off"
                    required=true
                    hint="The channel that will use it, e.g. web-checkout."
                    error=field_error(error, "name")
                />
                <fieldset>
                    <legend>"Scopes"</legend>
                    {scopes}
                </fieldset>
                <CodeField id="key-code" error step_up_until />
                <FormError error fields=&["name", "code"] />
                <SubmitButton label="Issue API key" pending=create.pending() />
            </ActionForm>
        </section>
    }
}
