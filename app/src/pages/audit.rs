//! `/console/audit?…`: the compliance officer's audit log: the chain's status, the filter (kept in
//! the URL), a page of matching events newest first with a link to older ones, and the signed
//! export of everything the filter matches.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::audit_search;
use crate::components::audit_filter::AuditFilterForm;
use crate::components::audit_table::AuditTable;
use crate::components::chain_status::ChainStatusPanel;
use crate::components::export_form::ExportForm;
use crate::components::feedback::{ErrorNotice, Loading};
use crate::components::page::RequirePermission;
use crate::error::{ConsoleError, ErrorCode};
use crate::model::{AuditQuery, AuditResults};

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| AuditQuery::from_lookup(|name| p.get(name))));
    let results = Resource::new(move || query.get(), audit_search);
    view! {
        <Title text="Audit log · Coffer" />
        <RequirePermission permission="audit.read" let:me>
            {
                let step_up = me.step_up_until;
                view! {
                    <div class="page-header">
                        <h1>"Audit log"</h1>
                        <p class="muted">
                            "Every access to card data and every administrative action, \
                             hash-chained and signed. Your searches are recorded too."
                        </p>
                        <p>
                            <a href="/console/audit/review">"Daily review queue →"</a>
                        </p>
                    </div>
                    <ChainStatusPanel />
                    <section class="card search-card" aria-labelledby="filter-heading">
                        <h2 id="filter-heading">"Filter"</h2>
                        {move || view! { <AuditFilterForm query=query.get() /> }}
                    </section>
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move { results_view(results.await) })}
                    </Transition>
                    {move || view! { <ExportForm query=query.get() step_up_until=step_up /> }}
                }
            }
        </RequirePermission>
    }
}

fn results_view(results: Result<AuditResults, ConsoleError>) -> AnyView {
    match results {
        Ok(results) => view! { <Results results /> }.into_any(),
        // A filter typed into the address bar that the form would have refused.
        Err(error) if error.code == ErrorCode::InvalidInput => view! {
            <p class="alert alert-error" role="alert">
                {error.message}
            </p>
        }
        .into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}

#[component]
fn Results(results: AuditResults) -> impl IntoView {
    let count = results.events.len();
    let paged = !results.query.before.is_empty();
    let noun = if count == 1 { "event" } else { "events" };
    let summary = match (paged, results.events.first(), results.events.last()) {
        (_, Some(first), Some(last)) => format!(
            "{count} {noun}, newest first: #{} to #{}{}.",
            first.seq,
            last.seq,
            if results.next_before.is_some() {
                " (older ones on the next page)"
            } else {
                ""
            }
        ),
        _ => "No events.".to_owned(),
    };
    let newest = paged.then(|| results.query.first_page().href());
    let older = results.next_before.map(|b| results.query.older(b).href());
    view! {
        <section class="card" aria-labelledby="audit-results-heading">
            <div class="card-header">
                <h2 id="audit-results-heading">"Events"</h2>
                <p class="muted" role="status">{summary}</p>
            </div>
            <AuditTable events=results.events />
            <nav class="pager" aria-label="Result pages">
                {newest.map(|href| view! { <a href=href>"← Newest events"</a> })}
                {older.map(|href| view! { <a href=href rel="next" class="pager-next">"Older events →"</a> })}
            </nav>
        </section>
    }
}
