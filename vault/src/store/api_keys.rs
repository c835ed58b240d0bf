//! The `api_keys` table: machine clients, their scopes and the hash of their secret.

use super::StoreError;
use sqlx::{AnyConnection, Row};

#[derive(Clone)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for ApiKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ApiKeyRow({}, {:?}, scopes {:?}, secret <hidden>)",
            self.id, self.name, self.scopes
        )
    }
}

pub async fn insert(conn: &mut AnyConnection, k: &ApiKeyRow) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO api_keys (id, name, secret_hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&k.id)
        .bind(&k.name)
        .bind(&k.secret_hash)
        .bind(&k.scopes)
        .bind(k.created_at)
        .bind(k.revoked_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, name, secret_hash, scopes, created_at, revoked_at FROM api_keys WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(ApiKeyRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        secret_hash: row.try_get("secret_hash")?,
        scopes: row.try_get("scopes")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    }))
}

pub async fn revoke(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Every key, newest first (never the secrets' hashes to a caller outside the vault).
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKeyRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, secret_hash, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ApiKeyRow {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                secret_hash: row.try_get("secret_hash")?,
                scopes: row.try_get("scopes")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
