//! One flag of the daily review: what was found, links to its events, and either the form that
//! marks it reviewed with a note or who reviewed it, when, and what they wrote.

use leptos::prelude::*;

use crate::api::audit::ReviewFlag;
use crate::audit_query::flag_events;
use crate::components::form::{FormError, SubmitButton, field_error};
use crate::components::format::{full_time, maybe_time, words};
use crate::error::ConsoleError;
use crate::model::FlagView;

/// A flag's kind as people read it.
pub fn kind_name(kind: &str) -> String {
    match kind {
        "repeated_denied_reveals" => "Repeated denied reveals".to_owned(),
        "reveal_outside_business_hours" => "Reveal outside business hours".to_owned(),
        "read_burst" => "Burst of reads".to_owned(),
        "new_api_key" => "New API key".to_owned(),
        "access_grant" => "Staff access granted".to_owned(),
        "failed_sign_in_storm" => "Failed sign-in storm".to_owned(),
        "audit_verification_failed" => "Audit verification failed".to_owned(),
        "blocked_page_content" => "Content blocked on a page".to_owned(),
        "validate_burst" => "Burst of validations".to_owned(),
        "create_burst" => "Burst of stored cards".to_owned(),
        "rejected_intake_burst" => "Burst of rejected card numbers".to_owned(),
        "privileged_key_issued" => "Privileged API key issued".to_owned(),
        "privileged_key_approved" => "Privileged API key approved".to_owned(),
        other => words(other),
    }
}

/// A flag as a card. `review` is the page's action; `last` the flag it was last run for, so a
/// refusal shows on the form that caused it.
#[component]
pub fn FlagCard(
    flag: FlagView,
    review: ServerAction<ReviewFlag>,
    last: ReadSignal<Option<String>>,
    error: Signal<Option<ConsoleError>>,
) -> impl IntoView {
    let heading_id = format!("flag-{}", flag.id);
    let labelled_by = heading_id.clone();
    let subject = match &flag.subject_label {
        Some(label) => format!("{label} ({})", flag.subject),
        None => flag.subject.clone(),
    };
    let events = match (flag.first_seq, flag.last_seq) {
        (Some(first), Some(last)) if first != last => {
            format!("{} (#{first} to #{last})", flag.event_count)
        }
        (Some(first), _) => format!("{} (#{first})", flag.event_count),
        _ => flag.event_count.to_string(),
    };
    let first_event = flag.first_seq.map(|seq| {
        view! { <a href=format!("/console/audit/events/{seq}")>{format!("First event #{seq}")}</a> " · " }
    });
    let search = flag_events(&flag).href();
    let reviewed = flag.reviewed_at.is_some();
    let (class, badge_class, status) = if reviewed {
        ("flag-card flag-reviewed", "badge badge-ok", "Reviewed")
    } else {
        ("flag-card flag-open", "badge badge-warn", "Open")
    };
    let (severity_class, severity) = match flag.severity.as_str() {
        "high" => ("badge badge-error", "High"),
        "medium" => ("badge badge-warn", "Medium"),
        _ => ("badge badge-muted", "Low"),
    };
    let outcome = if reviewed {
        let by = flag.reviewed_by.clone().unwrap_or_else(|| "—".to_owned());
        let at = maybe_time(flag.reviewed_at.as_deref());
        let note = flag.review_note.clone().unwrap_or_default();
        view! {
            <div class="flag-review">
                <p class="muted small">"Reviewed by " {by} " on " {at}</p>
                <blockquote class="review-note">{note}</blockquote>
            </div>
        }
        .into_any()
    } else {
        let id = flag.id.clone();
        let mine = id.clone();
        let error = Signal::derive(move || {
            let ours = last.with(|last| last.as_deref() == Some(mine.as_str()));
            ours.then(|| error.get()).flatten()
        });
        view! { <ReviewForm id review error /> }.into_any()
    };
    view! {
        <article class=class aria-labelledby=labelled_by>
            <div class="flag-head">
                <h3 id=heading_id>{kind_name(&flag.kind)}</h3>
                <span class=badge_class>{status}</span>
                <span class=severity_class data-testid="flag-severity">{severity}</span>
                <span class="muted small">{flag.day.clone()}</span>
            </div>
            <p class="flag-summary">{flag.summary}</p>
            <dl class="facts">
                <dt>"Subject"</dt>
                <dd>{subject}</dd>
                <dt>"Events"</dt>
                <dd>{events}</dd>
                <dt>"Raised"</dt>
                <dd>{full_time(&flag.raised_at)}</dd>
            </dl>
            <p class="flag-links">
                {first_event}
                <a href=search>"Events of that day"</a>
            </p>
            {outcome}
        </article>
    }
}

/// The note and "Mark reviewed".
#[component]
fn ReviewForm(
    id: String,
    review: ServerAction<ReviewFlag>,
    error: Signal<Option<ConsoleError>>,
) -> impl IntoView {
    let note_id = format!("note-{id}");
    let error_id = format!("{note_id}-error");
    let shown_id = error_id.clone();
    let note_error = field_error(error, "note");
    view! {
        <ActionForm action=review attr:class="review-form">
            <input type="hidden" name="id" value=id />
            <div class="field">
                <label for=note_id.clone()>"Review note"</label>
                <textarea
                    id=note_id
                    name="note"
                    rows="2"
                    maxlength="500"
                    required=true
                    aria-invalid=move || note_error.with(Option::is_some).then_some("true")
                    aria-describedby=move || note_error.with(Option::is_some).then(|| error_id.clone())
                ></textarea>
                <p class="field-hint">
                    "What you checked and concluded (or the ticket), up to 500 characters. \
                     Recorded with your name."
                </p>
                {move || {
                    note_error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="field-error" id=shown_id.clone() role="alert">
                                    {e}
                                </p>
                            }
                        })
                }}
            </div>
            <FormError error fields=&["note"] />
            <SubmitButton label="Mark reviewed" pending=review.pending() />
        </ActionForm>
    }
}
