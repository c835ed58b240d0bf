//! The console's landing page: what Coffer is, its status, and where the API is documented.

use leptos::prelude::*;

use crate::components::status_panel::StatusPanel;

/// `/`: the landing page shown before console sign-in exists.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Coffer"</h1>
            <p class="lead">
                "A PCI-DSS vault for payment methods: cards, bank debits and wallets are \
                 tokenized, encrypted under HSM-held keys, and never leave it unmasked \
                 without an audited reason."
            </p>
        </section>
        <div class="grid">
            <StatusPanel />
            <section class="card" aria-labelledby="api-heading">
                <h2 id="api-heading">"API"</h2>
                <p>
                    "Payment channels tokenize and retrieve payment methods through the \
                     JSON API, authenticated with API keys."
                </p>
                <p>
                    <a class="button button-secondary" href="/api/v1/openapi.json" rel="external">
                        "OpenAPI document"
                    </a>
                </p>
            </section>
        </div>
        <p class="notice" role="note">
            <strong>"Console sign-in is coming in a later release."</strong>
            " Staff sign-in with MFA and role-based views are not available yet; \
             this page shows the vault's status only."
        </p>
    }
}
