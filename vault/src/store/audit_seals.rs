//! Signed checkpoints of the audit chain and the records of its archives (both append-only).

use super::StoreError;
use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyRow;

/// The chain head at `seq`, signed in the HSM. Version 2 also signs the chain's start and the
/// checkpoint before it, so checkpoints form a chain of their own.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckpointRow {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signed_at: i64,
    pub key_id: String,
    pub signature: Vec<u8>,
    /// 1 (head only) or 2 (chained).
    pub version: i64,
    /// Version 2: the chain's start when it was signed.
    pub genesis_seq: Option<i64>,
    /// Version 2: the checkpoint before it (`None` for the first one ever).
    pub prev_seq: Option<i64>,
    /// Version 2: SHA-256 of the previous checkpoint's signature.
    pub prev_signature_sha256: Option<Vec<u8>>,
}

const CHECKPOINT_COLUMNS: &str = "seq, hash, signed_at, key_id, signature, version, genesis_seq, prev_seq, prev_signature_sha256";

/// A signed, compressed file of events that left the hot table.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ArchiveRow {
    pub id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub first_prev_hash: Vec<u8>,
    pub last_hash: Vec<u8>,
    pub event_count: i64,
    pub first_at: i64,
    pub last_at: i64,
    pub file_name: String,
    pub file_sha256: Vec<u8>,
    pub signature: Vec<u8>,
    pub created_at: i64,
}

pub async fn insert_checkpoint(
    conn: &mut AnyConnection,
    c: &CheckpointRow,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO audit_checkpoints ({CHECKPOINT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    sqlx::query(&sql)
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.signed_at)
        .bind(&c.key_id)
        .bind(&c.signature)
        .bind(c.version)
        .bind(c.genesis_seq)
        .bind(c.prev_seq)
        .bind(&c.prev_signature_sha256)
        .execute(conn)
        .await?;
    Ok(())
}

fn checkpoint_from_row(row: &AnyRow) -> Result<CheckpointRow, sqlx::Error> {
    CheckpointRow::from_row(row)
}

/// Checkpoints after `after_seq`, oldest first.
pub async fn checkpoints_after(
    conn: &mut AnyConnection,
    after_seq: i64,
) -> Result<Vec<CheckpointRow>, StoreError> {
    let sql =
        format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq > $1 ORDER BY seq");
    let rows = sqlx::query(&sql).bind(after_seq).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(checkpoint_from_row)
        .collect::<Result<_, _>>()?)
}

/// The newest checkpoint.
pub async fn last_checkpoint(
    conn: &mut AnyConnection,
) -> Result<Option<CheckpointRow>, StoreError> {
    let sql =
        format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1");
    let row = sqlx::query(&sql).fetch_optional(conn).await?;
    Ok(row.as_ref().map(checkpoint_from_row).transpose()?)
}

const ARCHIVE_COLUMNS: &str = "id, first_seq, last_seq, first_prev_hash, last_hash, event_count, \
     first_at, last_at, file_name, file_sha256, signature, created_at";

pub async fn insert_archive(conn: &mut AnyConnection, a: &ArchiveRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO audit_archives ({ARCHIVE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(&sql)
        .bind(&a.id)
        .bind(a.first_seq)
        .bind(a.last_seq)
        .bind(&a.first_prev_hash)
        .bind(&a.last_hash)
        .bind(a.event_count)
        .bind(a.first_at)
        .bind(a.last_at)
        .bind(&a.file_name)
        .bind(&a.file_sha256)
        .bind(&a.signature)
        .bind(a.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every archive record, oldest first.
pub async fn archives(conn: &mut AnyConnection) -> Result<Vec<ArchiveRow>, StoreError> {
    let sql = format!("SELECT {ARCHIVE_COLUMNS} FROM audit_archives ORDER BY last_seq");
    let rows = sqlx::query(&sql).fetch_all(conn).await?;
    rows.iter()
        .map(ArchiveRow::from_row)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Removes archived events from the hot table (the database allows it only up to the last
/// archive's `last_seq`).
pub async fn delete_archived_events(
    conn: &mut AnyConnection,
    first_seq: i64,
    last_seq: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM audit_events WHERE seq >= $1 AND seq <= $2")
        .bind(first_seq)
        .bind(last_seq)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
