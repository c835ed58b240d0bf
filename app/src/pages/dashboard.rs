//! `/`: the console's start page for signed-in staff: the search box, the vault's status and
//! the areas their roles open.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::session::ReplaceAuthenticator as Replace;
use crate::components::form::{FormError, SubmitButton, action_error};
use crate::components::format::role_name;
use crate::components::guard::RequireSignIn;
use crate::components::search_form::SearchForm;
use crate::components::status_panel::StatusPanel;
use crate::model::Me;

/// The dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Console · Coffer" />
        <RequireSignIn let:me>
            <div class="page-header">
                <h1>"Console"</h1>
                <p class="muted">"Signed in as " {me.email.clone()}</p>
            </div>
            {me.can_replace_authenticator.then(|| view! { <ReplaceAuthenticator /> })}
            {me
                .can("payment_methods.read")
                .then(|| {
                    view! {
                        <section class="card search-card">
                            <SearchForm />
                        </section>
                    }
                })}
            <div class="grid">
                <StatusPanel />
                <Areas me />
            </div>
        </RequireSignIn>
    }
}

/// After a sign-in with a recovery code: set up a new authenticator now (the old one is lost,
/// or will be replaced). The old key, the remaining codes and the other sessions go.
#[component]
fn ReplaceAuthenticator() -> impl IntoView {
    let replace = ServerAction::<Replace>::new();
    let error = action_error(replace);
    view! {
        <section class="card alert-warn" aria-labelledby="replace-heading">
            <h2 id="replace-heading">"You signed in with a recovery code"</h2>
            <p>
                "If you lost your authenticator, set up a new one now. The old one stops \
                 working, your remaining recovery codes are replaced by new ones, and you are \
                 signed out everywhere else."
            </p>
            <ActionForm action=replace>
                <FormError error />
                <SubmitButton label="Set up a new authenticator" pending=replace.pending() />
            </ActionForm>
        </section>
    }
}

/// A card per area the member may open, and their account.
#[component]
fn Areas(me: Me) -> impl IntoView {
    let areas = [
        (
            "payment_methods.read",
            "/search",
            "Payment methods",
            "Find a customer's cards, bank debits and wallets by reference, token or BIN and \
             last 4. Numbers stay masked.",
        ),
        (
            "users.manage",
            "/admin/users",
            "Staff accounts",
            "Add staff, grant roles and the reveal permission, disable accounts, reset MFA.",
        ),
        (
            "api_keys.manage",
            "/admin/api-keys",
            "API keys",
            "Issue and revoke the keys payment channels use to call the vault's API.",
        ),
        (
            "api_keys.manage",
            "/admin/connections",
            "Connections",
            "Register the payment processors the relay may send stored cards to.",
        ),
        (
            "audit.read",
            "/console/audit",
            "Audit log",
            "Search who did what and when, check the hash chain, and export signed extracts \
             for assessors.",
        ),
        (
            "audit.read",
            "/console/audit/review",
            "Daily review",
            "Review the flags the daily rules raise and record what you found.",
        ),
    ];
    let allowed: Vec<_> = areas
        .into_iter()
        .filter(|(permission, ..)| me.can(permission))
        .collect();
    let none = allowed.is_empty().then(|| {
        view! {
            <p class="empty-state">
                "Your roles do not open any area yet. Ask a security admin."
            </p>
        }
    });
    let roles = if me.roles.is_empty() {
        "none".to_owned()
    } else {
        me.roles
            .iter()
            .map(|r| role_name(r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cards = allowed
        .into_iter()
        .map(|(_, href, title, text)| {
            view! {
                <li>
                    <a class="area-link" href=href>
                        <span class="area-title">{title}</span>
                        <span class="muted">{text}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="areas-heading">
            <h2 id="areas-heading">"Your areas"</h2>
            {none}
            <ul class="areas">{cards}</ul>
            <p class="muted small">
                "Your roles: " {roles} ". "
                <a href="/account/password">"Change your password"</a>
            </p>
        </section>
    }
}
