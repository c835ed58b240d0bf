//! The hash chain over audit events: each event's hash covers a domain tag, the hash of the event
//! before it and the event's canonical content (every field, length-prefixed, absent ≠ empty).

use crate::store::AuditRow;
use sha2::{Digest, Sha256};

/// A SHA-256 chain link.
pub type Hash = [u8; 32];

/// The hash before the first event of a chain.
pub const GENESIS: Hash = [0u8; 32];

const DOMAIN: &[u8] = b"coffer.audit.event.v1";

fn put(h: &mut Sha256, field: Option<&str>) {
    match field {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

/// The hash of `event` following `prev`. The sequence number is not part of it: the order lives
/// in the links, so a moved event is told apart from an altered one.
pub fn event_hash(prev: &Hash, event: &AuditRow) -> Hash {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev);
    h.update(event.occurred_at.to_be_bytes());
    for field in [
        Some(event.id.as_str()),
        Some(event.actor_type.as_str()),
        Some(event.actor_id.as_str()),
        Some(event.action.as_str()),
        Some(event.outcome.as_str()),
        event.resource_type.as_deref(),
        event.resource_id.as_deref(),
        event.origin_ip.as_deref(),
        event.user_agent.as_deref(),
        event.channel.as_deref(),
        event.request_id.as_deref(),
        event.reason.as_deref(),
        event.detail.as_deref(),
    ] {
        put(&mut h, field);
    }
    h.finalize().into()
}

/// Reads a stored hash column (32 bytes) into a [`Hash`].
pub fn to_hash(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn event() -> AuditRow {
        AuditRow {
            id: "evt_1".into(),
            occurred_at: 1_700_000_000_000,
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
        }
    }

    #[test]
    fn every_field_and_the_link_change_the_hash() {
        let base = event_hash(&GENESIS, &event());
        assert_ne!(event_hash(&[1u8; 32], &event()), base);
        let mut changed = event();
        changed.outcome = "denied".into();
        assert_ne!(event_hash(&GENESIS, &changed), base);
        let mut moved = event();
        moved.occurred_at += 1;
        assert_ne!(event_hash(&GENESIS, &moved), base);
        // An empty value is not an absent one, and field boundaries cannot be shifted.
        let mut absent = event();
        absent.user_agent = None;
        assert_ne!(event_hash(&GENESIS, &absent), base);
        let mut shifted = event();
        shifted.resource_type = Some("payment_methodp".into());
        shifted.resource_id = Some("m_1".into());
        assert_ne!(event_hash(&GENESIS, &shifted), base);
        assert_eq!(event_hash(&GENESIS, &event()), base);
    }
}
