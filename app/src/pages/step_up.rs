//! `/admin/step-up`: the customer step-up policy as configured, for security admins: which uses
//! need the customer's second factor, what happens to customers without one, and where the
//! customer pages live.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::step_up_policy;
use crate::components::page::{Loaded, RequirePermission};
use crate::model::StepUpPolicyView;

#[component]
pub fn StepUpPolicyPage() -> impl IntoView {
    let policy = Resource::new(|| (), |_| step_up_policy());
    view! {
        <Title text="Step-up policy · Coffer" />
        <RequirePermission permission="users.manage" let:_me>
            {
                view! {
                    <div class="page-header">
                        <h1>"Customer step-up policy"</h1>
                        <p class="muted">
                            "Uses of a stored method that need the customer's authenticator app or passkey. Set in configuration ("
                            <code>"[customer]"</code> " in coffer.toml, or " <code>"COFFER_STEP_UP_RULES"</code>
                            "); a restart applies changes."
                        </p>
                    </div>
                    <Loaded data=policy let:p> <PolicyCards p /> </Loaded>
                }
            }
        </RequirePermission>
    }
}

#[component]
fn PolicyCards(p: StepUpPolicyView) -> impl IntoView {
    let none = p.rules.is_empty();
    let rules = p
        .rules
        .into_iter()
        .map(|r| view! { <li>{r}</li> })
        .collect_view();
    let unenrolled = if p.unenrolled == "approve" {
        "Approved without a step-up (marked not_enrolled); the OMS carries the risk."
    } else {
        "Declined (customer_not_enrolled) until the customer adds a factor."
    };
    let passkeys = if p.passkeys {
        "Offered (bound to the public URL's host)."
    } else {
        "Not offered: the public URL has no domain name. Authenticator apps only."
    };
    view! {
        <section class="card" aria-labelledby="rules-heading">
            <h2 id="rules-heading">"Step-up at or above"</h2>
            {if none {
                view! { <p class="muted">"No rules: only customers who opted in are asked."</p> }
                    .into_any()
            } else {
                view! { <ul data-testid="step-up-rules">{rules}</ul> }.into_any()
            }}
            <p class="muted">
                "Customers with a factor can also ask to be asked on every use. A challenge lasts 10 minutes and allows 5 tries."
            </p>
        </section>
        <section class="card" aria-labelledby="other-heading">
            <h2 id="other-heading">"Settings"</h2>
            <dl class="facts">
                <dt>"Customers without a factor"</dt>
                <dd>{unenrolled}</dd>
                <dt>"Passkeys"</dt>
                <dd>{passkeys}</dd>
                <dt>"Merchant name on customer pages"</dt>
                <dd>{p.merchant_name}</dd>
                <dt>"Public URL of customer links"</dt>
                <dd>
                    <code>{p.public_url}</code>
                </dd>
            </dl>
        </section>
    }
}
