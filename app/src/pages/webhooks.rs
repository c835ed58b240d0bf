//! `/admin/webhooks`: the OMS channels' webhook endpoints with their queues and a disable button,
//! and the deliveries that failed their last try (the dead-letter list), each with its endpoint,
//! event, tries and last error, and a replay button.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::lifecycle::{
    DisableWebhookEndpoint, ReplayDelivery, dead_letters, webhook_endpoints,
};
use crate::components::data_table::Column::{Hidden, Shown};
use crate::components::data_table::DataTable;
use crate::components::feedback::EmptyState;
use crate::components::form::{FormError, FormSuccess, action_error, action_ok, success_count};
use crate::components::format::short_time;
use crate::components::page::{Loaded, RequirePermission};
use crate::model::{DeadLetterView, WebhookEndpointView};

/// The dead-letter page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let replay = ServerAction::<ReplayDelivery>::new();
    let disable = ServerAction::<DisableWebhookEndpoint>::new();
    let replayed = success_count(replay);
    let disabled = success_count(disable);
    let list = Resource::new(move || (replayed.get(), disabled.get()), |_| dead_letters());
    let endpoints = Resource::new(
        move || (replayed.get(), disabled.get()),
        |_| webhook_endpoints(),
    );
    let error = action_error(replay);
    let disable_error = action_error(disable);
    view! {
        <Title text="Webhooks · Coffer" />
        <RequirePermission permission="api_keys.manage" let:_me>
            {
                view! {
                    <div class="page-header">
                        <h1>"Webhooks"</h1>
                        <p class="muted">
                            "Where Coffer sends the OMS channels their events. Disabling an endpoint \
                             stops its events and cancels what is still waiting; it cannot be \
                             enabled again (the channel registers a new one, with a new secret)."
                        </p>
                    </div>
                    <FormSuccess done=action_ok(disable) message="Disabled: no more events go to it." />
                    <FormError error=disable_error />
                    <Loaded data=endpoints let:items> <EndpointTable items disable /> </Loaded>
                    <div class="page-header">
                        <h2>"Failed deliveries"</h2>
                        <p class="muted">
                            "Events the OMS channels' endpoints did not accept after every retry. \
                             Fix the endpoint, then replay: the event is signed afresh and sent again."
                        </p>
                    </div>
                    <FormSuccess done=action_ok(replay) message="Queued: it will be sent within seconds." />
                    <FormError error />
                    <Loaded data=list let:items> <DeadTable items replay /> </Loaded>
                }
            }
        </RequirePermission>
    }
}

#[component]
fn DeadTable(items: Vec<DeadLetterView>, replay: ServerAction<ReplayDelivery>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <section class="card">
                <EmptyState>"No failed deliveries: every event reached its endpoint."</EmptyState>
            </section>
        }
        .into_any();
    }
    let rows = items
        .into_iter()
        .map(|d| {
            view! {
                <tr data-testid="dead-letter">
                    <td><code>{d.event_type}</code><br /><span class="muted small mono">{d.event_id}</span></td>
                    <td class="mono small">{d.url}</td>
                    <td>{d.attempts}</td>
                    <td class="small">{d.last_error}</td>
                    <td>{short_time(&d.died_at)}</td>
                    <td>
                        <ActionForm action=replay attr:class="inline-form">
                            <input type="hidden" name="id" value=d.id />
                            <button type="submit" class="button button-secondary">"Replay"</button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let columns = vec![
        Shown("Event"),
        Shown("Endpoint"),
        Shown("Tries"),
        Shown("Last error"),
        Shown("Gave up"),
        Hidden("Replay"),
    ];
    view! {
        <section class="card">
            <DataTable columns>{rows}</DataTable>
        </section>
    }
    .into_any()
}

#[component]
fn EndpointTable(
    items: Vec<WebhookEndpointView>,
    disable: ServerAction<DisableWebhookEndpoint>,
) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <section class="card">
                <EmptyState>"No endpoints: a channel registers one with POST /api/v1/webhook_endpoints."</EmptyState>
            </section>
        }
        .into_any();
    }
    let rows = items
        .into_iter()
        .map(|e| {
            let channel = if e.channel.is_empty() { "all channels".to_owned() } else { e.channel };
            let state = match &e.disabled_at {
                Some(at) => format!("disabled {}", short_time(at)),
                None => "enabled".to_owned(),
            };
            let enabled = e.disabled_at.is_none();
            view! {
                <tr data-testid="endpoint">
                    <td class="mono small">{e.url}<br /><span class="muted">{e.id.clone()}</span></td>
                    <td>{channel}</td>
                    <td class="mono small">{e.registered_by}</td>
                    <td>{short_time(&e.created_at)}</td>
                    <td data-testid="endpoint-state">{state}</td>
                    <td>{e.pending}</td>
                    <td>{e.failed}</td>
                    <td>
                        {enabled.then(|| view! {
                            <ActionForm action=disable attr:class="inline-form">
                                <input type="hidden" name="id" value=e.id />
                                <button type="submit" class="button button-danger">"Disable"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let columns = vec![
        Shown("Endpoint"),
        Shown("Channel"),
        Shown("Registered by"),
        Shown("Since"),
        Shown("State"),
        Shown("Waiting"),
        Shown("Failed"),
        Hidden("Disable"),
    ];
    view! {
        <section class="card">
            <DataTable columns>{rows}</DataTable>
        </section>
    }
    .into_any()
}
