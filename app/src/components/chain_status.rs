//! The audit chain's status panel: the head, the last signed checkpoint, the last verification
//! (a failure is shown loudly, with the problem found) and the number of archive files.

use leptos::prelude::*;

use crate::api::audit::audit_status;
use crate::components::feedback::ErrorNotice;
use crate::components::format::full_time;
use crate::model::{ChainStatusView, VerificationView};

/// Loads and shows [`ChainStatusView`].
#[component]
pub fn ChainStatusPanel() -> impl IntoView {
    let status = Resource::new(|| (), |()| audit_status());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Checking the chain…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => view! { <ChainStatus status /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChainStatus(status: ChainStatusView) -> impl IntoView {
    let failed = status.verification.as_ref().is_some_and(|v| !v.ok);
    let class = if failed {
        "card chain-status chain-failed"
    } else {
        "card chain-status"
    };
    let head = match &status.head_at {
        Some(at) => format!("#{} · {}", status.head_seq, full_time(at)),
        None => "No events yet".to_owned(),
    };
    let checkpoint = match (status.checkpoint_seq, &status.checkpoint_at) {
        (Some(seq), Some(at)) => format!("#{seq}, signed {}", full_time(at)),
        (Some(seq), None) => format!("#{seq}"),
        _ => "None yet".to_owned(),
    };
    let alert = status.verification.as_ref().filter(|v| !v.ok).map(|v| {
        let problem = v
            .problem
            .clone()
            .unwrap_or_else(|| "the report names no problem".to_owned());
        view! {
            <div class="alert alert-error chain-alert" role="alert">
                <p class="chain-alert-title">"Audit log verification FAILED"</p>
                <p>{problem}</p>
                <p>
                    "The log may have been tampered with. Preserve the database and the \
                     archive files, escalate to security, and re-run "
                    <code>"coffer audit verify"</code> " once investigated."
                </p>
            </div>
        }
    });
    view! {
        <section class=class aria-labelledby="chain-heading">
            <div class="card-header">
                <h2 id="chain-heading">"Chain status"</h2>
                <Verdict verification=status.verification.clone() />
            </div>
            {alert}
            <dl class="facts">
                <dt>"Newest event"</dt>
                <dd data-testid="chain-head">{head}</dd>
                <dt>"Last signed checkpoint"</dt>
                <dd>{checkpoint}</dd>
                <dt>"Last verification"</dt>
                <dd>
                    <Verification verification=status.verification />
                </dd>
                <dt>"Archive files"</dt>
                <dd>{status.archives}</dd>
            </dl>
        </section>
    }
}

/// The headline badge: verified, failed or never verified.
#[component]
fn Verdict(verification: Option<VerificationView>) -> impl IntoView {
    let (class, text) = match verification {
        Some(v) if v.ok => ("badge badge-ok", "Verified"),
        Some(_) => ("badge badge-error", "Verification failed"),
        None => ("badge badge-warn", "Never verified"),
    };
    view! { <span class=class data-testid="chain-verdict">{text}</span> }
}

/// When the last verification ran, what it covered, and its event.
#[component]
fn Verification(verification: Option<VerificationView>) -> impl IntoView {
    let Some(v) = verification else {
        return view! {
            <span class="muted">
                "Never run. Schedule " <code>"coffer audit verify"</code> " daily."
            </span>
        }
        .into_any();
    };
    let (class, word) = if v.ok {
        ("badge badge-ok", "OK")
    } else {
        ("badge badge-error", "FAILED")
    };
    let covered = format!(
        "{} events, {} checkpoints, {} archives checked",
        v.events_checked, v.checkpoints_checked, v.archives_checked
    );
    view! {
        <span class=class>{word}</span>
        " "
        <a href=format!("/console/audit/events/{}", v.seq)>{full_time(&v.at)}</a>
        <span class="muted small">" · " {covered}</span>
    }
    .into_any()
}
