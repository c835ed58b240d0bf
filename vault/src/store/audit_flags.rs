//! The daily review's flags (PCI DSS 10.4.1): raised once per day, kind and subject; reviewed
//! once, with a note, by a compliance officer.

use super::StoreError;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FlagRow {
    pub id: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub kind: String,
    pub subject: String,
    pub summary: String,
    pub event_count: i64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub raised_at: i64,
    pub reviewed_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub review_note: Option<String>,
}

const COLUMNS: &str = "id, day, kind, subject, summary, event_count, first_seq, last_seq, \
     raised_at, reviewed_at, reviewed_by, review_note";

fn from_row(row: &AnyRow) -> Result<FlagRow, sqlx::Error> {
    FlagRow::from_row(row)
}

/// Inserts a flag unless the same (day, kind, subject) was already raised. Returns whether it
/// was new.
pub async fn raise(conn: &mut AnyConnection, f: &FlagRow) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO audit_flags ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12) ON CONFLICT (day, kind, subject) DO NOTHING"
    );
    let done = sqlx::query(&sql)
        .bind(&f.id)
        .bind(&f.day)
        .bind(&f.kind)
        .bind(&f.subject)
        .bind(&f.summary)
        .bind(f.event_count)
        .bind(f.first_seq)
        .bind(f.last_seq)
        .bind(f.raised_at)
        .bind(f.reviewed_at)
        .bind(&f.reviewed_by)
        .bind(&f.review_note)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Flags, newest day first: only unreviewed ones when `open_only`.
pub async fn list(
    conn: &mut AnyConnection,
    open_only: bool,
    limit: i64,
) -> Result<Vec<FlagRow>, StoreError> {
    let filter = if open_only {
        "WHERE reviewed_at IS NULL"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_flags {filter} ORDER BY day DESC, raised_at DESC, id LIMIT $1"
    );
    let rows = sqlx::query(&sql).bind(limit).fetch_all(conn).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<FlagRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM audit_flags WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Marks a flag reviewed (once). Returns whether this call did it.
pub async fn mark_reviewed(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    note: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE audit_flags SET reviewed_at = $1, reviewed_by = $2, review_note = $3 \
         WHERE id = $4 AND reviewed_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(note)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Days with unreviewed flags and how many, newest first.
pub async fn open_days(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, COUNT(*) AS n FROM audit_flags WHERE reviewed_at IS NULL \
         GROUP BY day ORDER BY day DESC",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("day")?, r.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Per-group counts for the review rules: `(group key, count, first seq, last seq)` of events of
/// `action` (and `outcome` when given) within `seq` in `[lo, hi]`, grouped by `group_by`
/// (`actor_id` or `origin_ip`), keeping groups of at least `min`.
pub async fn grouped_counts(
    conn: &mut AnyConnection,
    group_by: &'static str,
    actions: &[&str],
    outcome: Option<&str>,
    (lo, hi): (i64, i64),
    min: i64,
) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
    let list: Vec<String> = (0..actions.len()).map(|i| format!("${}", i + 3)).collect();
    let mut sql = format!(
        "SELECT COALESCE({group_by}, '(none)') AS k, COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi \
         FROM audit_events WHERE seq >= $1 AND seq <= $2 AND action IN ({})",
        list.join(", ")
    );
    let next = actions.len() + 3;
    if outcome.is_some() {
        sql.push_str(&format!(" AND outcome = ${next}"));
    }
    sql.push_str(&format!(
        " GROUP BY {group_by} HAVING COUNT(*) >= ${} ORDER BY n DESC",
        next + usize::from(outcome.is_some())
    ));
    let mut q = sqlx::query(&sql).bind(lo).bind(hi);
    for a in actions {
        q = q.bind(*a);
    }
    if let Some(o) = outcome {
        q = q.bind(o);
    }
    let rows = q.bind(min).fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("k")?,
                r.try_get("n")?,
                r.try_get("lo")?,
                r.try_get("hi")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
