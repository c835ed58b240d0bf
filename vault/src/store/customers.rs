//! The customer tables: second factors (sealed), step-up preferences, single-use links, and
//! uses of stored methods with their step-up state.

use super::StoreError;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One customer factor as stored; `secret` is sealed (a TOTP key or a passkey).
#[derive(Clone)]
pub struct FactorRow {
    pub id: String,
    pub customer: String,
    pub kind: String,
    pub label: String,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub secret: Vec<u8>,
    /// A passkey's credential id (base64url); unique across customers.
    pub credential: Option<String>,
    pub confirmed: bool,
    pub last_step: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl std::fmt::Debug for FactorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactorRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("confirmed", &self.confirmed)
            .finish_non_exhaustive()
    }
}

const FACTOR_COLUMNS: &str = "id, customer, kind, label, key_id, nonce, secret, credential, \
     confirmed, last_step, created_at, last_used_at";

fn factor(row: &AnyRow) -> Result<FactorRow, sqlx::Error> {
    Ok(FactorRow {
        id: row.try_get("id")?,
        customer: row.try_get("customer")?,
        kind: row.try_get("kind")?,
        label: row.try_get("label")?,
        key_id: row.try_get("key_id")?,
        nonce: row.try_get("nonce")?,
        secret: row.try_get("secret")?,
        credential: row.try_get("credential")?,
        confirmed: row.try_get::<i64, _>("confirmed")? != 0,
        last_step: row.try_get("last_step")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

pub async fn insert_factor(conn: &mut AnyConnection, f: &FactorRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO customer_factors ({FACTOR_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&f.id)
    .bind(&f.customer)
    .bind(&f.kind)
    .bind(&f.label)
    .bind(&f.key_id)
    .bind(&f.nonce)
    .bind(&f.secret)
    .bind(&f.credential)
    .bind(i64::from(f.confirmed))
    .bind(f.last_step)
    .bind(f.created_at)
    .bind(f.last_used_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a passkey with this credential id is registered (to anyone).
pub async fn credential_taken(
    conn: &mut AnyConnection,
    credential: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT id FROM customer_factors WHERE credential = $1")
        .bind(credential)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// A customer's factors, oldest first (pending ones too).
pub async fn factors(
    conn: &mut AnyConnection,
    customer: &str,
) -> Result<Vec<FactorRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {FACTOR_COLUMNS} FROM customer_factors WHERE customer = $1 ORDER BY created_at, id"
    ))
    .bind(customer)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(factor).collect::<Result<_, _>>()?)
}

/// Marks a pending TOTP factor confirmed at time step `step`.
pub async fn confirm_factor(
    conn: &mut AnyConnection,
    id: &str,
    step: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE customer_factors SET confirmed = 1, last_step = $2, last_used_at = $3 \
         WHERE id = $1 AND confirmed = 0",
    )
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts TOTP time step `step` only if it is newer than the last one accepted (a code works
/// once, PCI DSS 8.5.1); one statement, so two racing requests cannot both pass.
pub async fn accept_step(
    conn: &mut AnyConnection,
    id: &str,
    step: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE customer_factors SET last_step = $2, last_used_at = $3 \
         WHERE id = $1 AND confirmed = 1 AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a passkey's sealed state (its signature counter moved) and marks it used, only if
/// it is still the state that was read (`old_nonce`): a concurrent use's newer counter is not
/// overwritten with an older one.
pub async fn update_secret(
    conn: &mut AnyConnection,
    id: &str,
    old_nonce: &[u8],
    sealed: &crate::cde::seal::Sealed,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE customer_factors SET key_id = $2, nonce = $3, secret = $4, last_used_at = $5 \
         WHERE id = $1 AND nonce = $6",
    )
    .bind(id)
    .bind(&sealed.key_id)
    .bind(&sealed.nonce)
    .bind(&sealed.ciphertext)
    .bind(now)
    .bind(old_nonce)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes one of the customer's factors; false if it is not theirs.
pub async fn delete_factor(
    conn: &mut AnyConnection,
    customer: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM customer_factors WHERE id = $1 AND customer = $2")
        .bind(id)
        .bind(customer)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the customer asked for a step-up on every use.
pub async fn step_up_always(conn: &mut AnyConnection, customer: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT step_up_always FROM customer_preferences WHERE customer = $1")
        .bind(customer)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("step_up_always")? != 0,
        None => false,
    })
}

pub async fn set_step_up_always(
    conn: &mut AnyConnection,
    customer: &str,
    always: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO customer_preferences (customer, step_up_always, updated_at) \
         VALUES ($1, $2, $3) ON CONFLICT (customer) DO UPDATE \
         SET step_up_always = excluded.step_up_always, updated_at = excluded.updated_at",
    )
    .bind(customer)
    .bind(i64::from(always))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// One link (or customer session) as stored: the id is the token's SHA-256.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub id: String,
    pub customer: String,
    pub purpose: String,
    pub use_id: Option<String>,
    pub ceremony: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// A session: when the customer proved an existing factor (or had none at its start).
    pub verified_at: Option<i64>,
}

const LINK_COLUMNS: &str =
    "id, customer, purpose, use_id, ceremony, created_at, expires_at, used_at, verified_at";

pub async fn insert_link(conn: &mut AnyConnection, l: &LinkRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO customer_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&l.id)
    .bind(&l.customer)
    .bind(&l.purpose)
    .bind(&l.use_id)
    .bind(&l.ceremony)
    .bind(l.created_at)
    .bind(l.expires_at)
    .bind(l.used_at)
    .bind(l.verified_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_link(conn: &mut AnyConnection, id: &str) -> Result<Option<LinkRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {LINK_COLUMNS} FROM customer_links WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(LinkRow::from_row(&row)?))
}

/// Marks an open session proven by an existing factor.
pub async fn verify_session(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE customer_links SET verified_at = $2, ceremony = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts one wrong answer to a session's proof; returns the count.
pub async fn count_session_miss(conn: &mut AnyConnection, id: &str) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "UPDATE customer_links SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("attempts")?)
}

/// Marks a link used if it is still unused and unexpired at `now`; false otherwise (one
/// statement: two racing redemptions cannot both succeed).
pub async fn redeem_link(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE customer_links SET used_at = $2, ceremony = NULL \
         WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores (or clears) the pending WebAuthn ceremony of an open link.
pub async fn set_ceremony(
    conn: &mut AnyConnection,
    id: &str,
    ceremony: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE customer_links SET ceremony = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(ceremony)
        .execute(conn)
        .await?;
    Ok(())
}

/// One use of a stored method.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UseRow {
    pub id: String,
    pub payment_method: String,
    pub customer: String,
    pub amount: i64,
    pub currency: String,
    pub order_ref: String,
    pub channel: String,
    pub client: String,
    pub status: String,
    pub step_up: Option<String>,
    pub failure_code: Option<String>,
    pub factor_kind: Option<String>,
    pub attempts: i64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const USE_COLUMNS: &str = "id, payment_method, customer, amount, currency, order_ref, channel, \
     client, status, step_up, failure_code, factor_kind, attempts, expires_at, created_at, decided_at";

pub async fn insert_use(conn: &mut AnyConnection, u: &UseRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO payment_method_uses ({USE_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&u.id)
    .bind(&u.payment_method)
    .bind(&u.customer)
    .bind(u.amount)
    .bind(&u.currency)
    .bind(&u.order_ref)
    .bind(&u.channel)
    .bind(&u.client)
    .bind(&u.status)
    .bind(&u.step_up)
    .bind(&u.failure_code)
    .bind(&u.factor_kind)
    .bind(u.attempts)
    .bind(u.expires_at)
    .bind(u.created_at)
    .bind(u.decided_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_use(conn: &mut AnyConnection, id: &str) -> Result<Option<UseRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USE_COLUMNS} FROM payment_method_uses WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(UseRow::from_row(&r)?))
}

/// Counts one attempt on an open challenge and returns the new count, or `None` if the
/// challenge is no longer open.
pub async fn count_attempt(conn: &mut AnyConnection, id: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "UPDATE payment_method_uses SET attempts = attempts + 1 \
         WHERE id = $1 AND status = 'requires_action' RETURNING attempts",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("attempts")?),
        None => None,
    })
}

/// Spends an approved use for one reveal by the client that created it, within `since` (unix
/// ms) of its approval; false if it is not there, not approved, another client's, too old, or
/// already spent.
pub async fn spend_for_reveal(
    conn: &mut AnyConnection,
    id: &str,
    method: &str,
    client: &str,
    since: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payment_method_uses SET revealed_at = $5 WHERE id = $1 AND payment_method = $2 \
         AND client = $3 AND status = 'approved' AND revealed_at IS NULL AND decided_at >= $4",
    )
    .bind(id)
    .bind(method)
    .bind(client)
    .bind(since)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Open challenges whose time ran out (at most `limit`).
pub async fn expired_open_uses(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM payment_method_uses WHERE status = 'requires_action' \
         AND expires_at <= $1 ORDER BY expires_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("id")?))
        .collect()
}

/// Wrong answers the customer gave to challenges created since `since` (unix ms).
pub async fn recent_wrong_answers(
    conn: &mut AnyConnection,
    customer: &str,
    since: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(attempts - CASE WHEN status = 'approved' THEN 1 ELSE 0 END), 0) \
         AS BIGINT) AS wrong FROM payment_method_uses WHERE customer = $1 AND created_at >= $2 \
         AND step_up IS NOT NULL",
    )
    .bind(customer)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("wrong")?)
}

/// Ends an open challenge: `approved` (with the factor kind) or `failed` (with a code). False if
/// it was already decided.
pub async fn decide_use(
    conn: &mut AnyConnection,
    id: &str,
    status: &str,
    failure_code: Option<&str>,
    factor_kind: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payment_method_uses SET status = $2, failure_code = $3, factor_kind = $4, \
         decided_at = $5 WHERE id = $1 AND status = 'requires_action'",
    )
    .bind(id)
    .bind(status)
    .bind(failure_code)
    .bind(factor_kind)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Names the payment method a re-verification link is about.
pub async fn set_link_method(
    conn: &mut AnyConnection,
    id: &str,
    payment_method: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE customer_links SET payment_method = $2 WHERE id = $1")
        .bind(id)
        .bind(payment_method)
        .execute(conn)
        .await?;
    Ok(())
}

/// The payment method a link is about, if any.
pub async fn link_method(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT payment_method FROM customer_links WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>, _>("payment_method"))
        .transpose()?
        .flatten())
}

/// A re-verification link as agents see it (never its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverifyLinkRow {
    pub payment_method: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// Wrong submissions so far.
    pub attempts: i64,
}

/// A customer's re-verification links, newest first.
pub async fn reverify_links(
    conn: &mut AnyConnection,
    customer: &str,
) -> Result<Vec<ReverifyLinkRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT payment_method, created_at, expires_at, used_at, attempts FROM customer_links \
         WHERE customer = $1 AND purpose = 'reverify' ORDER BY created_at DESC LIMIT 100",
    )
    .bind(customer)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReverifyLinkRow {
                payment_method: r
                    .try_get::<Option<String>, _>("payment_method")?
                    .unwrap_or_default(),
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                used_at: r.try_get("used_at")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// Points the customer's default method at `payment_method`.
pub async fn set_default_method(
    conn: &mut AnyConnection,
    customer: &str,
    channel: &str,
    payment_method: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO customer_default_methods_by_channel (customer, channel, payment_method, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (customer, channel) DO UPDATE \
         SET payment_method = excluded.payment_method, updated_at = excluded.updated_at",
    )
    .bind(customer)
    .bind(channel)
    .bind(payment_method)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The default methods `channel` (every channel's when `None`) set for the customer.
pub async fn default_methods(
    conn: &mut AnyConnection,
    customer: &str,
    channel: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let only = if channel.is_some() {
        "AND channel = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT payment_method FROM customer_default_methods_by_channel WHERE customer = $1 {only}"
    );
    let mut query = sqlx::query(&sql).bind(customer);
    if let Some(channel) = channel {
        query = query.bind(channel);
    }
    let rows = query.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("payment_method"))
        .collect::<Result<_, _>>()?)
}

/// Wrong answers counted against a link so far.
pub async fn link_attempts(conn: &mut AnyConnection, id: &str) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT attempts FROM customer_links WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("attempts"))
        .transpose()?
        .unwrap_or(i64::MAX))
}
