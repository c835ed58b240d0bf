//! The `api_keys` table: machine clients, their scopes, the hash of their secret, who issued and
//! approved them, and their optional expiry and IP allow-list.

use super::StoreError;
use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyRow;

#[derive(Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    /// The channel the key acts for (methods it stores belong to this channel).
    pub name: String,
    pub secret_hash: Vec<u8>,
    pub scopes: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The actor id that issued it (`coffer-cli`, a staff account id).
    pub created_by: Option<String>,
    /// `None` while it waits for a second security admin's approval (unusable until then).
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    /// Unix ms after which the key stops working.
    pub expires_at: Option<i64>,
    /// Space-separated CIDRs the key may be used from; `None`: anywhere.
    pub allowed_ips: Option<String>,
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

const COLUMNS: &str = "id, name, secret_hash, scopes, created_at, revoked_at, created_by, \
     approved_at, approved_by, expires_at, allowed_ips";

fn from_row(row: &AnyRow) -> Result<ApiKeyRow, sqlx::Error> {
    ApiKeyRow::from_row(row)
}

pub async fn insert(conn: &mut AnyConnection, k: &ApiKeyRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO api_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    sqlx::query(&sql)
        .bind(&k.id)
        .bind(&k.name)
        .bind(&k.secret_hash)
        .bind(&k.scopes)
        .bind(k.created_at)
        .bind(k.revoked_at)
        .bind(&k.created_by)
        .bind(k.approved_at)
        .bind(&k.approved_by)
        .bind(k.expires_at)
        .bind(&k.allowed_ips)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
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

/// Approves a waiting key unless `approver` issued it. Returns whether it was approved.
pub async fn approve(
    conn: &mut AnyConnection,
    id: &str,
    approver: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_keys SET approved_at = $2, approved_by = $3 WHERE id = $1 \
         AND approved_at IS NULL AND revoked_at IS NULL AND COALESCE(created_by, '') <> $3",
    )
    .bind(id)
    .bind(now)
    .bind(approver)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every key, newest first (never the secrets' hashes to a caller outside the vault).
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<ApiKeyRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(from_row)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
