//! `/admin/users`: staff accounts for security admins: the list, and adding a member with a
//! one-time password shown once.

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};
use leptos_meta::Title;

use crate::api::admin::{CreateUser, list_users};
use crate::components::code_field::CodeField;
use crate::components::feedback::EmptyState;
use crate::components::form::{
    FormError, SubmitButton, TextField, action_error, field_error, reset_on_success, success_count,
};
use crate::components::format::{badge, maybe_time, role_name, words};
use crate::components::one_time_secret::OneTimeSecret;
use crate::components::page::{Loaded, RequirePermission};
use crate::model::{ROLES, UserSummary};

/// The staff list and the form to add one.
#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let created = success_count(create);
    let users = Resource::new(move || created.get(), |_| list_users());
    view! {
        <Title text="Staff accounts · Coffer" />
        <RequirePermission permission="users.manage" let:me>
            {
                view! {
                    <div class="page-header">
                        <h1>"Staff accounts"</h1>
                        <p class="muted">
                            "Roles, reveal permission, MFA and status of everyone who can \
                             sign in."
                        </p>
                    </div>
                    <section class="card" aria-labelledby="users-heading">
                        <h2 id="users-heading">"Accounts"</h2>
                        <Loaded data=users let:users> <UsersTable users /> </Loaded>
                    </section>
                    <AddUser create step_up_until=me.step_up_until />
                }
            }
        </RequirePermission>
    }
}

#[component]
fn UsersTable(users: Vec<UserSummary>) -> impl IntoView {
    if users.is_empty() {
        return view! { <EmptyState>"No staff accounts yet."</EmptyState> }.into_any();
    }
    let rows = users
        .into_iter()
        .map(|user| {
            let roles = if user.roles.is_empty() {
                "—".to_owned()
            } else {
                user.roles
                    .iter()
                    .map(|r| role_name(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let note = user.disabled_reason.clone().or_else(|| {
                user.locked_until
                    .as_deref()
                    .map(|until| format!("Locked until {}", maybe_time(Some(until))))
            });
            let (mfa, mfa_word) = if user.mfa_enrolled {
                ("enrolled", "Enrolled")
            } else {
                ("none", "Not enrolled")
            };
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("/admin/users/{}", user.id)>{user.email}</a>
                    </th>
                    <td>{roles}</td>
                    <td>{if user.can_reveal { "Yes" } else { "No" }}</td>
                    <td><span class=badge(mfa)>{mfa_word}</span></td>
                    <td>
                        <span class=badge(&user.status) title=note>{words(&user.status)}</span>
                    </td>
                    <td class="nowrap">{maybe_time(user.last_active_at.as_deref())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Staff accounts" columns=vec![Column::Shown("Email"), Column::Shown("Roles"), Column::Shown("Reveal"), Column::Shown("MFA"), Column::Shown("Status"), Column::Shown("Last active")]>
                {rows}
            </DataTable>
    }
    .into_any()
}

/// "Add a staff member": email, one role, step-up code; then the one-time password.
#[component]
fn AddUser(create: ServerAction<CreateUser>, step_up_until: Option<i64>) -> impl IntoView {
    let error = action_error(create);
    let value = create.value();
    let issued = move || {
        value.with(|value| match value {
            Some(Ok(issued)) => Some((issued.email.clone(), issued.password.clone())),
            _ => None,
        })
    };
    let role_error = field_error(error, "role");
    let form = NodeRef::new();
    reset_on_success(create, form);
    let options = ROLES
        .iter()
        .map(|(role, text)| view! { <option value=*role>{*text}</option> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="add-user-heading">
            <h2 id="add-user-heading">"Add a staff member"</h2>
            {move || {
                issued()
                    .map(|(email, password)| {
                        view! {
                            <OneTimeSecret
                                title="One-time password"
                                value=password
                                testid="issued-password"
                            >
                                "Account created for " {email} ". "
                                "Give this password to the person through a separate channel. It is \
                                 shown once and must be changed at first sign-in."
                            </OneTimeSecret>
                        }
                    })
            }}
            <ActionForm action=create node_ref=form attr:class="form-narrow">
                <TextField
                    id="new-user-email"
                    name="email"
                    label="Email"
                    kind="email"
                    autocomplete="off"
                    required=true
                    error=field_error(error, "email")
                />
                <div class="field">
                    <label for="new-user-role">"Role"</label>
                    <select id="new-user-role" name="role">{options}</select>
                    <p class="field-hint">
                        "More roles and the reveal permission can be set on the account's page."
                    </p>
                    {move || {
                        role_error
                            .get()
                            .map(|e| view! { <p class="field-error" role="alert">{e}</p> })
                    }}
                </div>
                <CodeField id="new-user-code" error step_up_until />
                <FormError error fields=&["email", "role", "code"] />
                <SubmitButton label="Add staff member" pending=create.pending() />
            </ActionForm>
        </section>
    }
}
