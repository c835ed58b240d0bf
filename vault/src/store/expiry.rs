//! The expiry dashboard's queries: counts of live cards by expiry month, brand and channel, and
//! the filtered, keyset-paged list. Both walk the partial index `payment_methods_expiry`
//! (expires_month, brand, channel, id), so their cost follows the rows in range, not the table.

use super::StoreError;
use super::payment_methods::{COLUMNS, PaymentMethodRow};
use crate::lifecycle::LIVE_SQL;
use sqlx::{AnyConnection, Row};

/// Live cards expiring in one month, of one brand, from one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    pub month: i64,
    pub brand: String,
    pub channel: String,
    pub count: i64,
}

/// Counts of live cards whose expiry month is at most `max_month`.
pub async fn counts_through(
    conn: &mut AnyConnection,
    max_month: i64,
) -> Result<Vec<MonthCount>, StoreError> {
    let sql = format!(
        "SELECT expires_month, brand, channel, CAST(COUNT(*) AS BIGINT) AS n FROM payment_methods \
         WHERE {LIVE_SQL} AND expires_month <= $1 \
         GROUP BY expires_month, brand, channel ORDER BY expires_month, brand, channel"
    );
    let found = sqlx::query(&sql).bind(max_month).fetch_all(conn).await?;
    found
        .iter()
        .map(|r| {
            Ok(MonthCount {
                month: r.try_get("expires_month")?,
                brand: r.try_get::<Option<String>, _>("brand")?.unwrap_or_default(),
                channel: r.try_get("channel")?,
                count: r.try_get("n")?,
            })
        })
        .collect()
}

/// What the list shows: expiry months from `from_month` to `to_month`, optionally one brand
/// and one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpiryFilter {
    pub from_month: Option<i64>,
    pub to_month: i64,
    pub brand: Option<String>,
    pub channel: Option<String>,
}

/// Where a page ends: the sort key of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryCursor {
    pub month: i64,
    pub brand: String,
    pub channel: String,
    pub id: String,
}

/// One page of live cards in range, by expiry month, brand, channel and id.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &ExpiryFilter,
    after: Option<&ExpiryCursor>,
    limit: i64,
) -> Result<Vec<(i64, PaymentMethodRow)>, StoreError> {
    let mut sql = format!(
        "SELECT {COLUMNS}, expires_month FROM payment_methods WHERE {LIVE_SQL} \
         AND expires_month <= $1 AND expires_month >= $2"
    );
    let mut n = 2;
    let mut param = |sql: &mut String, clause: &str| {
        n += 1;
        sql.push_str(&clause.replace('?', &format!("${n}")));
    };
    if filter.brand.is_some() {
        param(&mut sql, " AND brand = ?");
    }
    if filter.channel.is_some() {
        param(&mut sql, " AND channel = ?");
    }
    if after.is_some() {
        // Spelled out rather than as a row value, so both dialects plan it as an index range.
        let k = n + 1;
        sql.push_str(&format!(
            " AND (expires_month > ${k} OR (expires_month = ${k} AND (brand > ${b} \
             OR (brand = ${b} AND (channel > ${c} OR (channel = ${c} AND id > ${i}))))))",
            b = k + 1,
            c = k + 2,
            i = k + 3
        ));
        n += 4;
    }
    sql.push_str(&format!(
        " ORDER BY expires_month, brand, channel, id LIMIT ${}",
        n + 1
    ));
    let mut query = sqlx::query(&sql)
        .bind(filter.to_month)
        .bind(filter.from_month.unwrap_or(i64::MIN));
    if let Some(b) = &filter.brand {
        query = query.bind(b);
    }
    if let Some(c) = &filter.channel {
        query = query.bind(c);
    }
    if let Some(a) = after {
        query = query
            .bind(a.month)
            .bind(&a.brand)
            .bind(&a.channel)
            .bind(&a.id);
    }
    let found = query.bind(limit).fetch_all(conn).await?;
    found
        .iter()
        .map(|r| Ok((r.try_get("expires_month")?, PaymentMethodRow::from_row(r)?)))
        .collect()
}
