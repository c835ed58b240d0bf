//! The table of payment methods (masked) used by search results and the customer page.

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};

use crate::components::feedback::EmptyState;
use crate::components::format::{badge, short_time, words};
use crate::model::MethodSummary;

/// One row per method; each row links to the method's page. `empty` is shown for no rows.
#[component]
pub fn MethodsTable(methods: Vec<MethodSummary>, #[prop(into)] empty: String) -> impl IntoView {
    if methods.is_empty() {
        return view! { <EmptyState>{empty}</EmptyState> }.into_any();
    }
    view! {
        <DataTable label="Payment methods" columns=vec![Column::Shown("Method"), Column::Shown("Customer"), Column::Shown("Expiry"), Column::Shown("Status"), Column::Shown("Created"), Column::Shown("Channel")]>
                {methods.into_iter().map(|m| view! { <MethodRow m /> }).collect_view()}
            </DataTable>
    }
    .into_any()
}

#[component]
fn MethodRow(m: MethodSummary) -> impl IntoView {
    let href = format!("/payment-methods/{}", m.id);
    let customer_href = format!("/customers/{}", crate::search_query::encode(&m.customer));
    let expiry = m.expiry.map(|expiry| {
        view! {
            <span class="nowrap">{expiry}</span>
            {m.expiring_soon.then(|| view! { " " <span class=badge("expiring")>"Expiring"</span> })}
        }
    });
    view! {
        <tr>
            <th scope="row">
                <a href=href class="method-link">
                    <span class="method-label">{m.label}</span>
                    <span class="masked">{m.masked}</span>
                </a>
            </th>
            <td>
                <a href=customer_href>{m.customer}</a>
            </td>
            <td>
                {expiry
                    .map_or_else(
                        || view! { <span class="muted">"—"</span> }.into_any(),
                        IntoAny::into_any,
                    )}
            </td>
            <td>
                <span class=badge(&m.status)>{words(&m.status)}</span>
            </td>
            <td class="nowrap">{short_time(&m.created_at)}</td>
            <td>{m.channel}</td>
        </tr>
    }
}
