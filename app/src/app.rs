//! The console's root component: metadata, the page frame and the route table.

use leptos::prelude::*;
use leptos_meta::{Body, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::pages::home::HomePage;
use crate::pages::not_found::NotFound;

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
            <header class="topbar">
                <div class="topbar-inner">
                    <a class="brand" href="/">
                        <img src="/favicon.svg" alt="" width="24" height="24" />
                        <span>"Coffer"</span>
                    </a>
                    <nav class="topnav" aria-label="Main">
                        <a href="/api/v1/openapi.json" rel="external">
                            "API docs"
                        </a>
                    </nav>
                </div>
            </header>
            <main class="container">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage />
                </Routes>
            </main>
        </Router>
    }
}
