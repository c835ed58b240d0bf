//! Audit search results: one row per event, newest first, each linking to the event in full.

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};

use crate::components::feedback::EmptyState;
use crate::components::format::{badge, full_time, words};
use crate::model::AuditEventRow;

/// The results table.
#[component]
pub fn AuditTable(events: Vec<AuditEventRow>) -> impl IntoView {
    if events.is_empty() {
        return view! { <EmptyState>"No audit events match this filter."</EmptyState> }.into_any();
    }
    let dash = || "—".to_owned();
    let rows = events
        .into_iter()
        .map(|e| {
            let href = format!("/console/audit/events/{}", e.seq);
            view! {
                <tr>
                    <th scope="row" class="nowrap">
                        <a href=href aria-label=format!("Event {}", e.seq)>
                            {format!("#{}", e.seq)}
                        </a>
                    </th>
                    <td class="nowrap">{full_time(&e.time)}</td>
                    <td class="audit-actor">
                        {e.actor}
                        <span class="muted small">" (" {words(&e.actor_type)} ")"</span>
                    </td>
                    <td><code>{e.action}</code></td>
                    <td>
                        <span class=badge(&e.outcome)>{words(&e.outcome)}</span>
                    </td>
                    <td class="audit-id">{e.resource.unwrap_or_else(dash)}</td>
                    <td class="nowrap">{e.origin_ip.unwrap_or_else(dash)}</td>
                    <td class="audit-reason">{e.reason.unwrap_or_else(dash)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Audit events" class="table audit-table" columns=vec![Column::Shown("Event"), Column::Shown("Time"), Column::Shown("Actor"), Column::Shown("Action"), Column::Shown("Outcome"), Column::Shown("Resource"), Column::Shown("Origin"), Column::Shown("Reason")]>
                {rows}
            </DataTable>
    }
    .into_any()
}
