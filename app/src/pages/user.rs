//! `/admin/users/:id`: one staff account for security admins: its summary, roles and reveal
//! grant, disabling or enabling it, resetting its MFA or its password. Each change needs a
//! step-up.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::admin::{ResetMfa, ResetPassword, SetAccess, SetDisabled, get_user};
use crate::components::account_forms::{AccessForm, DisableForm, ResetMfaForm, ResetPasswordForm};
use crate::components::form::success_count;
use crate::components::format::{badge, maybe_time, role_name, short_time, words};
use crate::components::page::{Loaded, RequirePermission};
use crate::model::UserSummary;

/// The account's page.
#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let access = ServerAction::<SetAccess>::new();
    let disable = ServerAction::<SetDisabled>::new();
    let reset = ServerAction::<ResetMfa>::new();
    let password = ServerAction::<ResetPassword>::new();
    let changes = (
        success_count(access),
        success_count(disable),
        success_count(reset),
        success_count(password),
    );
    let user = Resource::new(
        move || {
            (
                id.get(),
                changes.0.get(),
                changes.1.get(),
                changes.2.get(),
                changes.3.get(),
            )
        },
        |(id, ..)| get_user(id),
    );
    view! {
        <Title text="Staff account · Coffer" />
        <RequirePermission permission="users.manage" let:me>
            {
                let step_up = me.step_up_until;
                view! {
                    <Loaded data=user let:user>
                                        <Summary user=user.clone() />
                                        <div class="grid">
                                            <AccessForm
                                                user=user.clone()
                                                action=access
                                                step_up_until=step_up
                                            />
                                            <div class="stack">
                                                <DisableForm
                                                    user=user.clone()
                                                    action=disable
                                                    step_up_until=step_up
                                                />
                                                <ResetPasswordForm
                                                    user=user.clone()
                                                    action=password
                                                    step_up_until=step_up
                                                />
                                                <ResetMfaForm user action=reset step_up_until=step_up />
                                            </div>
                                        </div>
                                    </Loaded>
                }
            }
        </RequirePermission>
    }
}

#[component]
fn Summary(user: UserSummary) -> impl IntoView {
    let roles = if user.roles.is_empty() {
        "None".to_owned()
    } else {
        user.roles
            .iter()
            .map(|r| role_name(r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/admin/users">"Staff accounts"</a>
            " / "
            <span aria-current="page">{user.email.clone()}</span>
        </nav>
        <div class="page-header">
            <h1>{user.email}</h1>
            <p>
                <span class=badge(&user.status)>{words(&user.status)}</span>
            </p>
        </div>
        <section class="card" aria-labelledby="account-summary-heading">
            <h2 id="account-summary-heading">"Summary"</h2>
            <dl class="facts">
                <dt>"Roles"</dt>
                <dd>{roles}</dd>
                <dt>"May reveal card numbers"</dt>
                <dd>{if user.can_reveal { "Yes" } else { "No" }}</dd>
                <dt>"Two-step verification"</dt>
                <dd>{if user.mfa_enrolled { "Enrolled" } else { "Not enrolled" }}</dd>
                {user
                    .locked_until
                    .map(|until| view! { <dt>"Locked until"</dt> <dd>{short_time(&until)}</dd> })}
                {user
                    .disabled_reason
                    .map(|reason| view! { <dt>"Disabled because"</dt> <dd>{reason}</dd> })}
                <dt>"Last active"</dt>
                <dd>{maybe_time(user.last_active_at.as_deref())}</dd>
                <dt>"Created"</dt>
                <dd>{short_time(&user.created_at)}</dd>
            </dl>
        </section>
    }
}
