//! Stored-credential mandates and the merchant-initiated uses made under them.

use super::StoreError;
use sqlx::FromRow;
use sqlx::{AnyConnection, Row};

/// One mandate.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MandateRow {
    pub id: String,
    pub payment_method: String,
    pub customer: String,
    pub channel: String,
    pub client: String,
    pub reference: String,
    pub currency: String,
    pub max_amount: Option<i64>,
    pub initial_use: String,
    pub network_transaction_id: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub cancelled_at: Option<i64>,
}

const COLUMNS: &str = "id, payment_method, customer, channel, client, reference, currency, \
     max_amount, initial_use, network_transaction_id, status, created_at, activated_at, cancelled_at";

pub async fn insert(conn: &mut AnyConnection, m: &MandateRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO mandates ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(&m.id)
    .bind(&m.payment_method)
    .bind(&m.customer)
    .bind(&m.channel)
    .bind(&m.client)
    .bind(&m.reference)
    .bind(&m.currency)
    .bind(m.max_amount)
    .bind(&m.initial_use)
    .bind(&m.network_transaction_id)
    .bind(&m.status)
    .bind(m.created_at)
    .bind(m.activated_at)
    .bind(m.cancelled_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<MandateRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mandates WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(MandateRow::from_row(&r)?))
}

/// Activates a pending mandate with the first authorisation's network transaction id.
pub async fn activate(
    conn: &mut AnyConnection,
    id: &str,
    network_transaction_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE mandates SET status = 'active', network_transaction_id = $2, activated_at = $3 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(network_transaction_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a mandate that is not cancelled yet.
pub async fn cancel(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE mandates SET status = 'cancelled', cancelled_at = $2 \
         WHERE id = $1 AND status <> 'cancelled'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that `use_id` was made under `mandate`.
pub async fn link_use(
    conn: &mut AnyConnection,
    use_id: &str,
    mandate: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO mandate_uses (use_id, mandate, created_at) VALUES ($1, $2, $3)")
        .bind(use_id)
        .bind(mandate)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The mandates on `method` that are not cancelled, by id.
pub async fn open_on(conn: &mut AnyConnection, method: &str) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM mandates WHERE payment_method = $1 AND status <> 'cancelled' ORDER BY id",
    )
    .bind(method)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("id")?))
        .collect::<Result<Vec<String>, StoreError>>()
}

/// Moves the mandates on `from` that are not cancelled to `to` (the card was replaced), in the
/// caller's transaction; returns their ids.
pub async fn move_to_replacement(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
) -> Result<Vec<String>, StoreError> {
    let ids = open_on(&mut *conn, from).await?;
    if !ids.is_empty() {
        sqlx::query(
            "UPDATE mandates SET payment_method = $2 \
             WHERE payment_method = $1 AND status <> 'cancelled'",
        )
        .bind(from)
        .bind(to)
        .execute(conn)
        .await?;
    }
    Ok(ids)
}
