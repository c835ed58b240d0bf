//! `/customers/:reference`: one customer's payment methods, their re-verification links, and
//! the way to the customer's timeline.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::methods::customer;
use crate::components::collect_panel::CollectPanel;
use crate::components::data_table::Column::Shown;
use crate::components::data_table::DataTable;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::components::format::{badge, short_time, words};
use crate::components::guard::RequireSignIn;
use crate::components::methods_table::MethodsTable;
use crate::model::{CustomerView, ReverifyItem};

/// The customer's methods (masked).
#[component]
pub fn CustomerPage() -> impl IntoView {
    let params = use_params_map();
    let reference = Memo::new(move |_| params.with(|p| p.get("reference").unwrap_or_default()));
    let view_data = Resource::new(move || reference.get(), customer);
    view! {
        <Title text=move || format!("Customer {} · Coffer", reference.get()) />
        <RequireSignIn let:me>
            <Transition fallback=Loading>
                {move || {
                    let collect = me.can("payment_methods.reverify");
                    Suspend::new(async move {
                    match view_data.await {
                        Ok(found) => {
                            view! { <Customer found collect /> }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                    })
                }}
            </Transition>
        </RequireSignIn>
    }
}

/// `collect`: the viewer may send a caller a card link.
#[component]
fn Customer(found: CustomerView, collect: bool) -> impl IntoView {
    let count = found.methods.len();
    let timeline = crate::model::TimelineQuery {
        reference: found.reference.clone(),
        ..Default::default()
    }
    .href();
    let summary = match count {
        1 => "1 payment method".to_owned(),
        n => format!("{n} payment methods"),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/search">"Search"</a>
            " / "
            <span aria-current="page">"Customer"</span>
        </nav>
        <div class="page-header">
            <h1>"Customer " <span class="mono">{found.reference.clone()}</span></h1>
            <p class="muted">{summary}</p>
            <p>
                <a href=timeline>"Timeline: uses, links, webhooks and the audit trail →"</a>
            </p>
        </div>
        <section class="card" aria-label="Payment methods">
            <MethodsTable
                methods=found.methods
                empty="This customer has no stored payment methods."
            />
        </section>
        {collect.then(|| view! { <CollectPanel reference=found.reference.clone() /> })}
        <Reverifications items=found.reverifications />
    }
}

/// The re-verification links sent to this customer and what became of them.
#[component]
fn Reverifications(items: Vec<ReverifyItem>) -> impl IntoView {
    if items.is_empty() {
        return ().into_any();
    }
    let rows = items
        .into_iter()
        .map(|r| {
            let state = r.state.clone();
            view! {
                <tr data-testid="reverification">
                    <td>
                        <a class="mono" href=format!("/payment-methods/{}", r.payment_method)>
                            {r.payment_method.clone()}
                        </a>
                    </td>
                    <td>
                        <span class=badge(&state)>{words(&state)}</span>
                    </td>
                    <td>{short_time(&r.sent_at)}</td>
                    <td>{short_time(&r.expires_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let columns = vec![
        Shown("Card"),
        Shown("State"),
        Shown("Sent"),
        Shown("Link expires"),
    ];
    view! {
        <section class="card" aria-labelledby="reverify-heading">
            <h2 id="reverify-heading">"Re-verification"</h2>
            <DataTable columns>{rows}</DataTable>
        </section>
    }
    .into_any()
}
