//! One audit event as a self-contained JSON record: a line of an archive file or of a JSON Lines
//! export. It carries the chain links, so a file can be checked without the database.

use crate::store::{AuditRow, StoredEvent};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    pub seq: i64,
    /// Every stored field (`occurred_at` in unix milliseconds, UTC).
    #[serde(flatten)]
    pub event: AuditRow,
    /// `occurred_at` as RFC 3339, for people reading the file.
    pub time: String,
    /// Hex; absent for events written before the chain began.
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// RFC 3339 of unix milliseconds (UTC).
pub fn rfc3339(ms: i64) -> String {
    coffer_dlp::calendar::rfc3339(ms)
}

impl From<&StoredEvent> for EventRecord {
    fn from(s: &StoredEvent) -> Self {
        EventRecord {
            seq: s.seq,
            event: s.event.clone(),
            time: rfc3339(s.event.occurred_at),
            prev_hash: s.prev_hash.as_deref().map(hex::encode),
            hash: s.hash.as_deref().map(hex::encode),
        }
    }
}

impl EventRecord {
    /// Back to the stored form (for re-checking the chain); `None` if a hash is not hex.
    pub fn to_stored(&self) -> Option<StoredEvent> {
        let bytes = |h: &Option<String>| match h {
            None => Some(None),
            Some(s) => hex::decode(s).ok().map(Some),
        };
        Some(StoredEvent {
            seq: self.seq,
            prev_hash: bytes(&self.prev_hash)?,
            hash: bytes(&self.hash)?,
            event: self.event.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_record_round_trips_through_json_with_its_links() {
        let stored = StoredEvent {
            seq: 7,
            prev_hash: Some(vec![0; 32]),
            hash: Some(vec![0xab; 32]),
            event: AuditRow {
                id: "evt_1".into(),
                occurred_at: 1_700_000_000_123,
                actor_type: "api_key".into(),
                actor_id: "ak_1".into(),
                action: "payment_method.create".into(),
                outcome: "success".into(),
                resource_type: Some("payment_method".into()),
                resource_id: Some("pm_1".into()),
                origin_ip: None,
                user_agent: Some(String::new()),
                channel: None,
                request_id: None,
                reason: None,
                detail: None,
            },
        };
        let line = serde_json::to_string(&EventRecord::from(&stored)).unwrap();
        assert!(
            line.contains("\"time\":\"2023-11-14T22:13:20.123Z\""),
            "{line}"
        );
        let back: EventRecord = serde_json::from_str(&line).unwrap();
        assert_eq!(back.to_stored().unwrap(), stored);
    }
}
