//! Relay connections (`connections`, migrations 0013 and 0015): insert, find an enabled one, list,
//! update, disable.
//! Credentials are stored sealed; this module only moves the ciphertext.

use super::StoreError;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: String,
    pub name: String,
    pub base_url: String,
    /// JSON `[{method, path}]`.
    pub routes: String,
    pub auth_kind: String,
    pub key_id: Option<String>,
    pub nonce: Option<Vec<u8>>,
    pub secret: Option<Vec<u8>>,
    pub ca_pem: Option<String>,
    pub timeout_ms: i64,
    /// JSON `["ak_…"]`, or `None` for any key with the forward scope.
    pub api_keys: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// The client certificate chain (PEM; public). Its key is sealed in `secret`.
    pub client_cert_pem: Option<String>,
    /// 1: forwards written by a channel must name an approved use.
    pub require_use: i64,
    /// When its settings last changed (unix ms), if ever.
    pub updated_at: Option<i64>,
}

const COLUMNS: &str = "id, name, base_url, routes, auth_kind, key_id, nonce, secret, ca_pem, \
                       timeout_ms, api_keys, created_by, created_at, disabled_at, \
                       client_cert_pem, require_use, updated_at";

pub async fn insert(conn: &mut AnyConnection, r: &ConnectionRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO connections ({COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    ))
    .bind(&r.id)
    .bind(&r.name)
    .bind(&r.base_url)
    .bind(&r.routes)
    .bind(&r.auth_kind)
    .bind(&r.key_id)
    .bind(&r.nonce)
    .bind(&r.secret)
    .bind(&r.ca_pem)
    .bind(r.timeout_ms)
    .bind(&r.api_keys)
    .bind(&r.created_by)
    .bind(r.created_at)
    .bind(r.disabled_at)
    .bind(&r.client_cert_pem)
    .bind(r.require_use)
    .bind(r.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The enabled connection `id`, if there is one.
pub async fn find_enabled(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ConnectionRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections WHERE id = $1 AND disabled_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(ConnectionRow::from_row).transpose()?)
}

/// Every connection, enabled ones first, newest first.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<ConnectionRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM connections \
         ORDER BY CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id"
    ))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(ConnectionRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Disables `id`; whether an enabled connection was there.
pub async fn disable(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE connections SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes `r`'s settings over enabled connection `r.id`, if its `updated_at` is still
/// `expected` (no other edit came between); whether it did.
pub async fn update(
    conn: &mut AnyConnection,
    r: &ConnectionRow,
    expected: Option<i64>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE connections SET name = $2, routes = $3, auth_kind = $4, key_id = $5, nonce = $6, \
         secret = $7, ca_pem = $8, timeout_ms = $9, api_keys = $10, client_cert_pem = $11, \
         require_use = $12, updated_at = $13 \
         WHERE id = $1 AND disabled_at IS NULL AND COALESCE(updated_at, 0) = $14",
    )
    .bind(&r.id)
    .bind(&r.name)
    .bind(&r.routes)
    .bind(&r.auth_kind)
    .bind(&r.key_id)
    .bind(&r.nonce)
    .bind(&r.secret)
    .bind(&r.ca_pem)
    .bind(r.timeout_ms)
    .bind(&r.api_keys)
    .bind(&r.client_cert_pem)
    .bind(r.require_use)
    .bind(r.updated_at)
    .bind(expected.unwrap_or(0))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
