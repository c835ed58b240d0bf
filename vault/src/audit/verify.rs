//! Checks the audit chain end to end: archive records and files, every event in the hot table,
//! the signed checkpoints and the chain head. Names the first event that was altered, removed or
//! moved (`coffer audit verify`, the console's chain status, the daily review).

use super::chain::{self, GENESIS, Hash};
use super::{archive, checkpoint};
use crate::store::{self, ArchiveRow, CheckpointRow, StoreError, StoredEvent};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::path::Path;

/// Events read per page while walking the hot table.
const PAGE: i64 = 5_000;

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

/// Verifies everything the database and the archive directory hold.
pub async fn verify(
    conn: &mut AnyConnection,
    public_key: &[u8],
    archive_dir: &Path,
) -> Result<VerifyReport, StoreError> {
    let mut report = VerifyReport::default();
    let head = store::audit::head(conn).await?;
    let mut walker = Walker::new(head.genesis_seq + 1, GENESIS);

    let checkpoints = store::audit_seals::checkpoints_after(conn, 0).await?;
    let mut signed: BTreeMap<i64, CheckpointRow> = BTreeMap::new();
    for c in checkpoints {
        if !checkpoint::signature_valid(&c, public_key) {
            report.problem = Some(ChainProblem::BadCheckpointSignature { seq: c.seq });
            return Ok(report);
        }
        report.checkpoints_checked += 1;
        report.last_checkpoint_seq = Some(c.seq);
        signed.insert(c.seq, c);
    }
    let archives = store::audit_seals::archives(conn).await?;
    let archived = check_archives(&archives, public_key, archive_dir, &signed, &mut walker);
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

    let mut after = walker.next_seq - 1;
    loop {
        let page = store::audit::chain_page(conn, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            match walker.step(e) {
                Step::Ok => {}
                Step::Problem(p) => {
                    report.problem = Some(p);
                    break;
                }
                Step::Link { seq, prev_hash } => {
                    let problem = match store::audit::seq_of_hash(conn, &prev_hash).await? {
                        Some(follows) => ChainProblem::Reordered { seq, follows },
                        None => ChainProblem::BrokenLink { seq, prev: seq - 1 },
                    };
                    report.problem = Some(problem);
                    break;
                }
            }
            if signed.get(&e.seq).is_some_and(|c| c.hash != walker.prev) {
                report.problem = Some(ChainProblem::CheckpointMismatch { seq: e.seq });
                break;
            }
        }
        if report.problem.is_some() {
            break;
        }
    }
    report.events_checked += walker.checked;
    report.last_seq = walker.next_seq - 1;
    if report.problem.is_some() {
        return Ok(report);
    }
    let last = walker.next_seq - 1;
    let signed_end = signed.keys().next_back().copied().unwrap_or(0);
    if head.seq > last || signed_end > last {
        report.problem = Some(ChainProblem::TailRemoved {
            from: last + 1,
            to: head.seq.max(signed_end),
        });
    } else if head.seq != last || (last > head.genesis_seq && head.hash != walker.prev) {
        report.problem = Some(ChainProblem::HeadMismatch { seq: last });
    }
    Ok(report)
}

/// Checks the archive records (signatures, continuity) and each archive file still present,
/// with the checkpoints that fall inside them. Returns (archives checked, archives expired).
fn check_archives(
    archives: &[ArchiveRow],
    public_key: &[u8],
    dir: &Path,
    signed: &BTreeMap<i64, CheckpointRow>,
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
        let (Some(first_prev), Some(last_hash)) = (
            chain::to_hash(&a.first_prev_hash),
            chain::to_hash(&a.last_hash),
        ) else {
            return Err(fail("its record holds a malformed hash"));
        };
        if i == 0 {
            // Older archives may have been deleted at the end of retention: start from here.
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
                    if signed.get(&r.seq).is_some_and(|c| c.hash != walker.prev) {
                        return Err(ChainProblem::CheckpointMismatch { seq: r.seq });
                    }
                }
                if walker.prev != last_hash {
                    return Err(fail("its events do not match its record"));
                }
                checked += 1;
            }
            Ok(None) => {
                walker.next_seq = a.last_seq + 1;
                expired += 1;
            }
            Err(why) => return Err(fail(&why)),
        }
        walker.prev = last_hash;
        if signed.get(&a.last_seq).is_some_and(|c| c.hash != last_hash) {
            return Err(ChainProblem::CheckpointMismatch { seq: a.last_seq });
        }
        if walker.next_seq != a.last_seq + 1 {
            return Err(fail("its events do not match its record"));
        }
    }
    Ok((checked, expired))
}
