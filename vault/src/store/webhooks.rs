//! Webhook endpoints (secrets sealed) and the delivery outbox: rows are added in the transaction
//! of the change they report, claimed with a lease (safe with several nodes on one database),
//! and end delivered or dead.

use super::StoreError;
use sqlx::FromRow;
use sqlx::{AnyConnection, Row};

/// One registered endpoint.
#[derive(Clone, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub channel: Option<String>,
    pub client: String,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub secret: Vec<u8>,
    pub created_at: i64,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

pub async fn insert_endpoint(conn: &mut AnyConnection, e: &EndpointRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, channel, client, key_id, nonce, secret, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&e.id)
    .bind(&e.url)
    .bind(&e.channel)
    .bind(&e.client)
    .bind(&e.key_id)
    .bind(&e.nonce)
    .bind(&e.secret)
    .bind(e.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_endpoint(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<EndpointRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, url, channel, client, key_id, nonce, secret, created_at \
         FROM webhook_endpoints WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(EndpointRow::from_row(&r)?))
}

/// What an event is about, for the customer's timeline.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub customer: &'a str,
    pub payment_method: Option<&'a str>,
}

/// Queues one event for every enabled endpoint of `channel` (and those of all channels).
pub async fn enqueue(
    conn: &mut AnyConnection,
    event_id: &str,
    event_type: &str,
    payload: &str,
    channel: &str,
    about: About<'_>,
    now: i64,
) -> Result<u64, StoreError> {
    let endpoints = sqlx::query(
        "SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL \
         AND (channel IS NULL OR channel = $1) ORDER BY id",
    )
    .bind(channel)
    .fetch_all(&mut *conn)
    .await?;
    let mut queued = 0;
    for e in endpoints {
        let endpoint: String = e.try_get("id")?;
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, \
             status, attempts, next_attempt_at, created_at, customer, payment_method) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $7, $8)",
        )
        .bind(crate::token::random_id("whd"))
        .bind(&endpoint)
        .bind(event_id)
        .bind(event_type)
        .bind(payload)
        .bind(now)
        .bind(about.customer)
        .bind(about.payment_method)
        .execute(&mut *conn)
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// A delivery claimed for one try.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` due deliveries until `lease_until` (another node skips them meanwhile;
/// if this one dies, they fall due again when the lease ends).
pub async fn claim_due(
    conn: &mut AnyConnection,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let rows = sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $2 \
         WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' \
                      AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3) \
         AND status = 'pending' AND next_attempt_at <= $1 \
         RETURNING id, endpoint_id, event_id, payload, attempts",
    )
    .bind(now)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(ClaimedDelivery::from_row(r)?))
        .collect()
}

/// Records a try: delivered, retried at `next` (ms), or dead when `next` is `None`.
pub async fn record_attempt(
    conn: &mut AnyConnection,
    id: &str,
    delivered: bool,
    next: Option<i64>,
    error: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let (status, next_at) = match (delivered, next) {
        (true, _) => ("delivered", now),
        (false, Some(at)) => ("pending", at),
        (false, None) => ("dead", now),
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, \
         next_attempt_at = $3, last_error = $4, \
         delivered_at = CASE WHEN $2 = 'delivered' THEN $5 ELSE delivered_at END \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(next_at)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Dead deliveries with their endpoint's URL, newest first.
pub async fn dead(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<crate::service::DeadLetter>, StoreError> {
    let rows = sqlx::query(
        "SELECT d.id, e.url, d.event_id, d.event_type, d.attempts, d.last_error, d.created_at, \
         d.next_attempt_at FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
         WHERE d.status = 'dead' AND e.disabled_at IS NULL \
         ORDER BY d.next_attempt_at DESC, d.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(crate::service::DeadLetter {
                id: r.try_get("id")?,
                url: r.try_get("url")?,
                event_id: r.try_get("event_id")?,
                event_type: r.try_get("event_type")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                died_at: r.try_get("next_attempt_at")?,
            })
        })
        .collect()
}

/// Puts a dead delivery back in the queue with a fresh count of tries. False if it is not dead
/// or its endpoint is disabled.
pub async fn replay(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2 \
         WHERE id = $1 AND status = 'dead' AND endpoint_id IN \
         (SELECT id FROM webhook_endpoints WHERE disabled_at IS NULL)",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An endpoint as operators see it: where it sends, who registered it, and its queue.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EndpointSummaryRow {
    pub id: String,
    pub url: String,
    pub channel: Option<String>,
    pub client: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// Deliveries waiting for their next try.
    pub pending: i64,
    /// Deliveries that failed their last try.
    pub dead: i64,
}

/// Every endpoint (or only endpoint `only`), enabled ones first, newest first within each.
pub async fn list_endpoints(
    conn: &mut AnyConnection,
    only: Option<&str>,
) -> Result<Vec<EndpointSummaryRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.url, e.channel, e.client, e.created_at, e.disabled_at, \
         CAST((SELECT COUNT(*) FROM webhook_deliveries d \
               WHERE d.endpoint_id = e.id AND d.status = 'pending') AS BIGINT) AS pending, \
         CAST((SELECT COUNT(*) FROM webhook_deliveries d \
               WHERE d.endpoint_id = e.id AND d.status = 'dead') AS BIGINT) AS dead \
         FROM webhook_endpoints e WHERE CAST($1 AS TEXT) IS NULL OR e.id = $1 \
         ORDER BY CASE WHEN e.disabled_at IS NULL THEN 0 ELSE 1 END, e.created_at DESC, e.id",
    )
    .bind(only)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(EndpointSummaryRow::from_row(r)?))
        .collect()
}

/// Disables an enabled endpoint: no new events are queued for it, and the deliveries still
/// waiting are cancelled. `None` if there is no such enabled endpoint; else how many were
/// cancelled.
pub async fn disable_endpoint(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<Option<u64>, StoreError> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let cancelled = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'cancelled', last_error = 'endpoint disabled', \
         next_attempt_at = $2 WHERE endpoint_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(Some(cancelled.rows_affected()))
}
