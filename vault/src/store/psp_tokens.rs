//! PSP tokens (`psp_tokens`, migration 0014): the PSP's id for a stored card, by method.

use super::StoreError;
use sqlx::{AnyConnection, FromRow};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PspTokenRow {
    pub id: String,
    pub payment_method: String,
    pub provider: String,
    pub connection: String,
    pub token: String,
    pub created_at: i64,
}

impl PspTokenRow {
    /// The token as the API, the console and webhooks show it.
    pub fn shown(self) -> crate::relay::connectors::PspToken {
        crate::relay::connectors::PspToken {
            provider: self.provider,
            connection: self.connection,
            token: self.token,
            created: self.created_at / 1000,
        }
    }
}

pub async fn insert(conn: &mut AnyConnection, r: &PspTokenRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO psp_tokens (id, payment_method, provider, connection, token, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.id)
    .bind(&r.payment_method)
    .bind(&r.provider)
    .bind(&r.connection)
    .bind(&r.token)
    .bind(r.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A method's PSP tokens, oldest first.
pub async fn of_method(
    conn: &mut AnyConnection,
    payment_method: &str,
) -> Result<Vec<PspTokenRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, payment_method, provider, connection, token, created_at FROM psp_tokens \
         WHERE payment_method = $1 ORDER BY created_at, id",
    )
    .bind(payment_method)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(PspTokenRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Removes token `id` (the PSP deleted its copy; the audit log keeps the record).
pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM psp_tokens WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
