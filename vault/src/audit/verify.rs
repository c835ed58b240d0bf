//! Checks the audit chain end to end, in one snapshot of the database: archive records and
//! files, every event in the hot table, the chain's start, the signed checkpoints (their
//! signatures, their own chain, that the walk reaches each one, and that events were signed in
//! time) and the chain head. Names the first thing altered, removed or moved (`coffer audit
//! verify`, the console's chain status, the daily review).

use super::chain::{self, GENESIS, Hash};
use super::seals::{Seals, check_checkpoints};
use super::{archive, checkpoint};
use crate::store::{self, ArchiveRow, CheckpointRow, StoreError, StoredEvent};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::path::Path;

/// Events read per page while walking the hot table.
const PAGE: i64 = 5_000;
use coffer_dlp::calendar::DAY_MS;

/// The first thing found wrong. Positions are sequence numbers (`seq`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainProblem {
    #[error("event #{seq} was altered: its content no longer matches its hash")]
    Altered { seq: i64 },
    #[error("event #{seq} was removed: the chain skips from #{prev} to #{next}")]
    Removed { seq: i64, prev: i64, next: i64 },
    #[error("event #{seq} is out of order: it was written right after event #{follows}")]
    Reordered { seq: i64, follows: i64 },
    #[error(
        "event #{seq} does not link to event #{prev}: events before it were removed or rewritten"
    )]
    BrokenLink { seq: i64, prev: i64 },
    #[error("event #{seq} is dated before the event preceding it")]
    TimeWentBack { seq: i64 },
    #[error(
        "the signed checkpoint at #{seq} does not match the chain: events up to #{seq} were rewritten"
    )]
    CheckpointMismatch { seq: i64 },
    #[error("the checkpoint at #{seq} has an invalid signature")]
    BadCheckpointSignature { seq: i64 },
    #[error("events #{from} to #{to} are missing from the end of the log")]
    TailRemoved { from: i64, to: i64 },
    #[error("the chain head does not match the last event (#{seq})")]
    HeadMismatch { seq: i64 },
    #[error("archive {id} (events #{first} to #{last}) failed verification: {why}")]
    Archive {
        id: String,
        first: i64,
        last: i64,
        why: String,
    },
    #[error(
        "event #{seq} is chained but lies before the chain's recorded start: the start was moved"
    )]
    GenesisMoved { seq: i64 },
    #[error(
        "the checkpoint at #{seq} was signed for a chain starting after #{signed}, but the \
         stored start is #{stored}: the start was moved"
    )]
    CheckpointGenesis { seq: i64, signed: i64, stored: i64 },
    #[error(
        "the checkpoint at #{seq} was signed after one at #{prev} that is gone: checkpoints were \
         removed"
    )]
    CheckpointRemoved { seq: i64, prev: i64 },
    #[error("the checkpoint at #{seq} is never reached by the chain: events were hidden from it")]
    CheckpointNotReached { seq: i64 },
    #[error(
        "events from #{seq} went unsigned for {minutes} minutes while the service ran: \
         checkpoints were removed or not made"
    )]
    Unsigned { seq: i64, minutes: i64 },
    #[error("the service stop at #{seq} was never signed: the checkpoints after it were removed")]
    StopNotSigned { seq: i64 },
}

/// What a verification allows: the time it is made at, how long archive files must be kept, and
/// how long an event may wait for the checkpoint that signs it while the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Unix ms.
    pub now: i64,
    pub retention_days: u32,
    pub max_unsigned_ms: i64,
}

impl VerifyPolicy {
    /// For checkpoints every `checkpoint_ms`: an event may wait two intervals and a minute.
    pub fn new(now: i64, retention_days: u32, checkpoint_ms: i64) -> VerifyPolicy {
        VerifyPolicy {
            now,
            retention_days,
            max_unsigned_ms: 2 * checkpoint_ms + 60_000,
        }
    }
}

/// What a verification covered and the first problem, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub events_checked: u64,
    pub last_seq: i64,
    pub checkpoints_checked: u64,
    pub last_checkpoint_seq: Option<i64>,
    pub archives_checked: u64,
    /// Archives whose file was deleted at the end of retention (their signed records still link).
    pub archives_expired: u64,
    pub problem: Option<ChainProblem>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Walks events in chain order, checking each link.
#[derive(Debug)]
pub(crate) struct Walker {
    pub(crate) next_seq: i64,
    pub(crate) prev: Hash,
    last_at: i64,
    pub(crate) checked: u64,
}

/// What a step found; a broken link needs the database to tell a moved event from a lost one.
pub(crate) enum Step {
    Ok,
    Problem(ChainProblem),
    Link { seq: i64, prev_hash: Vec<u8> },
}

impl Walker {
    pub(crate) fn new(next_seq: i64, prev: Hash) -> Walker {
        Walker {
            next_seq,
            prev,
            last_at: i64::MIN,
            checked: 0,
        }
    }

    pub(crate) fn step(&mut self, e: &StoredEvent) -> Step {
        if e.seq != self.next_seq {
            return Step::Problem(ChainProblem::Removed {
                seq: self.next_seq,
                prev: self.next_seq - 1,
                next: e.seq,
            });
        }
        let prev = e.prev_hash.as_deref().and_then(chain::to_hash);
        let Some(prev) = prev else {
            return Step::Problem(ChainProblem::Altered { seq: e.seq });
        };
        let hash = chain::event_hash(&prev, &e.event);
        if e.hash.as_deref() != Some(hash.as_slice()) {
            return Step::Problem(ChainProblem::Altered { seq: e.seq });
        }
        if prev != self.prev {
            return Step::Link {
                seq: e.seq,
                prev_hash: prev.to_vec(),
            };
        }
        if e.event.occurred_at < self.last_at {
            return Step::Problem(ChainProblem::TimeWentBack { seq: e.seq });
        }
        self.prev = hash;
        self.last_at = e.event.occurred_at;
        self.next_seq += 1;
        self.checked += 1;
        Step::Ok
    }
}

/// Verifies everything the database and the archive directory hold, as of one snapshot.
pub async fn verify(
    conn: &mut AnyConnection,
    public_key: &[u8],
    archive_dir: &Path,
    policy: &VerifyPolicy,
) -> Result<VerifyReport, StoreError> {
    let mut tx = checkpoint::snapshot(conn).await?;
    let mut report = VerifyReport::default();
    let head = store::audit::head(&mut tx).await?;
    if let Some(seq) = store::audit::chained_at_or_before(&mut tx, head.genesis_seq).await? {
        report.problem = Some(ChainProblem::GenesisMoved { seq });
        return Ok(report);
    }
    let checkpoints = store::audit_seals::checkpoints_after(&mut tx, 0).await?;
    if let Err(problem) = check_checkpoints(&checkpoints, public_key, head.genesis_seq) {
        report.problem = Some(problem);
        return Ok(report);
    }
    report.checkpoints_checked = checkpoints.len() as u64;
    report.last_checkpoint_seq = checkpoints.last().map(|c| c.seq);
    let signed: BTreeMap<i64, CheckpointRow> =
        checkpoints.into_iter().map(|c| (c.seq, c)).collect();
    let mut seals = Seals::new(&signed, policy.max_unsigned_ms);
    let mut walker = Walker::new(head.genesis_seq + 1, GENESIS);
    let archives = store::audit_seals::archives(&mut tx).await?;
    let keep_from = policy.now - i64::from(policy.retention_days) * DAY_MS;
    let archived = check_archives(
        &archives,
        public_key,
        archive_dir,
        keep_from,
        &mut seals,
        &mut walker,
    );
    report.events_checked += walker.checked;
    walker.checked = 0;
    match archived {
        Ok((checked, expired)) => {
            report.archives_checked = checked;
            report.archives_expired = expired;
        }
        Err(problem) => {
            report.problem = Some(problem);
            return Ok(report);
        }
    }
    let walked = walk_hot(&mut tx, head.seq, &mut seals, &mut walker).await?;
    report.events_checked += walker.checked;
    report.last_seq = walker.next_seq - 1;
    report.problem = walked
        .err()
        .or_else(|| end_problem(&head, &walker, &seals, &signed));
    Ok(report)
}

/// Walks the hot table after the archives, up to the head as of the snapshot.
async fn walk_hot(
    conn: &mut AnyConnection,
    up_to: i64,
    seals: &mut Seals<'_>,
    walker: &mut Walker,
) -> Result<Result<(), ChainProblem>, StoreError> {
    let mut after = walker.next_seq - 1;
    while after < up_to {
        let page = store::audit::chain_page(conn, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in page.iter().filter(|e| e.seq <= up_to) {
            match walker.step(e) {
                Step::Ok => {}
                Step::Problem(p) => return Ok(Err(p)),
                Step::Link { seq, prev_hash } => {
                    let problem = match store::audit::seq_of_hash(conn, &prev_hash).await? {
                        Some(follows) => ChainProblem::Reordered { seq, follows },
                        None => ChainProblem::BrokenLink { seq, prev: seq - 1 },
                    };
                    return Ok(Err(problem));
                }
            }
            if let Err(p) = seals.passed(e, &walker.prev) {
                return Ok(Err(p));
            }
        }
    }
    Ok(Ok(()))
}

/// What is wrong at the end of a walk that found nothing on the way: a cut tail, a head that is
/// not the last event, a checkpoint never reached, or events left unsigned.
fn end_problem(
    head: &store::ChainHead,
    walker: &Walker,
    seals: &Seals<'_>,
    signed: &BTreeMap<i64, CheckpointRow>,
) -> Option<ChainProblem> {
    let last = walker.next_seq - 1;
    let signed_end = signed.keys().next_back().copied().unwrap_or(0);
    if head.seq > last || signed_end > last {
        return Some(ChainProblem::TailRemoved {
            from: last + 1,
            to: head.seq.max(signed_end),
        });
    }
    if head.seq != last || (last > head.genesis_seq && head.hash != walker.prev) {
        return Some(ChainProblem::HeadMismatch { seq: last });
    }
    seals.finish(head.last_at)
}

/// Checks the archive records (signatures, names, continuity) and each archive file still
/// present, with the checkpoints that fall inside them; a file may be gone only once its
/// retention ended (its newest event older than `keep_from`). Returns (checked, expired).
fn check_archives(
    archives: &[ArchiveRow],
    public_key: &[u8],
    dir: &Path,
    keep_from: i64,
    seals: &mut Seals<'_>,
    walker: &mut Walker,
) -> Result<(u64, u64), ChainProblem> {
    let (mut checked, mut expired) = (0, 0);
    for (i, a) in archives.iter().enumerate() {
        let fail = |why: &str| ChainProblem::Archive {
            id: a.id.clone(),
            first: a.first_seq,
            last: a.last_seq,
            why: why.to_owned(),
        };
        if !archive::record_signature_valid(a, public_key) {
            return Err(fail("its record's signature is invalid"));
        }
        if !archive::well_named(a) {
            return Err(fail("its file name is not the one its events give"));
        }
        let (Some(first_prev), Some(last_hash)) = (
            chain::to_hash(&a.first_prev_hash),
            chain::to_hash(&a.last_hash),
        ) else {
            return Err(fail("its record holds a malformed hash"));
        };
        if i == 0 {
            // The first archive starts the walk where the chain starts.
            *walker = Walker::new(a.first_seq, first_prev);
        } else if a.first_seq != walker.next_seq || first_prev != walker.prev {
            return Err(fail("it does not continue the archive before it"));
        }
        match archive::check_file(a, dir) {
            Ok(Some(records)) => {
                for r in &records {
                    match walker.step(r) {
                        Step::Ok => {}
                        Step::Problem(p) => return Err(p),
                        Step::Link { seq, .. } => {
                            return Err(ChainProblem::BrokenLink { seq, prev: seq - 1 });
                        }
                    }
                    seals.passed(r, &walker.prev)?;
                }
                if walker.prev != last_hash {
                    return Err(fail("its events do not match its record"));
                }
                checked += 1;
            }
            Ok(None) if a.last_at < keep_from => {
                walker.next_seq = a.last_seq + 1;
                seals.skipped(a.first_seq, a.last_seq);
                expired += 1;
            }
            Ok(None) => return Err(fail("its file is missing before the end of its retention")),
            Err(why) => return Err(fail(&why)),
        }
        walker.prev = last_hash;
        if walker.next_seq != a.last_seq + 1 {
            return Err(fail("its events do not match its record"));
        }
        if let Some(c) = seals.at(a.last_seq)
            && c.hash != last_hash
        {
            return Err(ChainProblem::CheckpointMismatch { seq: a.last_seq });
        }
    }
    Ok((checked, expired))
}
