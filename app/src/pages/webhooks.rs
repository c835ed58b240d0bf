//! `/admin/webhooks`: webhook deliveries to the OMS channels that failed their last try (the
//! dead-letter list), each with its endpoint, event, tries and last error, and a replay button.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::lifecycle::{ReplayDelivery, dead_letters};
use crate::components::feedback::{EmptyState, ErrorNotice, Forbidden, Loading};
use crate::components::form::{FormError, FormSuccess, action_error, action_ok, success_count};
use crate::components::format::short_time;
use crate::components::guard::RequireSignIn;
use crate::model::DeadLetterView;

/// The dead-letter page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let replay = ServerAction::<ReplayDelivery>::new();
    let replayed = success_count(replay);
    let list = Resource::new(move || replayed.get(), |_| dead_letters());
    let error = action_error(replay);
    view! {
        <Title text="Webhook deliveries · Coffer" />
        <RequireSignIn let:me>
            {if me.can("api_keys.manage") {
                view! {
                    <div class="page-header">
                        <h1>"Failed webhook deliveries"</h1>
                        <p class="muted">
                            "Events the OMS channels' endpoints did not accept after every retry. \
                             Fix the endpoint, then replay: the event is signed afresh and sent again."
                        </p>
                    </div>
                    <FormSuccess done=action_ok(replay) message="Queued: it will be sent within seconds." />
                    <FormError error />
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move {
                            match list.await {
                                Ok(items) => view! { <DeadTable items replay /> }.into_any(),
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            }
                        })}
                    </Transition>
                }
                    .into_any()
            } else {
                view! { <Forbidden /> }.into_any()
            }}
        </RequireSignIn>
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
    view! {
        <section class="card">
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Endpoint"</th>
                            <th scope="col">"Tries"</th>
                            <th scope="col">"Last error"</th>
                            <th scope="col">"Gave up"</th>
                            <th scope="col"><span class="visually-hidden">"Replay"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
