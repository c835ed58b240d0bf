//! The `data_keys` table: data keys wrapped under the HSM KEK, one row per version.

use super::StoreError;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DataKeyRow {
    pub id: String,
    pub version: i64,
    pub wrapped: Vec<u8>,
    pub kek_label: String,
    pub state: String,
    pub created_at: i64,
}

pub async fn all(conn: &mut AnyConnection) -> Result<Vec<DataKeyRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, version, wrapped, kek_label, state, created_at FROM data_keys ORDER BY version",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(DataKeyRow::from_row)
        .collect::<Result<_, _>>()?)
}

pub async fn insert(conn: &mut AnyConnection, key: &DataKeyRow) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO data_keys (id, version, wrapped, kek_label, state, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&key.id)
        .bind(key.version)
        .bind(&key.wrapped)
        .bind(&key.kek_label)
        .bind(&key.state)
        .bind(key.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reserves `n` more encryptions under key `id` unless that would take its total past `limit`.
/// Returns whether they were reserved (false: the key is spent and must be rotated).
pub async fn reserve_seals(
    conn: &mut AnyConnection,
    id: &str,
    n: i64,
    limit: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE data_keys SET seals_reserved = seals_reserved + $2 \
         WHERE id = $1 AND seals_reserved + $2 <= $3",
    )
    .bind(id)
    .bind(n)
    .bind(limit)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every version but `current` retired (rotation: new writes use only the newest key).
pub async fn retire_all_but(conn: &mut AnyConnection, current: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE data_keys SET state = 'retired' WHERE id <> $1 AND state = 'active'")
        .bind(current)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a placeholder data key (its wrapped bytes open nothing) for store-level tests that
/// need rows referencing a key, and returns its id.
#[cfg(test)]
pub(crate) async fn insert_placeholder(db: &super::Store) -> Result<String, StoreError> {
    let id = format!("dek_{}", crate::token::random_id("t"));
    let mut conn = db.writer().acquire().await?;
    insert(
        &mut conn,
        &DataKeyRow {
            id: id.clone(),
            version: 1,
            wrapped: vec![0; 40],
            kek_label: "kek".into(),
            state: "active".into(),
            created_at: 0,
        },
    )
    .await?;
    Ok(id)
}
