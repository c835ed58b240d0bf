//! Audit events: what the vault records for every operation on payment data, allowed or denied,
//! always in the same transaction as the operation (fail closed), appended to a hash chain whose
//! head is signed in the HSM (tamper evidence, PCI DSS 10.3.2 and 10.3.4).

pub mod archive;
pub mod chain;
pub mod checkpoint;
pub mod export;
pub mod record;
pub mod review;
pub(crate) mod seals;
pub mod signing;
#[cfg(any(test, feature = "dev-tools"))]
pub mod synthetic;
pub mod verify;

pub use crate::store::audit_flags::FlagRow;
pub use crate::store::audit_search::AuditFilter;
pub use crate::store::{AuditRow, StoredEvent};

use crate::access::Actor;
use crate::clock::now_millis;
use crate::store::StoreError;
use sqlx::AnyConnection;

/// How the service keeps its audit log, as verification needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditSettings {
    /// Archive files are kept this many days (a file missing sooner is a finding).
    pub retention_days: u32,
    /// How often the chain head is signed (unix ms): bounds how long an event may wait.
    pub checkpoint_ms: i64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            retention_days: 365,
            checkpoint_ms: 60_000,
        }
    }
}

/// What replaces a field that looked like it contained a card number.
pub const REDACTED: &str = "[redacted: looked like a card number]";

/// Where a request came from (PCI 10.2.2 "origination of the event").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// The result recorded for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Denied,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub actor: &'a Actor,
    pub action: &'static str,
    pub outcome: Outcome,
    pub origin: &'a Origin,
    pub resource_type: Option<&'static str>,
    pub resource_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    /// Structured detail: static codes and identifiers only, never request contents.
    pub detail: Option<serde_json::Value>,
}

impl<'a> AuditEvent<'a> {
    pub fn new(
        actor: &'a Actor,
        action: &'static str,
        outcome: Outcome,
        origin: &'a Origin,
    ) -> Self {
        AuditEvent {
            actor,
            action,
            outcome,
            origin,
            resource_type: None,
            resource_id: None,
            reason: None,
            detail: None,
        }
    }

    pub fn resource(mut self, kind: &'static str, id: &'a str) -> Self {
        self.resource_type = Some(kind);
        self.resource_id = Some(id);
        self
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    /// Adds the fields of `extra` (an object) to the detail, if given.
    pub fn more_detail(mut self, extra: Option<serde_json::Value>) -> Self {
        let Some(serde_json::Value::Object(extra)) = extra else {
            return self;
        };
        match &mut self.detail {
            Some(serde_json::Value::Object(fields)) => fields.extend(extra),
            _ => self.detail = Some(serde_json::Value::Object(extra)),
        }
        self
    }

    /// Builds the stored row. Last line of defence: any free-text field that looks like it holds
    /// a card number is replaced, so a careless caller cannot put a PAN into the log.
    pub(crate) fn to_row(&self) -> AuditRow {
        let clean = |s: &str| {
            if coffer_dlp::contains_card_number(s) {
                REDACTED.to_owned()
            } else {
                s.to_owned()
            }
        };
        AuditRow {
            id: crate::token::random_id("evt"),
            occurred_at: now_millis(),
            actor_type: self.actor.kind().to_owned(),
            actor_id: self.actor.id().to_owned(),
            action: self.action.to_owned(),
            outcome: self.outcome.as_str().to_owned(),
            resource_type: self.resource_type.map(str::to_owned),
            resource_id: self.resource_id.map(clean),
            origin_ip: self.origin.ip.clone(),
            user_agent: self.origin.user_agent.as_deref().map(clean),
            channel: Some(clean(self.actor.channel())),
            request_id: self.origin.request_id.clone(),
            reason: self.reason.map(clean),
            detail: self.detail.as_ref().map(|d| clean(&d.to_string())),
        }
    }

    /// Appends the event to the chain inside `conn`, which must be a transaction (normally the
    /// operation's own): the chain head stays locked until it ends.
    pub async fn write(&self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        crate::store::audit::insert(conn, &self.to_row()).await
    }
}
