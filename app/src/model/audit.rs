//! The audit console's view models: the filter as typed, search results, one event in full, the
//! chain's status and the daily review queue. Audit events never hold a card number.

use serde::{Deserialize, Serialize};

/// The audit log filter as typed into the form and carried in the URL. Every field is text and
/// empty fields do not filter; `crate::audit_query` checks and reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, UTC, inclusive.
    pub from: String,
    /// Same forms, exclusive; a date alone includes that whole day.
    pub to: String,
    /// A staff email, or an actor id (`usr_…`, `ak_…`, `coffer`, `coffer-cli`).
    pub actor: String,
    /// An event type (`payment_method.reveal`), or a prefix ending in `*` (`staff.*`).
    pub action: String,
    /// A resource id (`pm_…`, `usr_…`, …).
    pub resource: String,
    /// `success`, `denied` or `failure`.
    pub outcome: String,
    /// The origin IP address, exactly.
    pub ip: String,
    /// Words in the stated reason (case-insensitive).
    pub reason: String,
    /// Paging cursor: only events older than this sequence number.
    pub before: String,
}

/// One audit event as a results row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventRow {
    pub seq: i64,
    /// RFC 3339 UTC.
    pub time: String,
    /// `staff`, `api_client`, `service`, `system`, `anonymous`.
    pub actor_type: String,
    /// A staff member's email, or the actor's id.
    pub actor: String,
    pub action: String,
    /// `success`, `denied`, `failure`.
    pub outcome: String,
    pub resource: Option<String>,
    pub origin_ip: Option<String>,
    pub reason: Option<String>,
}

/// A page of search results, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditResults {
    /// The filter as checked (trimmed).
    pub query: AuditQuery,
    pub events: Vec<AuditEventRow>,
    /// The cursor of the next, older page, if there is one.
    pub next_before: Option<i64>,
}

/// One audit event with every field (PCI DSS 10.2.2) and its chain links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventDetail {
    pub seq: i64,
    pub id: String,
    /// RFC 3339 UTC, to the second.
    pub time: String,
    /// Unix milliseconds, as recorded.
    pub occurred_at_ms: i64,
    pub actor_type: String,
    pub actor_id: String,
    /// A staff member's email when known.
    pub actor_label: Option<String>,
    pub action: String,
    pub outcome: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub origin_ip: Option<String>,
    pub user_agent: Option<String>,
    pub channel: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    /// The event's detail JSON, pretty-printed.
    pub detail: Option<String>,
    /// Hex; absent for events written before the chain began.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// The last `coffer audit verify` run, as recorded in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationView {
    pub ok: bool,
    /// RFC 3339 UTC.
    pub at: String,
    /// The `audit.verify` event recording it.
    pub seq: i64,
    pub events_checked: u64,
    pub checkpoints_checked: u64,
    pub archives_checked: u64,
    /// The first problem found, as a sentence ("event #12 was altered: …").
    pub problem: Option<String>,
}

/// The hash chain's state: head, last signed checkpoint, last verification, archives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatusView {
    pub head_seq: i64,
    /// RFC 3339 UTC of the newest event; `None` while the log is empty.
    pub head_at: Option<String>,
    pub checkpoint_seq: Option<i64>,
    pub checkpoint_at: Option<String>,
    pub verification: Option<VerificationView>,
    /// Signed archive files of events moved out of the database.
    pub archives: u64,
}

/// A flag raised by the daily review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagView {
    pub id: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// `repeated_denied_reveals`, `reveal_outside_business_hours`, `read_burst`, `new_api_key`,
    /// `access_grant`, `failed_sign_in_storm`, `audit_verification_failed`,
    /// `blocked_page_content`, `validate_burst`, `create_burst`, `rejected_intake_burst`,
    /// `privileged_key_issued`, `privileged_key_approved`.
    pub kind: String,
    /// `high`, `medium` or `low` (decided by the kind in the vault's review rules).
    pub severity: String,
    /// Who or what it is about: an actor id, an IP address, a resource id.
    pub subject: String,
    /// The subject as people read it (a staff member's email), when different.
    pub subject_label: Option<String>,
    pub summary: String,
    pub event_count: i64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    /// RFC 3339 UTC.
    pub raised_at: String,
    pub reviewed_at: Option<String>,
    /// The reviewer's email (or id).
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
}

/// A day that still has unreviewed flags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub open: i64,
}

/// The daily review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewQueue {
    /// Newest day first.
    pub flags: Vec<FlagView>,
    pub open_days: Vec<OpenDay>,
    /// Only unreviewed flags are listed.
    pub open_only: bool,
}
