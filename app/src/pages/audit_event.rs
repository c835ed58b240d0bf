//! `/console/audit/events/:seq`: one audit event with every recorded field (PCI DSS 10.2.2), its
//! detail JSON and its links in the hash chain.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::audit::audit_event;
use crate::components::format::{badge, full_time, words};
use crate::components::page::{Loaded, RequirePermission};
use crate::error::{ConsoleError, ErrorCode};
use crate::model::AuditEventDetail;

/// The event's page.
#[component]
pub fn AuditEventPage() -> impl IntoView {
    let params = use_params_map();
    let seq = Memo::new(move |_| params.with(|p| p.get("seq").unwrap_or_default()));
    let event = Resource::new(
        move || seq.get(),
        |seq| async move {
            match seq.parse::<i64>() {
                Ok(seq) if seq > 0 => audit_event(seq).await,
                _ => Err(ConsoleError::new(
                    ErrorCode::NotFound,
                    "No audit event has this number.",
                )),
            }
        },
    );
    view! {
        <Title text="Audit event · Coffer" />
        <RequirePermission permission="audit.read" let:_me>
            {
                view! {
                    <Loaded data=event let:event> <EventDetail event /> </Loaded>
                }
            }
        </RequirePermission>
    }
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "—".to_owned())
}

fn code_or_dash(value: Option<String>) -> AnyView {
    match value {
        Some(value) => view! { <code>{value}</code> }.into_any(),
        None => "—".into_any(),
    }
}

#[component]
fn EventDetail(event: AuditEventDetail) -> impl IntoView {
    let seq = event.seq;
    let actor = match &event.actor_label {
        Some(label) => format!("{label} ({} {})", event.actor_type, event.actor_id),
        None => format!("{} ({})", event.actor_id, event.actor_type),
    };
    let resource = match (&event.resource_type, &event.resource_id) {
        (Some(kind), Some(id)) => format!("{id} ({kind})"),
        (None, Some(id)) => id.clone(),
        _ => "—".to_owned(),
    };
    let previous = (seq > 1).then(|| {
        view! { <a href=format!("/console/audit/events/{}", seq - 1)>"← Previous event"</a> }
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/console/audit">"Audit log"</a>
            " / "
            <span aria-current="page">{format!("Event #{seq}")}</span>
        </nav>
        <div class="page-header">
            <h1>{format!("Event #{seq}")}</h1>
            <p>
                <code>{event.action.clone()}</code>
                " "
                <span class=badge(&event.outcome)>{words(&event.outcome)}</span>
            </p>
        </div>
        <div class="grid grid-detail">
            <section class="card" aria-labelledby="record-heading">
                <h2 id="record-heading">"Record"</h2>
                <dl class="facts">
                    <dt>"Time"</dt>
                    <dd>{full_time(&event.time)} <span class="muted small">" (" {event.occurred_at_ms} " ms)"</span></dd>
                    <dt>"Action"</dt>
                    <dd><code>{event.action}</code></dd>
                    <dt>"Outcome"</dt>
                    <dd>{words(&event.outcome)}</dd>
                    <dt>"Actor"</dt>
                    <dd>{actor}</dd>
                    <dt>"Resource"</dt>
                    <dd>{resource}</dd>
                    <dt>"Reason"</dt>
                    <dd>{or_dash(event.reason)}</dd>
                    <dt>"Channel"</dt>
                    <dd>{or_dash(event.channel)}</dd>
                    <dt>"Origin IP"</dt>
                    <dd>{or_dash(event.origin_ip)}</dd>
                    <dt>"User agent"</dt>
                    <dd class="small">{or_dash(event.user_agent)}</dd>
                    <dt>"Request id"</dt>
                    <dd>{code_or_dash(event.request_id)}</dd>
                    <dt>"Event id"</dt>
                    <dd><code>{event.id}</code></dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="chain-links-heading">
                <h2 id="chain-links-heading">"Hash chain"</h2>
                <dl class="facts">
                    <dt>"Previous hash"</dt>
                    <dd><code class="hash">{or_dash(event.prev_hash)}</code></dd>
                    <dt>"This event's hash"</dt>
                    <dd><code class="hash">{or_dash(event.hash)}</code></dd>
                </dl>
                <p class="pager">
                    {previous}
                    <a href=format!("/console/audit/events/{}", seq + 1) class="pager-next">
                        "Next event →"
                    </a>
                </p>
            </section>
        </div>
        <section class="card" aria-labelledby="detail-heading">
            <h2 id="detail-heading">"Detail"</h2>
            {match event.detail {
                Some(json) => view! { <pre class="json" data-testid="event-detail">{json}</pre> }.into_any(),
                None => view! { <p class="muted">"No detail recorded."</p> }.into_any(),
            }}
        </section>
    }
}
