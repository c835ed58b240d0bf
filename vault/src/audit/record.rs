//! One audit event as a self-contained JSON record: a line of an archive file or of a JSON Lines
//! export. It carries the chain links, so a file can be checked without the database.

use super::chain;
use crate::store::{AuditRow, StoredEvent};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: i64,
    pub id: String,
    /// Unix milliseconds, UTC.
    pub occurred_at: i64,
    /// The same instant, RFC 3339 (for people reading the file).
    pub time: String,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub outcome: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub origin_ip: Option<String>,
    pub user_agent: Option<String>,
    pub channel: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
    /// Hex; absent for events written before the chain began.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// RFC 3339 of unix milliseconds (UTC).
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

impl From<&StoredEvent> for EventRecord {
    fn from(s: &StoredEvent) -> Self {
        let e = &s.event;
        EventRecord {
            seq: s.seq,
            id: e.id.clone(),
            occurred_at: e.occurred_at,
            time: rfc3339(e.occurred_at),
            actor_type: e.actor_type.clone(),
            actor_id: e.actor_id.clone(),
            action: e.action.clone(),
            outcome: e.outcome.clone(),
            resource_type: e.resource_type.clone(),
            resource_id: e.resource_id.clone(),
            origin_ip: e.origin_ip.clone(),
            user_agent: e.user_agent.clone(),
            channel: e.channel.clone(),
            request_id: e.request_id.clone(),
            reason: e.reason.clone(),
            detail: e.detail.clone(),
            prev_hash: s.prev_hash.as_deref().map(hex::encode),
            hash: s.hash.as_deref().map(hex::encode),
        }
    }
}

impl EventRecord {
    /// Back to the stored form (for re-checking the chain); `None` if a hash is not hex.
    pub fn to_stored(&self) -> Option<StoredEvent> {
        let bytes = |h: &Option<String>| -> Option<Option<Vec<u8>>> {
            match h {
                None => Some(None),
                Some(s) => hex::decode(s).ok().map(Some),
            }
        };
        Some(StoredEvent {
            seq: self.seq,
            prev_hash: bytes(&self.prev_hash)?,
            hash: bytes(&self.hash)?,
            event: AuditRow {
                id: self.id.clone(),
                occurred_at: self.occurred_at,
                actor_type: self.actor_type.clone(),
                actor_id: self.actor_id.clone(),
                action: self.action.clone(),
                outcome: self.outcome.clone(),
                resource_type: self.resource_type.clone(),
                resource_id: self.resource_id.clone(),
                origin_ip: self.origin_ip.clone(),
                user_agent: self.user_agent.clone(),
                channel: self.channel.clone(),
                request_id: self.request_id.clone(),
                reason: self.reason.clone(),
                detail: self.detail.clone(),
            },
        })
    }

    /// Whether this record's hash matches its content and `prev_hash`.
    pub fn self_consistent(&self) -> bool {
        let Some(stored) = self.to_stored() else {
            return false;
        };
        match (&stored.prev_hash, &stored.hash) {
            (Some(prev), Some(hash)) => chain::to_hash(prev).is_some_and(|p| {
                chain::event_hash(&p, &stored.event).as_slice() == hash.as_slice()
            }),
            _ => false,
        }
    }
}
