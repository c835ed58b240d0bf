//! `/admin/api-keys`: the API keys payment channels use: the list, issuing one (its secret shown
//! once, with an optional expiry and IP allow-list), approving a reveal or OMS-wide key another
//! admin issued (dual control), and revoking one. Each change needs a step-up.

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};
use leptos_meta::Title;

use crate::api::admin::{ApproveApiKey, CreateApiKey, RevokeApiKey, list_api_keys};
use crate::components::checkbox::Checkbox;
use crate::components::code_field::CodeField;
use crate::components::feedback::EmptyState;
use crate::components::form::{
    FormError, SubmitButton, TextField, action_error, field_error, reset_on_success, success_count,
};
use crate::components::format::{badge, short_time};
use crate::components::one_time_secret::OneTimeSecret;
use crate::components::page::{Loaded, RequirePermission};
use crate::model::{ApiKeySummary, SCOPES};

/// What each of [`SCOPES`] lets a channel do, in the same order.
const SCOPE_HINTS: [&str; 9] = [
    "Retrieve the channel's masked payment methods.",
    "Store (tokenize) and delete the channel's payment methods.",
    "Receive full card numbers, e.g. to forward them to a processor. Another security admin \
     must approve the key before it works.",
    "Ask to use a stored method for an order; large amounts need the customer's step-up.",
    "Issue customers links to set up their second factor.",
    "Register webhook endpoints that receive signed event notices.",
    "OMS-wide: reach every channel's payment methods, not only its own (each such access is \
     audited). Another security admin must approve the key before it works.",
    "Send stored methods to a registered connection (a PSP) through the relay, without ever \
     receiving the card number.",
    "Register and disable the relay's connections. Another security admin must approve the key \
     before it works.",
];

/// The keys and the form to issue one.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let approve = ServerAction::<ApproveApiKey>::new();
    let changes = (
        success_count(create),
        success_count(revoke),
        success_count(approve),
    );
    let keys = Resource::new(
        move || (changes.0.get(), changes.1.get(), changes.2.get()),
        |_| list_api_keys(),
    );
    view! {
        <Title text="API keys · Coffer" />
        <RequirePermission permission="api_keys.manage" let:me>
            {
                let step_up = me.step_up_until;
                let revoke_error = action_error(revoke);
                let approve_error = action_error(approve);
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
                        <FormError error=approve_error fields=&[] />
                        <Loaded data=keys let:keys>
                                            <KeysTable keys revoke approve step_up_until=step_up />
                                        </Loaded>
                    </section>
                    <IssueKey create step_up_until=step_up />
                }
            }
        </RequirePermission>
    }
}

#[component]
fn KeysTable(
    keys: Vec<ApiKeySummary>,
    revoke: ServerAction<RevokeApiKey>,
    approve: ServerAction<ApproveApiKey>,
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
        .map(|key| view! { <KeyRow key revoke approve /> })
        .collect_view();
    let hint = step_up_until.map(|_| "Not needed for a few minutes after you entered one.");
    view! {
        <DataTable label="API keys" columns=vec![Column::Shown("Name"), Column::Shown("Id"), Column::Shown("Scopes"), Column::Shown("Limits"), Column::Shown("Issued"), Column::Shown("Status"), Column::Hidden("Actions")]>
                {rows}
            </DataTable>
        <p class="field-hint">
            "Revoking and approving need the current code from your authenticator app. " {hint}
        </p>
    }
    .into_any()
}

#[component]
fn KeyRow(
    key: ApiKeySummary,
    revoke: ServerAction<RevokeApiKey>,
    approve: ServerAction<ApproveApiKey>,
) -> impl IntoView {
    let status = match (key.status.as_str(), key.revoked_at.as_deref()) {
        ("revoked", Some(at)) => view! {
            <span class=badge("revoked")>"Revoked"</span>
            " "
            <span class="muted small nowrap">{short_time(at)}</span>
        }
        .into_any(),
        ("pending_approval", _) => view! {
            <span class="badge badge-warn">"Waiting for approval"</span>
        }
        .into_any(),
        ("expired", _) => view! { <span class=badge("revoked")>"Expired"</span> }.into_any(),
        _ => view! { <span class=badge("active")>"Active"</span> }.into_any(),
    };
    let limits = {
        let expiry = key
            .expires_at
            .as_deref()
            .map(|t| format!("until {}", short_time(t)))
            .unwrap_or_else(|| "no expiry".into());
        let from = if key.allowed_ips.is_empty() {
            "from anywhere".to_owned()
        } else {
            format!("from {}", key.allowed_ips.join(", "))
        };
        format!("{expiry}; {from}")
    };
    let issued = {
        let by = key.created_by.clone().unwrap_or_else(|| "unknown".into());
        match &key.approved_by {
            Some(approver) if approver != &by => format!("by {by}, approved by {approver}"),
            _ => format!("by {by}"),
        }
    };
    let approve_form = key.can_approve.then(|| {
        view! { <ApproveForm id=key.id.clone() name=key.name.clone() approve /> }
    });
    let waiting = (key.status == "pending_approval" && !key.can_approve).then(|| {
        view! { <p class="muted small">"Another security admin must approve it."</p> }
    });
    let revoke_form = key.revoked_at.is_none().then(|| {
        view! { <RevokeForm id=key.id.clone() name=key.name.clone() revoke /> }
    });
    view! {
        <tr>
            <th scope="row">{key.name}</th>
            <td>
                <code>{key.id}</code>
            </td>
            <td>{key.scopes.join(", ")}</td>
            <td class="small">{limits}</td>
            <td class="small">
                <span class="nowrap">{short_time(&key.created_at)}</span>
                " "
                {issued}
            </td>
            <td>{status}</td>
            <td>{approve_form} {waiting} {revoke_form}</td>
        </tr>
    }
}

/// A compact form per waiting key another admin issued: a code, "Approve".
#[component]
fn ApproveForm(id: String, name: String, approve: ServerAction<ApproveApiKey>) -> impl IntoView {
    let input_id = format!("approve-code-{id}");
    let label = format!("Authentication code to approve {name}");
    view! {
        <ActionForm action=approve attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <InlineCode input_id label />
            <SubmitButton
                label="Approve"
                pending=approve.pending()
                class="button button-small"
            />
        </ActionForm>
    }
}

/// The code field of a compact per-row form, labelled for screen readers.
#[component]
fn InlineCode(input_id: String, label: String) -> impl IntoView {
    view! {
        <div class="inline-code">
            <label class="visually-hidden" for=input_id.clone()>
                {label}
            </label>
            <input
                id=input_id
                name="code"
                autocomplete="one-time-code"
                inputmode="numeric"
                placeholder="Code"
            />
        </div>
    }
}

/// A compact form per active key: its id, a code, "Revoke".
#[component]
fn RevokeForm(id: String, name: String, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let input_id = format!("revoke-code-{id}");
    let label = format!("Authentication code to revoke {name}");
    view! {
        <ActionForm action=revoke attr:class="inline-form">
            <input type="hidden" name="id" value=id />
            <InlineCode input_id label />
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
            Some(Ok(key)) => Some((key.name.clone(), key.secret.clone(), key.pending_approval)),
            _ => None,
        })
    };
    let scopes = [
        "read",
        "write",
        "reveal",
        "uses",
        "mfa",
        "hooks",
        "oms",
        "forward",
        "connections",
    ]
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
                    .map(|(name, secret, pending)| {
                        let approval = pending
                            .then_some(
                                " It works only once another security admin approves it on \
                                 this page.",
                            );
                        view! {
                            <OneTimeSecret title="New API key" value=secret testid="issued-api-key">
                                "Key for " {name} ". Copy it into the channel's secret store now: it \
                                 is shown once and cannot be retrieved again." {approval}
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
                    hint="The channel that will use it, e.g. web-checkout. The payment methods it \
                          stores belong to this channel; other channels' keys cannot reach them."
                    error=field_error(error, "name")
                />
                <fieldset>
                    <legend>"Scopes"</legend>
                    {scopes}
                </fieldset>
                <TextField
                    id="key-expires"
                    name="expires_days"
                    label="Expires after (days)"
                    autocomplete="off"
                    hint="Leave blank for a key that does not expire."
                    error=field_error(error, "expires_days")
                />
                <TextField
                    id="key-allowed-ips"
                    name="allowed_ips"
                    label="Allowed addresses"
                    autocomplete="off"
                    hint="The channel's server addresses or networks, e.g. 203.0.113.7, \
                          10.0.0.0/8. Leave blank to allow any."
                    error=field_error(error, "allowed_ips")
                />
                <CodeField id="key-code" error step_up_until />
                <FormError error fields=&["name", "code", "expires_days", "allowed_ips"] />
                <SubmitButton label="Issue API key" pending=create.pending() />
            </ActionForm>
        </section>
    }
}
