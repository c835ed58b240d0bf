//! The page frame: the top bar (brand, navigation by permission, who is signed in, sign out)
//! and the footer. The session is re-read on every navigation so the bar follows sign-in and
//! sign-out.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::session::{SignOut, get_session};
use crate::model::{Me, SessionState};

/// The sticky top bar.
#[component]
pub fn TopBar() -> impl IntoView {
    let pathname = use_location().pathname;
    let session = Resource::new(move || pathname.get(), |_| get_session());
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="24" height="24" />
                    <span>"Coffer"</span>
                </a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.await {
                            Ok(SessionState::SignedIn(me)) => Some(view! { <SignedInBar me /> }),
                            _ => None,
                        }
                    })}
                </Transition>
            </div>
        </header>
    }
}

/// Navigation the member's permissions allow, their email and the sign-out button.
#[component]
fn SignedInBar(me: Me) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let links = [
        (None, "/", "Console"),
        (Some("payment_methods.read"), "/search", "Search"),
        (Some("payment_methods.read"), "/console/expiry", "Expiring"),
        (Some("users.manage"), "/admin/users", "Users"),
        (Some("api_keys.manage"), "/admin/api-keys", "API keys"),
        (Some("api_keys.manage"), "/admin/connections", "Connections"),
        (Some("users.manage"), "/admin/step-up", "Step-up"),
        (Some("api_keys.manage"), "/admin/webhooks", "Webhooks"),
        (Some("audit.read"), "/console/audit", "Audit log"),
    ];
    let links = links
        .into_iter()
        .filter(|(permission, _, _)| permission.is_none_or(|p| me.can(p)))
        .map(|(_, href, label)| view! { <A href=href exact=href == "/">{label}</A> })
        .collect_view();
    view! {
        <nav class="topnav" aria-label="Main">
            {links}
        </nav>
        <div class="topbar-user">
            <span class="topbar-email" title="Signed in as">
                {me.email}
            </span>
            <ActionForm action=sign_out attr:class="inline-form">
                <button
                    type="submit"
                    class="button button-ghost"
                    disabled=move || sign_out.pending().get()
                >
                    "Sign out"
                </button>
            </ActionForm>
        </div>
    }
}

/// The small print at the bottom of every page.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="footer">
            <div class="footer-inner">
                <span>"Coffer · payment-method vault console"</span>
                <span>
                    "Every access is recorded. "
                    <a href="/api/v1/openapi.json" rel="external">
                        "API docs"
                    </a>
                </span>
            </div>
        </footer>
    }
}
