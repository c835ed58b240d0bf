//! A data table in the console's style: a scrolling wrapper, the column headers, and the rows.

use leptos::prelude::*;

/// A column header: shown, or only read out to screen readers (a column of buttons).
#[derive(Clone, Copy, Debug)]
pub enum Column {
    Shown(&'static str),
    Hidden(&'static str),
}

/// The table; `children` are its rows.
#[component]
pub fn DataTable(columns: Vec<Column>, children: Children) -> impl IntoView {
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
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>{heads}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
