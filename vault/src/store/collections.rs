//! Who asked for a card-collection link and why (columns of `customer_links`, migration 0011).

use super::StoreError;
use sqlx::{AnyConnection, Row};

/// Records the staff member who issued link `id` and their reason.
pub async fn set_issuer(
    conn: &mut AnyConnection,
    id: &str,
    issued_by: &str,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE customer_links SET issued_by = $2, reason = $3 WHERE id = $1")
        .bind(id)
        .bind(issued_by)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

/// (issued by, reason) of link `id`, if it has them.
pub async fn issuer(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let row = sqlx::query("SELECT issued_by, reason FROM customer_links WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let by: Option<String> = row.try_get("issued_by")?;
    let reason: Option<String> = row.try_get("reason")?;
    Ok(by.map(|by| (by, reason.unwrap_or_default())))
}
