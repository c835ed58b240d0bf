//! Signed checkpoints: the chain head (sequence number and hash) signed in the HSM at intervals,
//! so rewriting the chain up to a checkpoint — even recomputing every hash — is detected. Since
//! version 2 a checkpoint also signs the chain's start and the checkpoint before it (removing one
//! breaks the next), and the HSM signs a head only after the events since the last signed point
//! were checked to lead to it.

use super::chain::{GENESIS, Hash, to_hash};
use super::signing;
use super::verify::{ChainProblem, Step, Walker};
use crate::cde::keys::Hsm;
use crate::error::VaultError;
use crate::store::{self, CheckpointRow, Store};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Connection};

/// The version new checkpoints are written in.
pub const VERSION: i64 = 2;

/// Events read per page while checking the segment before signing.
const PAGE: i64 = 5_000;

/// What a checkpoint signature covers.
pub fn statement(c: &CheckpointRow) -> Vec<u8> {
    let mut text = format!(
        "coffer.audit.checkpoint.v{}\nseq={}\nhash={}\nsigned_at={}\n",
        c.version.clamp(1, 2),
        c.seq,
        hex::encode(&c.hash),
        c.signed_at
    );
    if c.version >= 2 {
        let or_none = |v: Option<String>| v.unwrap_or_else(|| "none".to_owned());
        text.push_str(&format!(
            "genesis_seq={}\nprev_seq={}\nprev_signature_sha256={}\n",
            or_none(c.genesis_seq.map(|s| s.to_string())),
            or_none(c.prev_seq.map(|s| s.to_string())),
            or_none(c.prev_signature_sha256.as_deref().map(hex::encode)),
        ));
    }
    text.into_bytes()
}

/// Whether the checkpoint's signature is valid under `public_key`.
pub fn signature_valid(c: &CheckpointRow, public_key: &[u8]) -> bool {
    signing::verify(public_key, &statement(c), &c.signature)
}

/// What the next checkpoint records of this one's signature.
pub fn signature_digest(c: &CheckpointRow) -> Vec<u8> {
    Sha256::digest(&c.signature).to_vec()
}

/// Starts a read transaction that sees one snapshot of the database (PostgreSQL: repeatable
/// read; SQLite: a read transaction in WAL mode is one already).
pub(crate) async fn snapshot(
    conn: &mut AnyConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, store::StoreError> {
    let postgres = !conn.backend_name().eq_ignore_ascii_case("sqlite");
    let mut tx = conn.begin().await?;
    if postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

/// Checks that the events after the last signed point (the newest checkpoint, or the newest
/// archive if it reaches further, or the chain's start) link up to the head. Returns the head
/// and the newest checkpoint, or the problem.
async fn checked_head(
    conn: &mut AnyConnection,
) -> Result<Option<(store::ChainHead, Option<CheckpointRow>)>, VaultError> {
    let head = store::audit::head(conn).await?;
    let last = store::audit_seals::last_checkpoint(conn).await?;
    if head.seq <= head.genesis_seq || last.as_ref().is_some_and(|c| c.seq >= head.seq) {
        return Ok(None);
    }
    let archive = store::audit_seals::archives(conn).await?.pop();
    let corrupt = || VaultError::AuditChain("a signed point holds a malformed hash".into());
    let from_checkpoint = last
        .as_ref()
        .filter(|c| archive.as_ref().is_none_or(|a| a.last_seq < c.seq));
    let (start, prev): (i64, Hash) = match (from_checkpoint, &archive) {
        (Some(c), _) => (c.seq, to_hash(&c.hash).ok_or_else(corrupt)?),
        (None, Some(a)) => (a.last_seq, to_hash(&a.last_hash).ok_or_else(corrupt)?),
        (None, None) => (head.genesis_seq, GENESIS),
    };
    let mut walker = Walker::new(start + 1, prev);
    let mut after = start;
    while after < head.seq {
        let page = store::audit::chain_page(conn, after, PAGE).await?;
        let Some(last_seen) = page.last() else { break };
        after = last_seen.seq;
        for e in page.iter().filter(|e| e.seq <= head.seq) {
            let problem = match walker.step(e) {
                Step::Ok => continue,
                Step::Problem(p) => p,
                Step::Link { seq, .. } => ChainProblem::BrokenLink { seq, prev: seq - 1 },
            };
            return Err(VaultError::AuditChain(problem.to_string()));
        }
    }
    if walker.next_seq - 1 != head.seq || walker.prev != head.hash {
        let problem = ChainProblem::HeadMismatch {
            seq: walker.next_seq - 1,
        };
        return Err(VaultError::AuditChain(problem.to_string()));
    }
    Ok(Some((head, last)))
}

/// Signs the current chain head unless it is already checkpointed, after checking the events
/// since the last signed point lead to it (`VaultError::AuditChain` if they do not: nothing is
/// signed). Returns the new checkpoint, or `None` if there was nothing new to sign or another
/// process signed first.
pub async fn write(db: &Store, hsm: &Hsm) -> Result<Option<CheckpointRow>, VaultError> {
    let checked = {
        let mut conn = db.reader().acquire().await?;
        let mut tx = snapshot(&mut conn).await?;
        checked_head(&mut tx).await?
    };
    let Some((head, last)) = checked else {
        return Ok(None);
    };
    let mut row = CheckpointRow {
        seq: head.seq,
        hash: head.hash.to_vec(),
        signed_at: crate::clock::now_millis(),
        key_id: signing::key_id(hsm.audit_public_key()),
        signature: Vec::new(),
        version: VERSION,
        genesis_seq: Some(head.genesis_seq),
        prev_seq: last.as_ref().map(|c| c.seq),
        prev_signature_sha256: last.as_ref().map(signature_digest),
    };
    row.signature = signing::sign(hsm, &statement(&row))?;
    let mut conn = db.writer().acquire().await?;
    let mut tx = conn.begin().await?;
    // Checkpoints are appended in the chain's order: with the head locked, ours must still
    // follow the newest one (else another process signed meanwhile and ours would fork).
    store::audit::lock_head(&mut tx).await?;
    let newest = store::audit_seals::last_checkpoint(&mut tx).await?;
    if newest.map(|c| c.seq) != row.prev_seq {
        return Ok(None);
    }
    match store::audit_seals::insert_checkpoint(&mut tx, &row).await {
        Ok(()) => {}
        Err(store::StoreError::Duplicate) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(Some(row))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn row(version: i64) -> CheckpointRow {
        CheckpointRow {
            seq: 9,
            hash: vec![1; 32],
            signed_at: 5,
            key_id: "k".into(),
            signature: vec![7; 64],
            version,
            genesis_seq: Some(0),
            prev_seq: Some(4),
            prev_signature_sha256: Some(vec![2; 32]),
        }
    }

    #[test]
    fn version_two_signs_the_start_and_the_previous_checkpoint() {
        let v1 = String::from_utf8(statement(&row(1))).unwrap();
        assert!(v1.starts_with("coffer.audit.checkpoint.v1\nseq=9\n"));
        assert!(!v1.contains("prev_seq"));
        let v2 = String::from_utf8(statement(&row(2))).unwrap();
        assert!(v2.contains("genesis_seq=0\nprev_seq=4\nprev_signature_sha256=0202"));
        let mut moved = row(2);
        moved.genesis_seq = Some(3);
        assert_ne!(statement(&moved), statement(&row(2)));
        let mut first = row(2);
        first.prev_seq = None;
        first.prev_signature_sha256 = None;
        assert!(
            String::from_utf8(statement(&first))
                .unwrap()
                .contains("prev_seq=none\nprev_signature_sha256=none\n")
        );
    }
}
