//! The audit log's filter form, prefilled with the current filter. It posts to `go_audit`, which
//! checks the fields (dates, no card numbers) and sends the browser to `/console/audit?…`, so the
//! filter lives in the URL and the form works before the wasm has loaded.

use leptos::prelude::*;

use crate::api::audit::GoAudit;
use crate::audit_query::{AUDIT_PATH, OUTCOMES};
use crate::components::form::{FormError, SubmitButton, TextField, action_error, field_error};
use crate::components::format::words;
use crate::model::AuditQuery;

const FIELDS: &[&str] = &[
    "from", "to", "actor", "action", "resource", "outcome", "ip", "reason",
];

/// The filter form.
#[component]
pub fn AuditFilterForm(query: AuditQuery) -> impl IntoView {
    let go = ServerAction::<GoAudit>::new();
    let error = action_error(go);
    let outcome_error = field_error(error, "outcome");
    let outcomes = OUTCOMES
        .iter()
        .map(|o| view! { <option value=*o selected=query.outcome == *o>{words(o)}</option> })
        .collect_view();
    let date_hint = "UTC: 2026-12-01 or 2026-12-01T09:30";
    view! {
        <ActionForm action=go attr:class="audit-filter" attr:role="search">
            <div class="filter-grid">
                <TextField
                    id="audit-from"
                    name="from"
                    label="From"
                    placeholder="YYYY-MM-DD"
                    autocomplete="off"
                    value=query.from
                    hint=date_hint
                    error=field_error(error, "from")
                />
                <TextField
                    id="audit-to"
                    name="to"
                    label="To"
                    placeholder="YYYY-MM-DD"
                    autocomplete="off"
                    value=query.to
                    hint="A date alone includes that whole day."
                    error=field_error(error, "to")
                />
                <TextField
                    id="audit-actor"
                    name="actor"
                    label="Actor"
                    placeholder="Staff email, usr_…, ak_…"
                    autocomplete="off"
                    value=query.actor
                    error=field_error(error, "actor")
                />
                <TextField
                    id="audit-action"
                    name="action"
                    label="Action"
                    placeholder="payment_method.reveal or staff.*"
                    autocomplete="off"
                    value=query.action
                    error=field_error(error, "action")
                />
                <TextField
                    id="audit-resource"
                    name="resource"
                    label="Resource"
                    placeholder="pm_…, usr_…"
                    autocomplete="off"
                    value=query.resource
                    error=field_error(error, "resource")
                />
                <div class="field">
                    <label for="audit-outcome">"Outcome"</label>
                    <select id="audit-outcome" name="outcome">
                        <option value="" selected=query.outcome.is_empty()>
                            "Any"
                        </option>
                        {outcomes}
                    </select>
                    {move || {
                        outcome_error
                            .get()
                            .map(|e| view! { <p class="field-error" role="alert">{e}</p> })
                    }}
                </div>
                <TextField
                    id="audit-ip"
                    name="ip"
                    label="Origin IP"
                    autocomplete="off"
                    value=query.ip
                    error=field_error(error, "ip")
                />
                <TextField
                    id="audit-reason"
                    name="reason"
                    label="Reason contains"
                    autocomplete="off"
                    value=query.reason
                    error=field_error(error, "reason")
                />
            </div>
            <FormError error fields=FIELDS />
            <div class="form-actions">
                <SubmitButton label="Search the log" pending=go.pending() />
                <a class="button button-secondary" href=AUDIT_PATH>
                    "Clear filters"
                </a>
            </div>
        </ActionForm>
    }
}
