//! The console's root component: metadata, the page frame (skip link, top bar, footer) and
//! the route table. Every route renders in `SsrMode::Async`: the server waits for the page's
//! data, so guard redirects become real 302s and the HTML is complete before hydration.

use leptos::prelude::*;
use leptos_meta::{Body, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::components::layout::{Footer, TopBar};
use crate::pages::api_keys::ApiKeysPage;
use crate::pages::audit::AuditPage;
use crate::pages::audit_event::AuditEventPage;
use crate::pages::audit_review::ReviewPage;
use crate::pages::connections::ConnectionsPage;
use crate::pages::customer::CustomerPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::enrol::EnrolPage;
use crate::pages::expiry::ExpiryPage;
use crate::pages::login::LoginPage;
use crate::pages::method::MethodPage;
use crate::pages::mfa::MfaPage;
use crate::pages::not_found::NotFound;
use crate::pages::password::PasswordPage;
use crate::pages::search::SearchPage;
use crate::pages::step_up::StepUpPolicyPage;
use crate::pages::timeline::TimelinePage;
use crate::pages::user::UserPage;
use crate::pages::users::UsersPage;
use crate::pages::webhooks::WebhooksPage;

/// The console application, rendered on the server and hydrated in the browser.
///
/// Once hydrated, `<body>` carries `data-hydrated="true"` (end-to-end tests wait for it).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    // Effects run only in the browser, so this flips once hydration has happened.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/coffer.css" />
        <Title text="Coffer" />
        <Body {..} data-hydrated=move || hydrated.get().then_some("true") />
        <Router>
            // `rel="external"` keeps the client router off it, so the browser's own fragment
            // navigation moves the keyboard focus into the page (the router would not).
            <a class="skip-link" href="#main" rel="external">
                "Skip to main content"
            </a>
            <TopBar />
            <main class="container" id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/login/mfa") view=MfaPage ssr=SsrMode::Async />
                    <Route path=path!("/account/password") view=PasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/account/mfa") view=EnrolPage ssr=SsrMode::Async />
                    <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/customers/:reference")
                        view=CustomerPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/customers/:reference/timeline")
                        view=TimelinePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/payment-methods/:id") view=MethodPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=UserPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/connections") view=ConnectionsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/step-up") view=StepUpPolicyPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/webhooks") view=WebhooksPage ssr=SsrMode::Async />
                    <Route path=path!("/console/expiry") view=ExpiryPage ssr=SsrMode::Async />
                    <Route path=path!("/console/audit") view=AuditPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/console/audit/events/:seq")
                        view=AuditEventPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/console/audit/review") view=ReviewPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
