//! The `audit_events` table: append-only (the database refuses UPDATE and DELETE) and
//! hash-chained. Every append locks the chain head row first, so appends from any number of
//! connections or processes form one chain; the appender assigns `seq` (gapless) and the time
//! (never earlier than the event before it).

use super::StoreError;
use crate::audit::chain::{self, Hash};
use sqlx::FromRow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One audit record with the PCI DSS 10.2.2 fields. Never holds a PAN or CVC.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: i64,
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
}

/// An event as stored: its place in the chain and its links (absent before the chain began).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub prev_hash: Option<Vec<u8>>,
    pub hash: Option<Vec<u8>>,
    pub event: AuditRow,
}

/// The chain head: the last event appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The last event written before the chain began (0 on a fresh install).
    pub genesis_seq: i64,
    pub seq: i64,
    pub hash: Hash,
    pub last_at: i64,
}

pub(crate) const COLUMNS: &str = "seq, id, occurred_at, actor_type, actor_id, action, outcome, \
     resource_type, resource_id, origin_ip, user_agent, channel, request_id, reason, detail, \
     prev_hash, hash";
const COLUMN_COUNT: usize = 17;
/// Rows per multi-row INSERT (17 × 64 = 1,088 bind parameters).
const ROWS_PER_STATEMENT: usize = 64;

fn head_from_row(row: &AnyRow) -> Result<ChainHead, StoreError> {
    let hash: Vec<u8> = row.try_get("hash")?;
    Ok(ChainHead {
        genesis_seq: row.try_get("genesis_seq")?,
        seq: row.try_get("seq")?,
        hash: chain::to_hash(&hash).ok_or(StoreError::Corrupt("audit chain head"))?,
        last_at: row.try_get("last_at")?,
    })
}

/// Locks the chain head until the transaction ends (a no-op UPDATE: a row lock in PostgreSQL,
/// the write lock in SQLite) and returns it.
pub(crate) async fn lock_head(conn: &mut AnyConnection) -> Result<ChainHead, StoreError> {
    let row = sqlx::query(
        "UPDATE audit_chain_head SET seq = seq WHERE id = 1 \
         RETURNING genesis_seq, seq, hash, last_at",
    )
    .fetch_one(&mut *conn)
    .await?;
    head_from_row(&row)
}

/// The chain head as last committed (no lock).
pub async fn head(conn: &mut AnyConnection) -> Result<ChainHead, StoreError> {
    let row =
        sqlx::query("SELECT genesis_seq, seq, hash, last_at FROM audit_chain_head WHERE id = 1")
            .fetch_one(conn)
            .await?;
    head_from_row(&row)
}

pub async fn insert(conn: &mut AnyConnection, e: &AuditRow) -> Result<(), StoreError> {
    insert_many(conn, &[e]).await
}

/// Appends events to the chain in the order given, inside the caller's transaction (the head
/// stays locked until it commits or rolls back).
pub async fn insert_many(conn: &mut AnyConnection, events: &[&AuditRow]) -> Result<(), StoreError> {
    let now = crate::clock::now_millis();
    let stamped = events.iter().map(|e| AuditRow {
        occurred_at: now,
        ..(*e).clone()
    });
    append(conn, stamped).await
}

/// Appends events with the times they carry (never earlier than the event before them).
pub(crate) async fn append(
    conn: &mut AnyConnection,
    events: impl ExactSizeIterator<Item = AuditRow>,
) -> Result<(), StoreError> {
    if events.len() == 0 {
        return Ok(());
    }
    let mut head = lock_head(conn).await?;
    let mut chained = Vec::with_capacity(events.len());
    for mut event in events {
        event.occurred_at = event.occurred_at.max(head.last_at);
        let prev = head.hash;
        head.hash = chain::event_hash(&prev, &event);
        head.seq += 1;
        head.last_at = event.occurred_at;
        chained.push(StoredEvent {
            seq: head.seq,
            prev_hash: Some(prev.to_vec()),
            hash: Some(head.hash.to_vec()),
            event,
        });
    }
    for chunk in chained.chunks(ROWS_PER_STATEMENT) {
        write_rows(conn, chunk).await?;
    }
    sqlx::query("UPDATE audit_chain_head SET seq = $1, hash = $2, last_at = $3 WHERE id = 1")
        .bind(head.seq)
        .bind(head.hash.to_vec())
        .bind(head.last_at)
        .execute(conn)
        .await?;
    Ok(())
}

async fn write_rows(conn: &mut AnyConnection, rows: &[StoredEvent]) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES {}",
        super::placeholders(conn, rows.len(), COLUMN_COUNT)
    );
    let mut query = sqlx::query(&sql);
    for r in rows {
        let e = &r.event;
        query = query
            .bind(r.seq)
            .bind(&e.id)
            .bind(e.occurred_at)
            .bind(&e.actor_type)
            .bind(&e.actor_id)
            .bind(&e.action)
            .bind(&e.outcome)
            .bind(&e.resource_type)
            .bind(&e.resource_id)
            .bind(&e.origin_ip)
            .bind(&e.user_agent)
            .bind(&e.channel)
            .bind(&e.request_id)
            .bind(&e.reason)
            .bind(&e.detail)
            .bind(&r.prev_hash)
            .bind(&r.hash);
    }
    query.execute(conn).await?;
    Ok(())
}

fn event_from_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    AuditRow::from_row(row)
}

pub(crate) fn stored_from_row(row: &AnyRow) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        seq: row.try_get("seq")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        event: event_from_row(row)?,
    })
}

/// Events about one resource, oldest first (a method's history).
pub async fn for_resource(
    conn: &mut AnyConnection,
    resource_id: &str,
) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE resource_id = $1 ORDER BY seq");
    let rows = sqlx::query(&sql).bind(resource_id).fetch_all(conn).await?;
    Ok(rows.iter().map(event_from_row).collect::<Result<_, _>>()?)
}

#[cfg(feature = "test-support")]
/// The newest events, newest first.
pub async fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(conn).await?;
    Ok(rows.iter().map(event_from_row).collect::<Result<_, _>>()?)
}

/// Up to `limit` events after `after_seq`, in chain order (verification walks the table so).
pub async fn chain_page(
    conn: &mut AnyConnection,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows.iter().map(stored_from_row).collect::<Result<_, _>>()?)
}

/// One event by its sequence number.
pub async fn by_seq(conn: &mut AnyConnection, seq: i64) -> Result<Option<StoredEvent>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE seq = $1");
    let row = sqlx::query(&sql).bind(seq).fetch_optional(conn).await?;
    Ok(row.as_ref().map(stored_from_row).transpose()?)
}

/// The first event at or before `seq` that carries a hash (an event of the chain sitting where
/// only events from before the chain may be: the chain's start was moved).
pub async fn chained_at_or_before(
    conn: &mut AnyConnection,
    seq: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT seq FROM audit_events WHERE seq <= $1 AND hash IS NOT NULL ORDER BY seq LIMIT 1",
    )
    .bind(seq)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| r.try_get("seq")).transpose()?)
}

/// The sequence number of the event whose hash is `hash`, if any (diagnosing a broken link).
pub async fn seq_of_hash(conn: &mut AnyConnection, hash: &[u8]) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT seq FROM audit_events WHERE hash = $1")
        .bind(hash.to_vec())
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("seq")).transpose()?)
}
