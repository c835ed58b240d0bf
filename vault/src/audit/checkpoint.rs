//! Signed checkpoints: the chain head (sequence number and hash) signed in the HSM at intervals,
//! so rewriting the chain up to a checkpoint — even recomputing every hash — is detected.

use super::signing;
use crate::keys::Hsm;
use crate::store::{self, CheckpointRow};
use sqlx::AnyConnection;

/// What a checkpoint signature covers.
pub fn statement(seq: i64, hash: &[u8], signed_at: i64) -> Vec<u8> {
    format!(
        "coffer.audit.checkpoint.v1\nseq={seq}\nhash={}\nsigned_at={signed_at}\n",
        hex::encode(hash)
    )
    .into_bytes()
}

/// Whether the checkpoint's signature is valid under `public_key`.
pub fn signature_valid(c: &CheckpointRow, public_key: &[u8]) -> bool {
    signing::verify(
        public_key,
        &statement(c.seq, &c.hash, c.signed_at),
        &c.signature,
    )
}

/// Signs the current chain head unless it is already checkpointed. Returns the new checkpoint.
pub async fn write(
    conn: &mut AnyConnection,
    hsm: &Hsm,
) -> Result<Option<CheckpointRow>, crate::VaultError> {
    let head = store::audit::head(conn).await?;
    if head.seq <= head.genesis_seq {
        return Ok(None);
    }
    let last = store::audit_seals::last_checkpoint(conn).await?;
    if last.is_some_and(|c| c.seq >= head.seq) {
        return Ok(None);
    }
    let signed_at = store::now_millis();
    let signature = signing::sign(hsm, &statement(head.seq, &head.hash, signed_at))?;
    let row = CheckpointRow {
        seq: head.seq,
        hash: head.hash.to_vec(),
        signed_at,
        key_id: signing::key_id(hsm.audit_public_key()),
        signature,
    };
    match store::audit_seals::insert_checkpoint(conn, &row).await {
        Ok(()) => Ok(Some(row)),
        // Another process signed the same head first.
        Err(store::StoreError::Duplicate) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
