//! Lifecycle tables: state changes of payment methods and their recorded transitions, expiry
//! alerts, the scheduler's lease, and the record of each run of the retention job.

use super::StoreError;
use super::payment_methods::{COLUMNS, PaymentMethodRow};
use crate::lifecycle::LIVE_SQL;
use sqlx::{AnyConnection, FromRow};

/// Takes the lease `name` for `holder` until `until` if it is free (or already this holder's)
/// at `now`. One statement, so two nodes cannot both win.
pub async fn acquire_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    now: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO job_leases (name, holder, held_until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until \
         WHERE job_leases.held_until <= $4 OR job_leases.holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Frees the lease if `holder` still has it.
pub async fn release_lease(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE job_leases SET held_until = $3 WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

fn rows(found: &[sqlx::any::AnyRow]) -> Result<Vec<PaymentMethodRow>, StoreError> {
    Ok(found
        .iter()
        .map(PaymentMethodRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Live methods in `status` whose expiry month is at most `max_month`, soonest first.
pub async fn methods_ending(
    conn: &mut AnyConnection,
    status: &str,
    max_month: i64,
    limit: i64,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE {LIVE_SQL} AND status = $1 \
         AND expires_month <= $2 ORDER BY expires_month, id LIMIT $3"
    );
    let found = sqlx::query(&sql)
        .bind(status)
        .bind(max_month)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows(&found)
}

/// Live methods created, re-verified and used no later than `cut`.
pub async fn methods_unused(
    conn: &mut AnyConnection,
    cut: i64,
    limit: i64,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE {LIVE_SQL} AND created_at <= $1 \
         AND (last_activity_at IS NULL OR last_activity_at <= $1) \
         AND NOT EXISTS (SELECT 1 FROM payment_method_uses u \
                         WHERE u.payment_method = payment_methods.id AND u.created_at > $1) \
         ORDER BY created_at, id LIMIT $2"
    );
    let found = sqlx::query(&sql)
        .bind(cut)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows(&found)
}

/// Archived and replaced methods taken out of use no later than `cut`.
pub async fn methods_retired(
    conn: &mut AnyConnection,
    cut: i64,
    limit: i64,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE status IN ('archived', 'replaced') \
         AND archived_at <= $1 ORDER BY archived_at, id LIMIT $2"
    );
    let found = sqlx::query(&sql)
        .bind(cut)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows(&found)
}

/// Moves a method from `from` to `to` (archived and replaced also stamp `archived_at`).
/// Returns false if it was no longer in `from`.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let retired = matches!(to, "archived" | "replaced");
    let done = sqlx::query(
        "UPDATE payment_methods SET status = $3, updated_at = $4, \
         archived_at = CASE WHEN $5 = 1 THEN $4 ELSE archived_at END \
         WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .bind(i64::from(retired))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a live method replaced by `by`.
pub async fn mark_replaced(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE payment_methods SET status = 'replaced', replaced_by = $2, updated_at = $3, \
         archived_at = $3 WHERE id = $1 AND {LIVE_SQL}"
    );
    let done = sqlx::query(&sql)
        .bind(id)
        .bind(by)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A confirmed new expiry: the masked metadata, the resealed secret, and back to `active`.
pub struct NewExpiry<'a> {
    pub exp_month: i64,
    pub exp_year: i64,
    pub display: &'a str,
    pub key_id: &'a str,
    pub nonce: &'a [u8],
    pub ciphertext: &'a [u8],
}

/// Applies a new expiry to a live method. Returns false if it is no longer live.
pub async fn update_expiry(
    conn: &mut AnyConnection,
    id: &str,
    e: &NewExpiry<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE payment_methods SET exp_month = $2, exp_year = $3, display = $4, key_id = $5, \
         nonce = $6, ciphertext = $7, status = 'active', updated_at = $8, last_activity_at = $8 \
         WHERE id = $1 AND {LIVE_SQL}"
    );
    let done = sqlx::query(&sql)
        .bind(id)
        .bind(e.exp_month)
        .bind(e.exp_year)
        .bind(e.display)
        .bind(e.key_id)
        .bind(e.nonce)
        .bind(e.ciphertext)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One recorded change of state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TransitionRow {
    pub payment_method: String,
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

pub async fn insert_transition(
    conn: &mut AnyConnection,
    t: &TransitionRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payment_method_transitions \
         (payment_method, from_status, to_status, reason, actor, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&t.payment_method)
    .bind(&t.from_status)
    .bind(&t.to_status)
    .bind(&t.reason)
    .bind(&t.actor)
    .bind(t.at)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(feature = "test-support")]
/// A method's transitions, oldest first.
pub async fn transitions_of(
    conn: &mut AnyConnection,
    payment_method: &str,
) -> Result<Vec<TransitionRow>, StoreError> {
    let found = sqlx::query(
        "SELECT payment_method, from_status, to_status, reason, actor, at \
         FROM payment_method_transitions WHERE payment_method = $1 ORDER BY seq",
    )
    .bind(payment_method)
    .fetch_all(conn)
    .await?;
    found
        .iter()
        .map(|r| Ok(TransitionRow::from_row(r)?))
        .collect()
}

/// One expiry alert.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertRow {
    pub id: String,
    pub payment_method: String,
    pub lead_days: i64,
    pub expires_month: i64,
    pub fire_at: i64,
    pub status: String,
    pub reason: Option<String>,
}

/// Schedules an alert unless this method, lead time and expiry has one already.
pub async fn insert_alert(
    conn: &mut AnyConnection,
    a: &AlertRow,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO expiry_alerts (id, payment_method, lead_days, expires_month, fire_at, \
         status, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&a.id)
    .bind(&a.payment_method)
    .bind(a.lead_days)
    .bind(a.expires_month)
    .bind(a.fire_at)
    .bind(&a.status)
    .bind(&a.reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn alert_rows(found: &[sqlx::any::AnyRow]) -> Result<Vec<AlertRow>, StoreError> {
    found.iter().map(|r| Ok(AlertRow::from_row(r)?)).collect()
}

const ALERT_COLUMNS: &str = "id, payment_method, lead_days, expires_month, fire_at, status, reason";

/// Pending alerts due by `now`, grouped by method (so one run decides a method's alerts
/// together).
pub async fn due_alerts(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<AlertRow>, StoreError> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM expiry_alerts WHERE status = 'pending' AND fire_at <= $1 \
         ORDER BY payment_method, lead_days LIMIT $2"
    );
    let found = sqlx::query(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    alert_rows(&found)
}

#[cfg(feature = "test-support")]
/// A method's alerts, by lead time, longest first.
pub async fn alerts_of(
    conn: &mut AnyConnection,
    payment_method: &str,
) -> Result<Vec<AlertRow>, StoreError> {
    let sql = format!(
        "SELECT {ALERT_COLUMNS} FROM expiry_alerts WHERE payment_method = $1 \
         ORDER BY expires_month, lead_days DESC"
    );
    let found = sqlx::query(&sql)
        .bind(payment_method)
        .fetch_all(conn)
        .await?;
    alert_rows(&found)
}

/// Settles a pending alert: sent, suppressed (with why) or skipped.
pub async fn decide_alert(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE expiry_alerts SET status = $2, reason = $3, decided_at = $4 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One run of the lifecycle job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRow {
    pub id: String,
    pub node: String,
    pub clock: i64,
    pub started_at: i64,
    pub finished_at: i64,
    pub counts: String,
}

pub async fn insert_run(conn: &mut AnyConnection, r: &RunRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO lifecycle_runs (id, node, clock, started_at, finished_at, counts) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&r.id)
    .bind(&r.node)
    .bind(r.clock)
    .bind(r.started_at)
    .bind(r.finished_at)
    .bind(&r.counts)
    .execute(conn)
    .await?;
    Ok(())
}

/// The latest runs, newest first.
pub async fn recent_runs(conn: &mut AnyConnection, limit: i64) -> Result<Vec<RunRow>, StoreError> {
    let found = sqlx::query(
        "SELECT id, node, clock, started_at, finished_at, counts FROM lifecycle_runs \
         ORDER BY started_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    found.iter().map(|r| Ok(RunRow::from_row(r)?)).collect()
}
