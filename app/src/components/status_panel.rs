//! The status panel: the vault's readiness from `get_status`, with a refresh button.

use leptos::prelude::*;

use crate::api::status::{StatusView, get_status};

/// Loads [`StatusView`] on the server, and again in the browser on "Refresh status".
#[component]
pub fn StatusPanel() -> impl IntoView {
    let status = Resource::new(|| (), |()| get_status());
    let (refreshing, set_refreshing) = signal(false);

    view! {
        <section
            class="card status-panel"
            aria-labelledby="status-heading"
            aria-busy=move || refreshing.get().to_string()
        >
            <div class="card-header">
                <h2 id="status-heading">"Status"</h2>
                <button
                    type="button"
                    class="button button-secondary"
                    disabled=refreshing
                    on:click=move |_| status.refetch()
                >
                    "Refresh status"
                </button>
            </div>
            <Transition
                fallback=|| view! { <p class="muted">"Checking the vault…"</p> }
                set_pending=set_refreshing
            >
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(view) => view! { <StatusTable status=view /> }.into_any(),
                        Err(error) => {
                            view! {
                                <p class="alert alert-error" role="alert">
                                    "Status unavailable: "
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The vault summary and one row per dependency.
#[component]
fn StatusTable(status: StatusView) -> impl IntoView {
    let summary = if status.is_ready() {
        "Vault: ready"
    } else {
        "Vault: degraded"
    };
    view! {
        <p class="status-summary">
            <span class=badge_class(status.is_ready())>{summary}</span>
        </p>
        <table class="table">
            <tbody>
                <tr>
                    <th scope="row">"Database"</th>
                    <td>
                        <Health up=status.database />
                    </td>
                </tr>
                <tr>
                    <th scope="row">"HSM"</th>
                    <td>
                        <Health up=status.hsm />
                    </td>
                </tr>
                <tr>
                    <th scope="row">"Version"</th>
                    <td>
                        <code>{status.version}</code>
                    </td>
                </tr>
            </tbody>
        </table>
    }
}

/// "ready" or "unavailable", as a coloured badge.
#[component]
fn Health(up: bool) -> impl IntoView {
    view! { <span class=badge_class(up)>{if up { "ready" } else { "unavailable" }}</span> }
}

fn badge_class(up: bool) -> &'static str {
    if up {
        "badge badge-ok"
    } else {
        "badge badge-error"
    }
}
