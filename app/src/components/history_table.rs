//! A payment method's history: who did what to it, when, from where and why (audit events).

use leptos::prelude::*;

use crate::components::data_table::{Column, DataTable};

use crate::components::feedback::EmptyState;
use crate::components::format::{badge, short_time, words};
use crate::model::HistoryEntry;

/// The history table, newest first.
#[component]
pub fn HistoryTable(history: Vec<HistoryEntry>) -> impl IntoView {
    if history.is_empty() {
        return view! {
            <EmptyState>
                "No history to show: nothing recorded yet, or your role does not include \
                 audit history."
            </EmptyState>
        }
        .into_any();
    }
    let dash = || "—".to_owned();
    let rows = history
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td class="nowrap">{short_time(&entry.at)}</td>
                    <td>{words(&entry.action)}</td>
                    <td>
                        <span class=badge(&entry.outcome)>{words(&entry.outcome)}</span>
                    </td>
                    <td>{entry.actor}</td>
                    <td>{entry.channel.unwrap_or_else(dash)}</td>
                    <td class="wrap">{entry.reason.unwrap_or_else(dash)}</td>
                    <td class="nowrap">{entry.origin_ip.unwrap_or_else(dash)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="History" columns=vec![Column::Shown("When"), Column::Shown("Action"), Column::Shown("Outcome"), Column::Shown("Who"), Column::Shown("Channel"), Column::Shown("Reason"), Column::Shown("Origin")]>
                {rows}
            </DataTable>
    }
    .into_any()
}
