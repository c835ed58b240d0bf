//! Console session records (`console_sessions`, migration 0012): opaque bytes by id, with the
//! instant they expire. What they hold is the console's business; never a secret.

use super::StoreError;
use sqlx::{AnyConnection, Row};

/// Stores a new record; false when `id` is taken (the caller picks another id).
pub async fn insert(
    conn: &mut AnyConnection,
    id: &str,
    data: &[u8],
    expires_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO console_sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores or replaces the record `id`.
pub async fn save(
    conn: &mut AnyConnection,
    id: &str,
    data: &[u8],
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO console_sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The record `id` and its expiry, unless it has expired by `now`.
pub async fn load(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<Option<(Vec<u8>, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT data, expires_at FROM console_sessions WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.get("data"), r.get("expires_at"))))
}

/// Deletes the record `id` (nothing when there is none).
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM console_sessions WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the records expired by `now`; returns how many.
pub async fn delete_expired(conn: &mut AnyConnection, now: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}
