//! `/console/audit/review`: the daily review queue (PCI DSS 10.4.1): the days that still have
//! unreviewed flags, each open flag with a form to mark it reviewed with a note, and (with
//! `?show=all`) the reviewed ones with who reviewed them and what they wrote.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::{ReviewFlag, audit_flags};
use crate::components::feedback::{EmptyState, ErrorNotice};
use crate::components::flag_card::FlagCard;
use crate::components::form::{FormSuccess, action_error, action_ok, success_count};
use crate::components::page::{Loaded, RequirePermission};
use crate::error::ConsoleError;
use crate::model::{OpenDay, ReviewQueue};

const PATH: &str = "/console/audit/review";

/// The review queue page.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_query_map();
    let show_all = Memo::new(move |_| params.with(|p| p.get("show").as_deref() == Some("all")));
    let review = ServerAction::<ReviewFlag>::new();
    let reviewed = success_count(review);
    // The flag the action last ran for, so a refusal shows on that flag's form.
    let (last, set_last) = signal(None::<String>);
    let input = review.input();
    Effect::new(move |_| {
        if let Some(id) = input.with(|i| i.as_ref().map(|i| i.id.clone())) {
            set_last.set(Some(id));
        }
    });
    let queue = Resource::new(
        move || (show_all.get(), reviewed.get()),
        |(all, _)| audit_flags(!all),
    );
    let error = action_error(review);
    view! {
        <Title text="Daily review · Coffer" />
        <RequirePermission permission="audit.read" let:_me>
            {
                view! {
                    <nav class="breadcrumbs" aria-label="Breadcrumb">
                        <a href="/console/audit">"Audit log"</a>
                        " / "
                        <span aria-current="page">"Daily review"</span>
                    </nav>
                    <div class="page-header">
                        <h1>"Daily review"</h1>
                        <p class="muted">
                            "Each day the review rules flag what needs a person's eyes: denied \
                             reveals, reveals out of hours, bursts of reads, new keys and \
                             access, failed sign-in storms, failed verifications. Review each \
                             flag and record what you found."
                        </p>
                    </div>
                    <FormSuccess done=action_ok(review) message="Flag marked reviewed." />
                    {move || {
                        let unmatched = error.get().filter(|_| last.with(Option::is_none));
                        unmatched.map(|error| view! { <ErrorNotice error /> })
                    }}
                    <Loaded data=queue let:queue> <Queue queue review last error /> </Loaded>
                }
            }
        </RequirePermission>
    }
}

#[component]
fn Queue(
    queue: ReviewQueue,
    review: ServerAction<ReviewFlag>,
    last: ReadSignal<Option<String>>,
    error: Signal<Option<ConsoleError>>,
) -> impl IntoView {
    let (toggle_href, toggle_text, heading) = if queue.open_only {
        (
            format!("{PATH}?show=all"),
            "Show reviewed flags too",
            "Open flags",
        )
    } else {
        (PATH.to_owned(), "Show open flags only", "All flags")
    };
    let empty = if queue.open_only {
        "No open flags."
    } else {
        "No flags have been raised yet."
    };
    let listed = !queue.flags.is_empty();
    let cards = queue
        .flags
        .into_iter()
        .map(|flag| view! { <FlagCard flag review last error /> })
        .collect_view();
    view! {
        <OpenDays days=queue.open_days />
        <section class="card" aria-labelledby="flags-heading">
            <div class="card-header">
                <h2 id="flags-heading">{heading}</h2>
                <a href=toggle_href>{toggle_text}</a>
            </div>
            {if listed {
                view! { <div class="flag-list">{cards}</div> }.into_any()
            } else {
                view! { <EmptyState>{empty}</EmptyState> }.into_any()
            }}
        </section>
    }
}

/// "3 unreviewed flags on 2026-12-01", per day, or the all-clear.
#[component]
fn OpenDays(days: Vec<OpenDay>) -> impl IntoView {
    if days.is_empty() {
        return view! {
            <p class="alert alert-ok" role="status">
                "Every flag raised so far has been reviewed."
            </p>
        }
        .into_any();
    }
    let items = days
        .into_iter()
        .map(|d| {
            let noun = if d.open == 1 {
                "unreviewed flag"
            } else {
                "unreviewed flags"
            };
            view! {
                <li>
                    <strong>{format!("{} {noun}", d.open)}</strong>
                    {format!(" on {}", d.day)}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="open-days" aria-labelledby="open-days-heading" role="region">
            <h2 id="open-days-heading">"Waiting for review"</h2>
            <ul>{items}</ul>
        </section>
    }
    .into_any()
}
