//! Searching the audit log: filters, newest first, keyset paging on `seq`. A time range becomes a
//! `seq` range first (event times never go backwards along the chain), so every filter is served
//! by an index seek on `(column, seq)` however large the log.

use super::StoreError;
use super::audit::{COLUMNS, StoredEvent, stored_from_row};
use sqlx::{AnyConnection, Row};

/// A compliance officer's filter. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    pub actor_id: Option<String>,
    /// An exact event type, or a prefix ending in `*` (e.g. `staff.*`).
    pub action: Option<String>,
    pub resource_id: Option<String>,
    pub outcome: Option<String>,
    pub origin_ip: Option<String>,
    /// Case-insensitive substring of the stated reason.
    pub reason: Option<String>,
}

/// The `seq` range a time range covers, or `None` if no event falls in it.
pub async fn seq_range(
    conn: &mut AnyConnection,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Option<(i64, i64)>, StoreError> {
    let lo = match from {
        None => i64::MIN,
        Some(from) => {
            let row = sqlx::query(
                "SELECT MIN(seq) AS s FROM audit_events WHERE occurred_at = \
                 (SELECT MIN(occurred_at) FROM audit_events WHERE occurred_at >= $1)",
            )
            .bind(from)
            .fetch_one(&mut *conn)
            .await?;
            match row.try_get::<Option<i64>, _>("s")? {
                Some(s) => s,
                None => return Ok(None),
            }
        }
    };
    let hi = match to {
        None => i64::MAX,
        Some(to) => {
            let row = sqlx::query(
                "SELECT MAX(seq) AS s FROM audit_events WHERE occurred_at = \
                 (SELECT MAX(occurred_at) FROM audit_events WHERE occurred_at < $1)",
            )
            .bind(to)
            .fetch_one(&mut *conn)
            .await?;
            match row.try_get::<Option<i64>, _>("s")? {
                Some(s) => s,
                None => return Ok(None),
            }
        }
    };
    Ok((lo <= hi).then_some((lo, hi)))
}

fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Up to `limit` events matching `filter` with `seq < before` (all when `None`), newest first.
pub async fn search(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let Some((lo, hi)) = seq_range(conn, filter.from, filter.to).await? else {
        return Ok(Vec::new());
    };
    let hi = before.map_or(hi, |b| hi.min(b.saturating_sub(1)));
    let mut conds = vec!["seq >= $1".to_owned(), "seq <= $2".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let mut eq = |column: &str, value: &Option<String>, conds: &mut Vec<String>| {
        if let Some(v) = value {
            binds.push(v.clone());
            conds.push(format!("{column} = ${}", binds.len() + 2));
        }
    };
    eq("actor_id", &filter.actor_id, &mut conds);
    eq("resource_id", &filter.resource_id, &mut conds);
    eq("outcome", &filter.outcome, &mut conds);
    eq("origin_ip", &filter.origin_ip, &mut conds);
    match filter.action.as_deref() {
        Some(prefix) if prefix.ends_with('*') => {
            // An index range, not a LIKE: [prefix, prefix with its last character incremented)
            // (the column compares bytewise: COLLATE "C" in PostgreSQL, BINARY in SQLite).
            let prefix = prefix.trim_end_matches('*');
            if let Some(last) = prefix.chars().last() {
                let next = char::from_u32(u32::from(last) + 1).unwrap_or(char::MAX);
                let upper = format!("{}{next}", &prefix[..prefix.len() - last.len_utf8()]);
                binds.push(prefix.to_owned());
                binds.push(upper);
                let n = binds.len() + 2;
                conds.push(format!("action >= ${} AND action < ${n}", n - 1));
            }
        }
        Some(exact) => {
            binds.push(exact.to_owned());
            conds.push(format!("action = ${}", binds.len() + 2));
        }
        None => {}
    }
    if let Some(reason) = &filter.reason {
        binds.push(like_pattern(reason));
        conds.push(format!(
            "LOWER(reason) LIKE ${} ESCAPE '\\'",
            binds.len() + 2
        ));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events WHERE {} ORDER BY seq DESC LIMIT ${}",
        conds.join(" AND "),
        binds.len() + 3
    );
    let mut query = sqlx::query(&sql).bind(lo).bind(hi);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.bind(limit).fetch_all(conn).await?;
    Ok(rows.iter().map(stored_from_row).collect::<Result<_, _>>()?)
}

/// Every event of one action and outcome in a time range, oldest first (for review rules over
/// rare events such as reveals and key creations).
pub async fn by_action_between(
    conn: &mut AnyConnection,
    action: &str,
    outcome: &str,
    from: i64,
    to: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let filter = AuditFilter {
        from: Some(from),
        to: Some(to),
        action: Some(action.to_owned()),
        outcome: Some(outcome.to_owned()),
        ..AuditFilter::default()
    };
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = search(conn, &filter, before, 1_000).await?;
        let done = page.len() < 1_000;
        before = page.last().map(|e| e.seq);
        out.extend(page);
        if done {
            break;
        }
    }
    out.reverse();
    Ok(out)
}
