//! What verification checks of the signed checkpoints beyond their signatures: that they form
//! a chain of their own (none removed), that they were signed for the chain's real start, that
//! the walk reaches every one, and that no event went unsigned for longer than the service's
//! checkpoint interval allows while it ran — a service stop must always be signed.

use super::checkpoint;
use super::verify::ChainProblem;
use crate::store::{CheckpointRow, StoredEvent};
use std::collections::{BTreeMap, BTreeSet};

/// Checks each checkpoint's signature and, from version 2 on, its link to the one before it and
/// the chain start it was signed for.
pub(crate) fn check_checkpoints(
    checkpoints: &[CheckpointRow],
    public_key: &[u8],
    genesis_seq: i64,
) -> Result<(), ChainProblem> {
    let mut prev: Option<&CheckpointRow> = None;
    for c in checkpoints {
        if !checkpoint::signature_valid(c, public_key) {
            return Err(ChainProblem::BadCheckpointSignature { seq: c.seq });
        }
        if c.version >= 2 {
            let linked = c.prev_seq == prev.map(|p| p.seq)
                && c.prev_signature_sha256.as_deref()
                    == prev.map(checkpoint::signature_digest).as_deref();
            if !linked {
                return Err(ChainProblem::CheckpointRemoved {
                    seq: c.seq,
                    prev: c.prev_seq.unwrap_or(0),
                });
            }
            if c.genesis_seq != Some(genesis_seq) {
                return Err(ChainProblem::CheckpointGenesis {
                    seq: c.seq,
                    signed: c.genesis_seq.unwrap_or(-1),
                    stored: genesis_seq,
                });
            }
        }
        prev = Some(c);
    }
    Ok(())
}

/// Follows the walk: which checkpoints it reached, the oldest event waiting for a signature, and
/// a service stop not yet signed.
pub(crate) struct Seals<'a> {
    signed: &'a BTreeMap<i64, CheckpointRow>,
    reached: BTreeSet<i64>,
    max_unsigned_ms: i64,
    /// (seq, time) of the oldest event since the last checkpoint (or service start).
    pending: Option<(i64, i64)>,
    /// (seq, time) of a service stop no checkpoint has signed yet.
    stop: Option<(i64, i64)>,
}

impl<'a> Seals<'a> {
    pub(crate) fn new(signed: &'a BTreeMap<i64, CheckpointRow>, max_unsigned_ms: i64) -> Self {
        Seals {
            signed,
            reached: BTreeSet::new(),
            max_unsigned_ms,
            pending: None,
            stop: None,
        }
    }

    /// The checkpoint at `seq`, if any.
    pub(crate) fn at(&self, seq: i64) -> Option<&'a CheckpointRow> {
        self.signed.get(&seq)
    }

    /// The walk stepped over event `e`, after which the chain's hash is `hash`.
    pub(crate) fn passed(&mut self, e: &StoredEvent, hash: &[u8; 32]) -> Result<(), ChainProblem> {
        let at = e.event.occurred_at;
        match e.event.action.as_str() {
            // A start follows a stop or a crash: what the crash left unsigned is excused (a stop
            // is not: it is signed as the service ends).
            "service.start" => self.pending = Some((e.seq, at)),
            "service.stop" => {
                self.pending.get_or_insert((e.seq, at));
                self.stop.get_or_insert((e.seq, at));
            }
            _ => {
                self.pending.get_or_insert((e.seq, at));
            }
        }
        let Some(c) = self.signed.get(&e.seq) else {
            return Ok(());
        };
        if c.hash != hash {
            return Err(ChainProblem::CheckpointMismatch { seq: e.seq });
        }
        self.reached.insert(c.seq);
        if let Some((seq, since)) = self.pending.take()
            && c.signed_at - since > self.max_unsigned_ms
        {
            return Err(self.unsigned(seq, c.signed_at - since));
        }
        if let Some((seq, since)) = self.stop.take()
            && c.signed_at - since > self.max_unsigned_ms
        {
            return Err(ChainProblem::StopNotSigned { seq });
        }
        Ok(())
    }

    /// Events `first..=last` are in an archive whose file is gone: nothing in it can be checked.
    pub(crate) fn skipped(&mut self, first: i64, last: i64) {
        self.reached
            .extend(self.signed.range(first..=last).map(|(seq, _)| *seq));
        self.pending = None;
        self.stop = None;
    }

    fn unsigned(&self, seq: i64, waited_ms: i64) -> ChainProblem {
        ChainProblem::Unsigned {
            seq,
            minutes: waited_ms / 60_000,
        }
    }

    /// At the end of the walk (the newest event dated `last_at`): an unsigned stop, events that
    /// waited too long, or a checkpoint the walk never reached.
    pub(crate) fn finish(&self, last_at: i64) -> Option<ChainProblem> {
        if let Some((seq, _)) = self.stop {
            return Some(ChainProblem::StopNotSigned { seq });
        }
        if let Some((seq, since)) = self.pending
            && last_at - since > self.max_unsigned_ms
        {
            return Some(self.unsigned(seq, last_at - since));
        }
        self.signed
            .keys()
            .find(|seq| !self.reached.contains(seq))
            .map(|&seq| ChainProblem::CheckpointNotReached { seq })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::store::AuditRow;

    fn event(seq: i64, at: i64, action: &str) -> StoredEvent {
        StoredEvent {
            seq,
            prev_hash: None,
            hash: None,
            event: AuditRow {
                id: format!("evt_{seq}"),
                occurred_at: at,
                actor_type: "service".into(),
                actor_id: "coffer".into(),
                action: action.into(),
                outcome: "success".into(),
                resource_type: None,
                resource_id: None,
                origin_ip: None,
                user_agent: None,
                channel: None,
                request_id: None,
                reason: None,
                detail: None,
            },
        }
    }

    fn signed(seqs: &[(i64, i64)]) -> BTreeMap<i64, CheckpointRow> {
        seqs.iter()
            .map(|&(seq, signed_at)| {
                let row = CheckpointRow {
                    seq,
                    hash: vec![0; 32],
                    signed_at,
                    key_id: "k".into(),
                    signature: vec![],
                    version: 2,
                    genesis_seq: Some(0),
                    prev_seq: None,
                    prev_signature_sha256: None,
                };
                (seq, row)
            })
            .collect()
    }

    const H: [u8; 32] = [0; 32];

    #[test]
    fn events_signed_late_while_the_service_ran_are_named() {
        // Checkpoints every minute, an event left unsigned for ten while others kept coming.
        let cps = signed(&[(1, 1_000), (3, 600_000)]);
        let mut s = Seals::new(&cps, 180_000);
        s.passed(&event(1, 500, "payment_method.create"), &H)
            .unwrap();
        s.passed(&event(2, 2_000, "payment_method.create"), &H)
            .unwrap();
        let late = s.passed(&event(3, 590_000, "payment_method.read"), &H);
        assert_eq!(late, Err(ChainProblem::Unsigned { seq: 2, minutes: 9 }));
    }

    #[test]
    fn a_restart_excuses_what_a_crash_left_unsigned_but_not_a_stop() {
        let cps = signed(&[(3, 9_000_000)]);
        let mut s = Seals::new(&cps, 180_000);
        s.passed(&event(1, 0, "payment_method.create"), &H).unwrap();
        s.passed(&event(2, 8_999_000, "service.start"), &H).unwrap();
        s.passed(&event(3, 8_999_500, "payment_method.read"), &H)
            .unwrap();
        assert_eq!(s.finish(8_999_500), None);

        let mut s = Seals::new(&cps, 180_000);
        s.passed(&event(1, 0, "service.stop"), &H).unwrap();
        s.passed(&event(2, 8_999_000, "service.start"), &H).unwrap();
        let late = s.passed(&event(3, 8_999_500, "payment_method.read"), &H);
        assert_eq!(late, Err(ChainProblem::StopNotSigned { seq: 1 }));
    }

    #[test]
    fn an_unsigned_tail_and_an_unreached_checkpoint_are_named_at_the_end() {
        let none = signed(&[]);
        let mut s = Seals::new(&none, 180_000);
        s.passed(&event(1, 0, "payment_method.create"), &H).unwrap();
        assert_eq!(s.finish(100_000), None);
        assert_eq!(
            s.finish(200_000),
            Some(ChainProblem::Unsigned { seq: 1, minutes: 3 })
        );
        let cps = signed(&[(5, 1_000)]);
        let mut s = Seals::new(&cps, 180_000);
        s.passed(&event(6, 0, "payment_method.create"), &H).unwrap();
        assert_eq!(
            s.finish(0),
            Some(ChainProblem::CheckpointNotReached { seq: 5 })
        );
        let mut s = Seals::new(&cps, 180_000);
        s.skipped(1, 5);
        assert_eq!(s.finish(0), None);
    }
}
