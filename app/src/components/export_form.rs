//! The signed export form: a plain POST to `/console/audit/export` carrying the current filter,
//! the format and a step-up code, answered with a file download (it never goes through wasm, so
//! the browser saves the file itself).

use leptos::prelude::*;

use crate::components::code_field::CodeField;
use crate::error::ConsoleError;
use crate::model::AuditQuery;

/// Where the export form posts.
pub const EXPORT_PATH: &str = "/console/audit/export";

/// "Export": format, authentication code, download button.
#[component]
pub fn ExportForm(query: AuditQuery, step_up_until: Option<i64>) -> impl IntoView {
    let hidden = query
        .first_page()
        .fields()
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| view! { <input type="hidden" name=*name value=(*value).to_owned() /> })
        .collect_view();
    let scope = if query.filters() {
        "Every event matching the filter above (up to 100,000, newest first)"
    } else {
        "The whole log (up to 100,000 events, newest first)"
    };
    let no_error = Signal::stored(None::<ConsoleError>);
    view! {
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <p class="muted">
                {scope}
                ", as a file signed in the HSM. Check it with "
                <code>"coffer audit verify-export"</code>
                ". The export is recorded in the audit log."
            </p>
            <form method="post" action=EXPORT_PATH class="export-form">
                {hidden}
                <div class="field">
                    <label for="export-format">"Format"</label>
                    <select id="export-format" name="format">
                        <option value="csv" selected=true>
                            "CSV"
                        </option>
                        <option value="jsonl">"JSON Lines"</option>
                    </select>
                </div>
                <CodeField id="export-code" error=no_error step_up_until />
                <button type="submit" class="button">
                    "Download signed export"
                </button>
            </form>
        </section>
    }
}
