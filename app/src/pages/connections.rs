//! `/admin/connections`: the relay's destinations (security admins): the list with each
//! connection's routes and settings (never its credentials), registering or changing one (each
//! a step-up), and disabling one. Forwards through them show in each method's history.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::connections::{
    CreateConnection, DisableConnection, UpdateConnection, list_connections,
};
use crate::components::code_field::CodeField;
use crate::components::data_table::{Column, DataTable};
use crate::components::feedback::EmptyState;
use crate::components::form::{
    FormError, SubmitButton, TextField, action_error, field_error, reset_on_success, success_count,
};
use crate::components::format::{badge, short_time};
use crate::components::page::{Loaded, RequirePermission};
use crate::model::ConnectionSummary;

/// The list and the registration form.
#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let create = ServerAction::<CreateConnection>::new();
    let update = ServerAction::<UpdateConnection>::new();
    let disable = ServerAction::<DisableConnection>::new();
    let changes = (
        success_count(create),
        success_count(update),
        success_count(disable),
    );
    let list = Resource::new(
        move || (changes.0.get(), changes.1.get(), changes.2.get()),
        |_| list_connections(),
    );
    view! {
        <Title text="Connections · Coffer" />
        <RequirePermission permission="api_keys.manage" let:me>
            {
                let step_up = me.step_up_until;
                let disable_error = action_error(disable);
                view! {
                    <div class="page-header">
                        <h1>"Connections"</h1>
                        <p class="muted">
                            "The only destinations the relay sends stored card details to (payment \
                             processors such as Stripe or Braintree). Channels forward requests \
                             through them without ever receiving the card number."
                        </p>
                    </div>
                    <section class="card" aria-labelledby="connections-heading">
                        <h2 id="connections-heading">"Registered"</h2>
                        <FormError error=disable_error fields=&[] />
                        <Loaded data=list let:items>
                            <ConnectionsTable items disable />
                        </Loaded>
                    </section>
                    <Register create step_up_until=step_up />
                    <Change update step_up_until=step_up />
                }
            }
        </RequirePermission>
    }
}

#[component]
fn ConnectionsTable(
    items: Vec<ConnectionSummary>,
    disable: ServerAction<DisableConnection>,
) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <EmptyState>"No connections yet. Register the first one below."</EmptyState>
        }
        .into_any();
    }
    let rows = items
        .into_iter()
        .map(|c| {
            let enabled = c.status == "enabled";
            let keys = if c.api_keys.is_empty() {
                "any key with the forward scope".to_owned()
            } else {
                c.api_keys.join(", ")
            };
            let trust = if c.pinned_ca { "pinned CA" } else { "web roots" };
            let mtls = c.client_certificate.as_ref().map_or_else(
                || "no client certificate".to_owned(),
                |cc| {
                    format!(
                        "client certificate {} (until {}, SHA-256 {}…)",
                        cc.subject,
                        short_time(&cc.not_after),
                        cc.sha256.chars().take(16).collect::<String>()
                    )
                },
            );
            let use_rule = if c.require_use {
                "; forwards need an approved use"
            } else {
                ""
            };
            let changed = c
                .updated_at
                .as_deref()
                .map(|t| format!("; changed {}", short_time(t)))
                .unwrap_or_default();
            let (id, label) = (c.id.clone(), format!("Disable {}", c.name));
            let form = enabled.then(move || {
                view! {
                    <ActionForm action=disable attr:class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button button-danger button-small" aria-label=label>
                            "Disable"
                        </button>
                    </ActionForm>
                }
            });
            view! {
                <tr>
                    <th scope="row">
                        {c.name}
                        <br />
                        <code class="small">{c.id}</code>
                    </th>
                    <td><code>{c.base_url}</code></td>
                    <td class="small">{c.routes.join(", ")}</td>
                    <td class="small">
                        {c.auth} "; " {trust} "; " {mtls} "; " {c.timeout_ms} " ms; " {keys} {use_rule}
                    </td>
                    <td class="small nowrap">{short_time(&c.created_at)} " by " {c.created_by} {changed}</td>
                    <td><span class=badge(if enabled { "active" } else { "revoked" })>{c.status}</span></td>
                    <td>{form}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Connections" testid="connections-table" columns=vec![Column::Shown("Name"), Column::Shown("Base URL"), Column::Shown("Routes"), Column::Shown("Settings"), Column::Shown("Registered"), Column::Shown("Status"), Column::Hidden("Actions")]>
            {rows}
        </DataTable>
    }
    .into_any()
}

/// "Register a connection": where, which routes, how to authenticate, what to trust; a code.
#[component]
fn Register(create: ServerAction<CreateConnection>, step_up_until: Option<i64>) -> impl IntoView {
    let error = action_error(create);
    let form = NodeRef::new();
    reset_on_success(create, form);
    let routes_error = field_error(error, "routes");
    let auth_error = field_error(error, "auth");
    let ca_error = field_error(error, "ca_pem");
    view! {
        <section class="card" aria-labelledby="register-heading">
            <h2 id="register-heading">"Register a connection"</h2>
            <ActionForm action=create node_ref=form attr:class="form-narrow">
                <TextField id="conn-name" name="name" label="Name" autocomplete="off" required=true
                    hint="What operators call it, e.g. Stripe (live)."
                    error=field_error(error, "name") />
                <TextField id="conn-base-url" name="base_url" label="Base URL" autocomplete="off" required=true
                    placeholder="https://api.stripe.com"
                    hint="https on a public host. The host is checked again after every DNS lookup."
                    error=field_error(error, "base_url") />
                <div class="field">
                    <label for="conn-routes">"Routes"</label>
                    <textarea id="conn-routes" name="routes" rows="3" required=true
                        aria-describedby="conn-routes-hint">"POST /v1/payment_methods"</textarea>
                    <p class="field-hint" id="conn-routes-hint">
                        "One METHOD /path a line; a path ending in * allows everything under it."
                    </p>
                    {move || routes_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <div class="field">
                    <label for="conn-auth">"Authentication"</label>
                    <select id="conn-auth" name="auth_type">
                        <option value="bearer" selected=true>"Bearer token (Stripe secret key)"</option>
                        <option value="basic">"Basic (Braintree public and private key)"</option>
                        <option value="header">"A header of its own"</option>
                        <option value="none">"None"</option>
                    </select>
                    {move || auth_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <TextField id="conn-token" name="token" kind="password" label="Token" autocomplete="off"
                    hint="For a bearer token. Sealed, and never shown again." />
                <TextField id="conn-username" name="username" label="User name" autocomplete="off"
                    hint="For basic authentication." />
                <TextField id="conn-password" name="password" kind="password" label="Password" autocomplete="off"
                    hint="For basic authentication. Sealed, and never shown again." />
                <TextField id="conn-header-name" name="header_name" label="Header name" autocomplete="off"
                    hint="For a header of its own, e.g. X-Api-Key." />
                <TextField id="conn-header-value" name="header_value" kind="password" label="Header value"
                    autocomplete="off" hint="Sealed, and never shown again." />
                <div class="field">
                    <label for="conn-ca">"Pinned CA (PEM)"</label>
                    <textarea id="conn-ca" name="ca_pem" rows="3" aria-describedby="conn-ca-hint"></textarea>
                    <p class="field-hint" id="conn-ca-hint">
                        "Optional: then only this CA is trusted for the destination's certificate."
                    </p>
                    {move || ca_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <ClientCertificateFields prefix="conn" error />
                <TextField id="conn-timeout" name="timeout_ms" label="Timeout (ms)" autocomplete="off"
                    inputmode="numeric" hint="100 to 60000; blank for 10000."
                    error=field_error(error, "timeout_ms") />
                <TextField id="conn-keys" name="api_keys" label="API keys" autocomplete="off"
                    hint="Key ids (ak_…) that may use it, separated by commas. Blank: any key with the forward scope."
                    error=field_error(error, "api_keys") />
                <div class="checkbox">
                    <input type="checkbox" id="conn-require-use" name="require_use" value="on" />
                    <div>
                        <label for="conn-require-use">"Forwards must name an approved use"</label>
                        <p class="field-hint">
                            "For a connection that charges: a channel's forward must carry a use \
                             the customer step-up policy approved for the order's amount."
                        </p>
                    </div>
                </div>
                <CodeField id="conn-code" error step_up_until />
                <FormError error fields=&["name", "base_url", "routes", "auth", "ca_pem", "client_certificate", "timeout_ms", "api_keys", "code"] />
                <SubmitButton label="Register connection" pending=create.pending() />
            </ActionForm>
        </section>
    }
}

/// The client certificate's two fields (mTLS): the chain, and its key (sealed, never shown).
#[component]
fn ClientCertificateFields(
    prefix: &'static str,
    error: Signal<Option<crate::error::ConsoleError>>,
) -> impl IntoView {
    let cert_error = field_error(error, "client_certificate");
    let (cert_id, key_id) = (
        format!("{prefix}-client-cert"),
        format!("{prefix}-client-key"),
    );
    let cert_hint = format!("{cert_id}-hint");
    view! {
        <div class="field">
            <label for=cert_id.clone()>"Client certificate (PEM)"</label>
            <textarea id=cert_id name="client_cert_pem" rows="3" aria-describedby=cert_hint.clone()></textarea>
            <p class="field-hint" id=cert_hint>
                "Optional, for a destination that asks for mutual TLS: the certificate chain, leaf first."
            </p>
            {move || cert_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
        <div class="field">
            <label for=key_id.clone()>"Client certificate key (PEM)"</label>
            <textarea id=key_id name="client_key_pem" rows="3" autocomplete="off"></textarea>
            <p class="field-hint">"Its private key. Sealed, and never shown again."</p>
        </div>
    }
}

/// "Change a connection": any setting but its destination, credentials replaced; a code.
#[component]
fn Change(update: ServerAction<UpdateConnection>, step_up_until: Option<i64>) -> impl IntoView {
    let error = action_error(update);
    let form = NodeRef::new();
    reset_on_success(update, form);
    let routes_error = field_error(error, "routes");
    let auth_error = field_error(error, "auth");
    view! {
        <section class="card" aria-labelledby="change-heading">
            <h2 id="change-heading">"Change a connection"</h2>
            <p class="muted">
                "Blank fields keep their setting. The destination never changes: register a new \
                 connection for another base URL and disable this one."
            </p>
            <ActionForm action=update node_ref=form attr:class="form-narrow">
                <TextField id="edit-id" name="id" label="Connection id" autocomplete="off" required=true
                    placeholder="conn_…" error=field_error(error, "id") />
                <TextField id="edit-name" name="name" label="Name" autocomplete="off"
                    error=field_error(error, "name") />
                <div class="field">
                    <label for="edit-routes">"Routes"</label>
                    <textarea id="edit-routes" name="routes" rows="3"></textarea>
                    <p class="field-hint">"One METHOD /path a line, replacing all of them."</p>
                    {move || routes_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <div class="field">
                    <label for="edit-auth">"Authentication"</label>
                    <select id="edit-auth" name="auth_type">
                        <option value="keep" selected=true>"Keep the current credentials"</option>
                        <option value="bearer">"Replace: bearer token"</option>
                        <option value="basic">"Replace: basic"</option>
                        <option value="header">"Replace: a header of its own"</option>
                        <option value="none">"Remove the credentials"</option>
                    </select>
                    {move || auth_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <TextField id="edit-token" name="token" kind="password" label="Token" autocomplete="off" />
                <TextField id="edit-username" name="username" label="User name" autocomplete="off" />
                <TextField id="edit-password" name="password" kind="password" label="Password" autocomplete="off" />
                <TextField id="edit-header-name" name="header_name" label="Header name" autocomplete="off" />
                <TextField id="edit-header-value" name="header_value" kind="password" label="Header value" autocomplete="off" />
                <div class="field">
                    <label for="edit-ca">"New pinned CA (PEM)"</label>
                    <textarea id="edit-ca" name="ca_pem" rows="3"></textarea>
                </div>
                <div class="checkbox">
                    <input type="checkbox" id="edit-remove-ca" name="remove_ca" value="on" />
                    <label for="edit-remove-ca">"Trust the web roots again (remove the pinned CA)"</label>
                </div>
                <ClientCertificateFields prefix="edit" error />
                <div class="checkbox">
                    <input type="checkbox" id="edit-remove-cert" name="remove_client_certificate" value="on" />
                    <label for="edit-remove-cert">"Remove the client certificate"</label>
                </div>
                <TextField id="edit-timeout" name="timeout_ms" label="Timeout (ms)" autocomplete="off"
                    inputmode="numeric" error=field_error(error, "timeout_ms") />
                <TextField id="edit-keys" name="api_keys" label="API keys" autocomplete="off"
                    hint="Key ids, replacing the list; any to let every key with the forward scope use it."
                    error=field_error(error, "api_keys") />
                <div class="field">
                    <label for="edit-require-use">"Approved use"</label>
                    <select id="edit-require-use" name="require_use">
                        <option value="keep" selected=true>"Keep as it is"</option>
                        <option value="yes">"Forwards must name an approved use"</option>
                        <option value="no">"Forwards need no use"</option>
                    </select>
                </div>
                <CodeField id="edit-code" error step_up_until />
                <FormError error fields=&["id", "name", "routes", "auth", "ca_pem", "client_certificate", "timeout_ms", "api_keys", "use", "body", "code"] />
                <SubmitButton label="Save changes" pending=update.pending() />
            </ActionForm>
        </section>
    }
}
