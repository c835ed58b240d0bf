//! The `idempotency_keys` table: Stripe-style replay of the first answer to a repeated POST.

use super::StoreError;
use sqlx::{AnyConnection, Row};

/// A finished request's stored answer (masked views only; reveal answers are never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub status_code: u16,
    pub response_body: String,
}

/// What `begin` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use of the key: the caller proceeds and must `complete` or `abandon`.
    Started,
    /// The key was used before and finished: replay this answer (if the request hash matches).
    Finished(IdempotencyRecord),
    /// The key was used before and that request is still in flight, or its hash differs.
    Conflict { same_request: bool },
}

/// A claim still in flight after this long belongs to a request that died (crash, restart).
const STALE_CLAIM_MS: i64 = 60_000;
/// Keys are remembered for a day, like Stripe's.
const RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

pub async fn begin(
    conn: &mut AnyConnection,
    api_key_id: &str,
    key: &str,
    request_hash: &str,
    now: i64,
) -> Result<IdempotencyBegin, StoreError> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2 \
         AND ((status_code = 0 AND created_at < $3) OR created_at < $4)",
    )
    .bind(api_key_id)
    .bind(key)
    .bind(now - STALE_CLAIM_MS)
    .bind(now - RETENTION_MS)
    .execute(&mut *conn)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (api_key_id, idem_key, request_hash, status_code, response_body, created_at) \
         VALUES ($1, $2, $3, 0, NULL, $4) ON CONFLICT (api_key_id, idem_key) DO NOTHING",
    )
    .bind(api_key_id)
    .bind(key)
    .bind(request_hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(IdempotencyBegin::Started);
    }
    let row = sqlx::query(
        "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2",
    )
    .bind(api_key_id)
    .bind(key)
    .fetch_one(conn)
    .await?;
    let stored_hash: String = row.try_get("request_hash")?;
    let status: i64 = row.try_get("status_code")?;
    let body: Option<String> = row.try_get("response_body")?;
    let same_request = stored_hash == request_hash;
    match (same_request, status, body) {
        (true, s, Some(body)) if s > 0 => Ok(IdempotencyBegin::Finished(IdempotencyRecord {
            request_hash: stored_hash,
            status_code: u16::try_from(s).unwrap_or(500),
            response_body: body,
        })),
        _ => Ok(IdempotencyBegin::Conflict { same_request }),
    }
}

pub async fn complete(
    conn: &mut AnyConnection,
    api_key_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE idempotency_keys SET status_code = $3, response_body = $4 WHERE api_key_id = $1 AND idem_key = $2")
        .bind(api_key_id)
        .bind(key)
        .bind(i64::from(status))
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a key whose request failed on our side (5xx), so the client may retry with it.
pub async fn abandon(
    conn: &mut AnyConnection,
    api_key_id: &str,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2 AND status_code = 0",
    )
    .bind(api_key_id)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(())
}
