//! Audit records as the console's view models: result rows, one event in full, the chain's
//! status (with the last verification's problem as a sentence) and the review queue's flags.

use super::views::rfc3339;
use coffer_app::model::{
    AuditEventDetail, AuditEventRow, ChainStatusView, FlagView, OpenDay, VerificationView,
};
use coffer_vault::audit::FlagRow;
use coffer_vault::audit::StoredEvent;
use coffer_vault::audit::verify::VerifyReport;
use coffer_vault::service::ChainStatus;
use std::collections::HashMap;

/// Readable names by actor id (staff emails).
pub type Labels = HashMap<String, String>;

fn label(labels: &Labels, id: &str) -> Option<String> {
    labels.get(id).cloned()
}

pub fn row(e: &StoredEvent, labels: &Labels) -> AuditEventRow {
    let r = &e.event;
    AuditEventRow {
        seq: e.seq,
        time: rfc3339(r.occurred_at),
        actor_type: r.actor_type.clone(),
        actor: label(labels, &r.actor_id).unwrap_or_else(|| r.actor_id.clone()),
        action: r.action.clone(),
        outcome: r.outcome.clone(),
        resource: r.resource_id.clone(),
        origin_ip: r.origin_ip.clone(),
        reason: r.reason.clone(),
    }
}

/// The detail JSON pretty-printed (as stored if it is not JSON).
fn pretty(detail: &str) -> String {
    serde_json::from_str::<serde_json::Value>(detail)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| detail.to_owned())
}

pub fn detail(e: &StoredEvent, labels: &Labels) -> AuditEventDetail {
    let r = &e.event;
    AuditEventDetail {
        seq: e.seq,
        id: r.id.clone(),
        time: rfc3339(r.occurred_at),
        occurred_at_ms: r.occurred_at,
        actor_type: r.actor_type.clone(),
        actor_id: r.actor_id.clone(),
        actor_label: label(labels, &r.actor_id),
        action: r.action.clone(),
        outcome: r.outcome.clone(),
        resource_type: r.resource_type.clone(),
        resource_id: r.resource_id.clone(),
        origin_ip: r.origin_ip.clone(),
        user_agent: r.user_agent.clone(),
        channel: r.channel.clone(),
        request_id: r.request_id.clone(),
        reason: r.reason.clone(),
        detail: r.detail.as_deref().map(pretty),
        prev_hash: e.prev_hash.as_deref().map(hex::encode),
        hash: e.hash.as_deref().map(hex::encode),
    }
}

/// The last `audit.verify` event as a verdict: its outcome, and its report's first problem.
fn verification(e: &StoredEvent) -> VerificationView {
    let report: VerifyReport = e
        .event
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let ok = e.event.outcome == "success" && report.ok();
    VerificationView {
        ok,
        at: rfc3339(e.event.occurred_at),
        seq: e.seq,
        events_checked: report.events_checked,
        checkpoints_checked: report.checkpoints_checked,
        archives_checked: report.archives_checked,
        problem: report.problem.map(|p| p.to_string()),
    }
}

pub fn chain(s: &ChainStatus) -> ChainStatusView {
    ChainStatusView {
        head_seq: s.head_seq,
        head_at: (s.head_seq > 0).then(|| rfc3339(s.head_at)),
        checkpoint_seq: s.last_checkpoint.as_ref().map(|c| c.seq),
        checkpoint_at: s.last_checkpoint.as_ref().map(|c| rfc3339(c.signed_at)),
        verification: s.last_verification.as_ref().map(verification),
        archives: u64::try_from(s.archives).unwrap_or(u64::MAX),
    }
}

pub fn flag(f: &FlagRow, labels: &Labels) -> FlagView {
    FlagView {
        id: f.id.clone(),
        day: f.day.clone(),
        kind: f.kind.clone(),
        severity: coffer_vault::audit::review::severity(&f.kind).to_owned(),
        subject: f.subject.clone(),
        subject_label: label(labels, &f.subject),
        summary: f.summary.clone(),
        event_count: f.event_count,
        first_seq: f.first_seq,
        last_seq: f.last_seq,
        raised_at: rfc3339(f.raised_at),
        reviewed_at: f.reviewed_at.map(rfc3339),
        reviewed_by: f
            .reviewed_by
            .as_ref()
            .map(|id| label(labels, id).unwrap_or_else(|| id.clone())),
        review_note: f.review_note.clone(),
    }
}

/// Sort key of a severity: the most urgent first.
pub fn urgency(severity: &str) -> u8 {
    match severity {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

pub fn open_days(days: &[(String, i64)]) -> Vec<OpenDay> {
    days.iter()
        .map(|(day, open)| OpenDay {
            day: day.clone(),
            open: *open,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use coffer_vault::audit::AuditRow;

    fn verify_event(outcome: &str, detail: &str) -> StoredEvent {
        StoredEvent {
            seq: 77,
            prev_hash: None,
            hash: None,
            event: AuditRow {
                id: "evt_1".to_owned(),
                occurred_at: 0,
                actor_type: "service".to_owned(),
                actor_id: "service".to_owned(),
                action: "audit.verify".to_owned(),
                outcome: outcome.to_owned(),
                resource_type: None,
                resource_id: None,
                origin_ip: None,
                user_agent: None,
                channel: None,
                request_id: None,
                reason: None,
                detail: Some(detail.to_owned()),
            },
        }
    }

    #[test]
    fn a_failed_verification_names_its_problem() {
        let detail = r#"{"events_checked":10,"last_seq":10,"checkpoints_checked":1,
            "last_checkpoint_seq":8,"archives_checked":0,"archives_expired":0,
            "problem":{"kind":"altered","seq":4}}"#;
        let v = verification(&verify_event("failure", detail));
        assert!(!v.ok);
        assert_eq!(v.events_checked, 10);
        assert_eq!(
            v.problem.as_deref(),
            Some("event #4 was altered: its content no longer matches its hash")
        );
        let ok = r#"{"events_checked":3,"last_seq":3,"checkpoints_checked":0,
            "last_checkpoint_seq":null,"archives_checked":0,"archives_expired":0,"problem":null}"#;
        let v = verification(&verify_event("success", ok));
        assert!(v.ok && v.problem.is_none());
        assert_eq!(v.seq, 77);
    }

    #[test]
    fn detail_json_is_pretty_and_hashes_are_hex() {
        let mut e = verify_event("success", r#"{"a":1}"#);
        e.hash = Some(vec![0xab, 0x01]);
        let d = detail(&e, &Labels::new());
        assert_eq!(d.detail.as_deref(), Some("{\n  \"a\": 1\n}"));
        assert_eq!(d.hash.as_deref(), Some("ab01"));
        assert_eq!(d.prev_hash, None);
    }
}
