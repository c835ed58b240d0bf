//! A data table in the console's style: a scrolling wrapper, the column headers, and the rows.

use leptos::prelude::*;

/// A column header: shown, or only read out to screen readers (a column of buttons).
#[derive(Clone, Copy, Debug)]
pub enum Column {
    Shown(&'static str),
    Hidden(&'static str),
}

/// The box a wide table scrolls in: focusable and named, so that keyboard users can scroll it
/// and screen readers say what it holds (WCAG 2.1.1).
#[component]
pub fn TableWrap(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=label>
            {children()}
        </div>
    }
}

/// The table; `children` are its rows. `label` names its scrolling box.
#[component]
pub fn DataTable(
    columns: Vec<Column>,
    #[prop(default = "Table")] label: &'static str,
    #[prop(default = "table")] class: &'static str,
    /// `data-testid` of the table, for the end-to-end tests.
    #[prop(optional)]
    testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let heads = columns
        .into_iter()
        .map(|c| match c {
            Column::Shown(text) => view! { <th scope="col">{text}</th> }.into_any(),
            Column::Hidden(text) => view! {
                <th scope="col"><span class="visually-hidden">{text}</span></th>
            }
            .into_any(),
        })
        .collect_view();
    view! {
        <TableWrap label>
            <table class=class data-testid=testid>
                <thead>
                    <tr>{heads}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </TableWrap>
    }
}
