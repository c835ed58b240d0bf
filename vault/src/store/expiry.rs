//! The expiry dashboard's queries: counts of live cards by expiry month, brand and channel, and
//! the filtered, keyset-paged list. Both walk the partial index `payment_methods_expiry`
//! (expires_month, brand, channel, id), so their cost follows the rows in range, not the table.

use super::StoreError;
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

/// One row of the list: the masked fields it shows, nothing else (no ciphertext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryRow {
    pub month: i64,
    pub id: String,
    pub customer: String,
    pub brand: Option<String>,
    pub last4: String,
    pub channel: String,
    pub status: String,
}

/// One page of live cards in range, by expiry month, brand, channel and id.
pub async fn list(
    conn: &mut AnyConnection,
    filter: &ExpiryFilter,
    after: Option<&ExpiryCursor>,
    limit: i64,
) -> Result<Vec<ExpiryRow>, StoreError> {
    // Only the shown columns: an export reads up to 100,000 rows, and every column of every
    // row is copied twice on its way out of sqlx.
    let mut sql = format!(
        "SELECT expires_month, id, customer, brand, last4, channel, status FROM payment_methods \
         WHERE {LIVE_SQL} AND expires_month <= $1 AND expires_month >= $2"
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
        // A row value, which PostgreSQL turns into an index seek to the cursor. (Spelled out
        // with ORs it was only a filter there, so a page read every row of the pages before it,
        // a heap fetch each.) SQLite seeks on the month alone — the lower bound `$2` is the
        // cursor's month — and checks the rest on that month's index entries.
        sql.push_str(&format!(
            " AND (expires_month, brand, channel, id) > (${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ));
        n += 4;
    }
    sql.push_str(&format!(
        " ORDER BY expires_month, brand, channel, id LIMIT ${}",
        n + 1
    ));
    let from = filter.from_month.unwrap_or(i64::MIN);
    let mut query = sqlx::query(&sql)
        .bind(filter.to_month)
        .bind(after.map_or(from, |a| a.month.max(from)));
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
        .map(|r| {
            Ok(ExpiryRow {
                month: r.try_get(0)?,
                id: r.try_get(1)?,
                customer: r.try_get(2)?,
                brand: r.try_get(3)?,
                last4: r.try_get(4)?,
                channel: r.try_get(5)?,
                status: r.try_get(6)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::clock::now_millis;
    use crate::lifecycle::{calendar, synthetic};
    use crate::store::{Store, data_keys};

    /// Every page after the first starts right after the cursor: paging through a range returns
    /// exactly the rows of one unpaged query, in order, on each dialect.
    async fn pages_cover_the_range_once(url: &str) {
        let db = Store::connect(url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let key = data_keys::insert_placeholder(&db).await.unwrap();
        let now = now_millis();
        synthetic::seed(&db, &key, 3_000, now, 60, |_| {})
            .await
            .unwrap();
        let current = calendar::month_index(now);
        let mut conn = db.reader().acquire().await.unwrap();
        for (from_month, to_month, brand) in [
            (None, current - 1, None),
            (Some(current), current + 2, None),
            (None, current + 12, Some("visa")),
        ] {
            let filter = ExpiryFilter {
                from_month,
                to_month,
                brand: brand.map(str::to_owned),
                channel: None,
            };
            let all: Vec<String> = list(&mut conn, &filter, None, 100_000)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            assert!(all.len() > 100, "{}", all.len());
            let mut paged = Vec::new();
            let mut after: Option<ExpiryCursor> = None;
            loop {
                let page = list(&mut conn, &filter, after.as_ref(), 37).await.unwrap();
                let Some(last) = page.last() else {
                    break;
                };
                after = Some(ExpiryCursor {
                    month: last.month,
                    brand: last.brand.clone().unwrap_or_default(),
                    channel: last.channel.clone(),
                    id: last.id.clone(),
                });
                paged.extend(page.into_iter().map(|r| r.id));
            }
            assert_eq!(paged, all);
        }
        drop(conn);
        db.close().await;
    }

    #[tokio::test]
    async fn keyset_pages_cover_the_range_once() {
        crate::store::test_support::on_each_database("expiry", |url| async move {
            pages_cover_the_range_once(&url).await;
        })
        .await;
    }
}
