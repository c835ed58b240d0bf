//! `/customers/:reference/timeline?source=…&method=…&before=…`: the agent's chronological view
//! of one customer: methods stored, status changes, uses with their step-ups, mandates, customer
//! links, webhook deliveries and the audit trail, newest first, 50 a page. The filter is a plain
//! GET form and the pages plain links, so it all works before (or without) the wasm.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::methods::customer_timeline;
use crate::components::feedback::{EmptyState, ErrorNotice, Loading};
use crate::components::format::{badge, short_time, words};
use crate::components::page::RequirePermission;
use crate::error::{ConsoleError, ErrorCode};
use crate::model::{TIMELINE_SOURCES, TimelineItem, TimelineQuery, TimelineView};

/// The timeline page.
#[component]
pub fn TimelinePage() -> impl IntoView {
    let params = use_params_map();
    let search = use_query_map();
    let query = Memo::new(move |_| TimelineQuery {
        reference: params.with(|p| p.get("reference").unwrap_or_default()),
        sources: search.with(|q| q.get_all("source").unwrap_or_default()),
        method: search.with(|q| q.get("method").unwrap_or_default()),
        before: search.with(|q| q.get("before").unwrap_or_default()),
    });
    let page = Resource::new(
        move || query.get(),
        |q| customer_timeline(q.reference, q.sources.join(","), q.method, q.before),
    );
    view! {
        <Title text=move || format!("Timeline of {} · Coffer", query.get().reference) />
        <RequirePermission permission="payment_methods.history" let:me>
            {
                let audit = me.can("audit.read");
                view! {
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move { page_view(page.await, audit) })}
                    </Transition>
                }
            }
        </RequirePermission>
    }
}

fn page_view(page: Result<TimelineView, ConsoleError>, audit: bool) -> AnyView {
    match page {
        Ok(view) => view! { <Timeline view audit /> }.into_any(),
        // A filter or position typed into the address bar that the page would not make.
        Err(error) if error.code == ErrorCode::InvalidInput => view! {
            <h1>"Timeline"</h1>
            <p class="alert alert-error" role="alert">
                {error.message}
            </p>
        }
        .into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}

/// `audit`: the viewer may open audit events (their numbers become links).
#[component]
fn Timeline(view: TimelineView, audit: bool) -> impl IntoView {
    let query = view.query.clone();
    let reference = query.reference.clone();
    let customer_href = format!("/customers/{}", crate::search_query::encode(&reference));
    let newest = (!query.before.is_empty()).then(|| query.first_page().href());
    let older = view.next_before.map(|b| query.older(b).href());
    let count = view.items.len();
    let summary = match (count, older.is_some()) {
        (0, _) => "Nothing to show for this filter.".to_owned(),
        (n, true) => format!("{n} entries, newest first; older ones on the next page."),
        (n, false) => format!("{n} entries, newest first."),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/search">"Search"</a>
            " / "
            <a href=customer_href>"Customer"</a>
            " / "
            <span aria-current="page">"Timeline"</span>
        </nav>
        <div class="page-header">
            <h1>"Timeline of " <span class="mono">{reference}</span></h1>
            <p class="muted">
                "Everything that happened to this customer's payment methods and links, newest \
                 first. Opening this page is recorded in the audit log."
            </p>
        </div>
        <section class="card search-card" aria-labelledby="timeline-filter-heading">
            <h2 id="timeline-filter-heading">"Show"</h2>
            <TimelineFilter query=query.clone() methods=view.methods.clone() />
        </section>
        <section class="card" aria-labelledby="timeline-heading">
            <div class="card-header">
                <h2 id="timeline-heading">"Entries"</h2>
                <p class="muted" role="status">{summary}</p>
            </div>
            <Entries items=view.items methods=view.methods.clone() audit />
            <nav class="pager" aria-label="Timeline pages">
                {newest.map(|href| view! { <a href=href>"← Newest"</a> })}
                {older.map(|href| view! { <a href=href rel="next" class="pager-next">"Older →"</a> })}
            </nav>
        </section>
    }
}

/// The sources as checkboxes and one method to narrow to, sent as a plain GET.
#[component]
fn TimelineFilter(query: TimelineQuery, methods: Vec<(String, String)>) -> impl IntoView {
    let action = TimelineQuery {
        reference: query.reference.clone(),
        ..TimelineQuery::default()
    }
    .href();
    let boxes = TIMELINE_SOURCES
        .iter()
        .map(|(source, label)| {
            let id = format!("timeline-source-{source}");
            view! {
                <div class="checkbox">
                    <input
                        type="checkbox"
                        id=id.clone()
                        name="source"
                        value=*source
                        checked=!query.sources.is_empty() && query.shows(source)
                    />
                    <label for=id>{*label}</label>
                </div>
            }
        })
        .collect_view();
    let options = methods
        .into_iter()
        .map(|(id, label)| {
            let selected = id == query.method;
            view! { <option value=id.clone() selected=selected>{format!("{label} ({id})")}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=action class="timeline-filter" role="search">
            <fieldset>
                <legend>"Sources (none ticked: all)"</legend>
                <div class="checkbox-row">{boxes}</div>
            </fieldset>
            <div class="field">
                <label for="timeline-method">"Payment method"</label>
                <select id="timeline-method" name="method">
                    <option value="">"All of them"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="button">
                "Show"
            </button>
        </form>
    }
}

/// The entries as a list (a table does not fit a phone): when, source and outcome on one line,
/// then what happened, its details, the method (by its masked label) and who acted.
#[component]
fn Entries(items: Vec<TimelineItem>, methods: Vec<(String, String)>, audit: bool) -> impl IntoView {
    if items.is_empty() {
        return view! { <EmptyState>"No entries."</EmptyState> }.into_any();
    }
    let label_of = move |pm: &str| {
        methods
            .iter()
            .find(|(id, _)| id == pm)
            .map_or_else(|| pm.to_owned(), |(_, label)| label.clone())
    };
    let rows = items
        .into_iter()
        .map(|item| {
            let source = TIMELINE_SOURCES
                .iter()
                .find(|(s, _)| *s == item.source)
                .map_or(item.source.clone(), |(_, label)| (*label).to_owned());
            let title = if item.source == "audit" { words(&item.title) } else { item.title };
            let outcome = item.outcome.map(|o| {
                view! { <span class=badge(&o)>{words(&o)}</span> }
            });
            let method = item.payment_method.map(|pm| {
                let label = label_of(&pm);
                view! {
                    <a href=format!("/payment-methods/{pm}") title=pm.clone()>
                        {label}
                    </a>
                }
            });
            let event = item.audit_seq.map(|seq| {
                if audit {
                    view! { <a href=format!("/console/audit/events/{seq}")>{format!("#{seq}")}</a> }
                        .into_any()
                } else {
                    view! { <span class="muted">{format!("#{seq}")}</span> }.into_any()
                }
            });
            let who = item.actor.map(|actor| view! { <span class="timeline-who">{actor}</span> });
            view! {
                <li class="timeline-entry" data-testid="timeline-entry" data-source=item.source.clone()>
                    <div class="timeline-meta">
                        <time datetime=item.at.clone()>{short_time(&item.at)}</time>
                        <span class="timeline-source">{source}</span>
                        {outcome}
                    </div>
                    <p class="timeline-title">
                        <strong>{title}</strong>
                        " "
                        {event}
                    </p>
                    <p class="timeline-detail">{item.detail}</p>
                    <p class="timeline-refs">{method} {who}</p>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline">{rows}</ol> }.into_any()
}
