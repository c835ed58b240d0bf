//! The `audit_events` table: append-only (the database refuses UPDATE and DELETE).

use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One audit record with the PCI DSS 10.2.2 fields. Never holds a PAN or CVC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: String,
    pub occurred_at: i64,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub outcome: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub origin_ip: Option<String>,
    pub user_agent: Option<String>,
    pub channel: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

const COLUMNS: &str = "id, occurred_at, actor_type, actor_id, action, outcome, resource_type, resource_id, \
     origin_ip, user_agent, channel, request_id, reason, detail";

pub async fn insert(conn: &mut AnyConnection, e: &AuditRow) -> Result<(), StoreError> {
    insert_many(conn, &[e]).await
}

/// Appends many events in one statement (in the order given).
pub async fn insert_many(conn: &mut AnyConnection, events: &[&AuditRow]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_events ({COLUMNS}) VALUES {}",
        super::placeholders(conn, events.len(), 14)
    );
    let mut query = sqlx::query(&sql);
    for e in events {
        query = query
            .bind(&e.id)
            .bind(e.occurred_at)
            .bind(&e.actor_type)
            .bind(&e.actor_id)
            .bind(&e.action)
            .bind(&e.outcome)
            .bind(&e.resource_type)
            .bind(&e.resource_id)
            .bind(&e.origin_ip)
            .bind(&e.user_agent)
            .bind(&e.channel)
            .bind(&e.request_id)
            .bind(&e.reason)
            .bind(&e.detail);
    }
    query.execute(conn).await?;
    Ok(())
}

fn from_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: row.try_get("id")?,
        occurred_at: row.try_get("occurred_at")?,
        actor_type: row.try_get("actor_type")?,
        actor_id: row.try_get("actor_id")?,
        action: row.try_get("action")?,
        outcome: row.try_get("outcome")?,
        resource_type: row.try_get("resource_type")?,
        resource_id: row.try_get("resource_id")?,
        origin_ip: row.try_get("origin_ip")?,
        user_agent: row.try_get("user_agent")?,
        channel: row.try_get("channel")?,
        request_id: row.try_get("request_id")?,
        reason: row.try_get("reason")?,
        detail: row.try_get("detail")?,
    })
}

/// Events about one resource, oldest first (a method's history).
pub async fn for_resource(
    conn: &mut AnyConnection,
    resource_id: &str,
) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE resource_id = $1 ORDER BY seq");
    let rows = sqlx::query(&sql).bind(resource_id).fetch_all(conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The newest events, newest first.
pub async fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}
