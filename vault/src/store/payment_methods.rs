//! The `payment_methods` table: masked metadata in clear, the secret part only as ciphertext.

use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One stored payment method. `ciphertext` holds the only copy of the PAN (or IBAN, account
/// number…), sealed with AES-256-GCM; it is `None` once the method has been shredded.
#[derive(Clone)]
pub struct PaymentMethodRow {
    pub id: String,
    pub customer: String,
    pub kind: String,
    pub status: String,
    /// Hex HMAC-SHA256 in the HSM over the type and number: duplicate detection only, never
    /// shown. Empty once shredded.
    pub fingerprint: String,
    /// Hex HMAC in the HSM over the owning channel and `fingerprint`: the only fingerprint a
    /// view shows (its first 16 characters), so no two channels see comparable values.
    pub channel_fingerprint: Option<String>,
    pub display: String,
    pub brand: Option<String>,
    pub last4: String,
    pub exp_month: Option<i64>,
    pub exp_year: Option<i64>,
    pub alias: Option<String>,
    pub billing_details: Option<String>,
    pub metadata: Option<String>,
    pub channel: String,
    pub key_id: Option<String>,
    pub nonce: Option<Vec<u8>>,
    pub ciphertext: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
    pub shredded_at: Option<i64>,
}

impl std::fmt::Debug for PaymentMethodRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentMethodRow")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

pub(crate) const COLUMNS: &str = "id, customer, type, status, fingerprint, display, brand, last4, exp_month, exp_year, \
     alias, billing_details, metadata, channel, key_id, nonce, ciphertext, created_at, updated_at, shredded_at, \
     channel_fingerprint";
const COLUMN_COUNT: usize = 21;

impl PaymentMethodRow {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(PaymentMethodRow {
            id: row.try_get("id")?,
            customer: row.try_get("customer")?,
            kind: row.try_get("type")?,
            status: row.try_get("status")?,
            fingerprint: row.try_get("fingerprint")?,
            display: row.try_get("display")?,
            brand: row.try_get("brand")?,
            last4: row.try_get("last4")?,
            exp_month: row.try_get("exp_month")?,
            exp_year: row.try_get("exp_year")?,
            alias: row.try_get("alias")?,
            billing_details: row.try_get("billing_details")?,
            metadata: row.try_get("metadata")?,
            channel: row.try_get("channel")?,
            key_id: row.try_get("key_id")?,
            nonce: row.try_get("nonce")?,
            ciphertext: row.try_get("ciphertext")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            shredded_at: row.try_get("shredded_at")?,
            channel_fingerprint: row.try_get("channel_fingerprint")?,
        })
    }
}

/// Inserts a new row unless a unique key already exists (the customer already has this
/// fingerprint, or — astronomically rarely — the random id or alias collided). Returns whether
/// the row was inserted; one statement, so the duplicate check costs no extra round trip.
pub async fn insert(conn: &mut AnyConnection, r: &PaymentMethodRow) -> Result<bool, StoreError> {
    Ok(!insert_many(conn, &[r]).await?.is_empty())
}

/// Inserts many rows in one statement, skipping those whose unique keys exist already, and
/// returns the ids of the rows it inserted.
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[&PaymentMethodRow],
) -> Result<Vec<String>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO payment_methods ({COLUMNS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        super::placeholders(conn, rows.len(), COLUMN_COUNT)
    );
    let mut query = sqlx::query(&sql);
    for r in rows {
        query = query
            .bind(&r.id)
            .bind(&r.customer)
            .bind(&r.kind)
            .bind(&r.status)
            .bind(&r.fingerprint)
            .bind(&r.display)
            .bind(&r.brand)
            .bind(&r.last4)
            .bind(r.exp_month)
            .bind(r.exp_year)
            .bind(&r.alias)
            .bind(&r.billing_details)
            .bind(&r.metadata)
            .bind(&r.channel)
            .bind(&r.key_id)
            .bind(&r.nonce)
            .bind(&r.ciphertext)
            .bind(r.created_at)
            .bind(r.updated_at)
            .bind(r.shredded_at)
            .bind(&r.channel_fingerprint);
    }
    let inserted = query.fetch_all(conn).await?;
    Ok(inserted
        .iter()
        .map(|row| row.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?)
}

pub async fn find(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PaymentMethodRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM payment_methods WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(PaymentMethodRow::from_row).transpose()?)
}

/// The live (active, expiring or expired) method with this fingerprint that `channel` stored for
/// this customer, if any (duplicate detection never looks at another channel's methods).
pub async fn find_active_by_fingerprint(
    conn: &mut AnyConnection,
    customer: &str,
    channel: &str,
    fingerprint: &str,
) -> Result<Option<PaymentMethodRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE channel = $1 AND customer = $2 AND fingerprint = $3 \
         AND status IN ('active', 'expiring', 'expired')"
    );
    let row = sqlx::query(&sql)
        .bind(channel)
        .bind(customer)
        .bind(fingerprint)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(PaymentMethodRow::from_row).transpose()?)
}

/// A customer's methods (only `channel`'s when given), oldest first, keyset-paged after
/// `(created_at, id)` of `starting_after`.
pub async fn list_by_customer(
    conn: &mut AnyConnection,
    customer: &str,
    channel: Option<&str>,
    starting_after: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let (after_ts, after_id) = starting_after.unwrap_or((i64::MIN, ""));
    let only = if channel.is_some() {
        "AND channel = $5"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE customer = $1 {only} \
         AND (created_at > $2 OR (created_at = $2 AND id > $3)) ORDER BY created_at, id LIMIT $4"
    );
    let mut query = sqlx::query(&sql)
        .bind(customer)
        .bind(after_ts)
        .bind(after_id)
        .bind(limit);
    if let Some(channel) = channel {
        query = query.bind(channel);
    }
    let rows = query.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(PaymentMethodRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Crypto-shreds a method: the ciphertext, nonce and key reference are destroyed, and so are
/// both fingerprints (a shredded card can no longer be matched by anyone); the masked metadata
/// stays for history. Returns false if there was no unshredded method with that id.
pub async fn shred(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payment_methods SET status = 'shredded', ciphertext = NULL, nonce = NULL, key_id = NULL, \
         alias = NULL, fingerprint = '', channel_fingerprint = NULL, updated_at = $2, shredded_at = $2 \
         WHERE id = $1 AND status <> 'shredded'",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces an unshredded method's billing details and metadata (JSON text). Returns false if
/// there is no such method.
pub async fn set_details(
    conn: &mut AnyConnection,
    id: &str,
    billing_details: Option<&str>,
    metadata: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE payment_methods SET billing_details = $2, metadata = $3, updated_at = $4 \
         WHERE id = $1 AND status <> 'shredded'",
    )
    .bind(id)
    .bind(billing_details)
    .bind(metadata)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Card methods with this last 4 whose BIN (first six) is `bin6`, newest first (console search).
pub async fn search_bin_last4(
    conn: &mut AnyConnection,
    bin6: &str,
    last4: &str,
    limit: i64,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE last4 = $1 AND type = 'card' \
         AND display LIKE $2 ORDER BY created_at DESC, id LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(last4)
        .bind(format!("%\"bin\":\"{bin6}\"%"))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(PaymentMethodRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// A customer's usable methods (active or expiring; only `channel`'s when given), most recently
/// used (or re-verified, or created) first; at most 100.
pub async fn list_usable(
    conn: &mut AnyConnection,
    customer: &str,
    channel: Option<&str>,
) -> Result<Vec<PaymentMethodRow>, StoreError> {
    let only = if channel.is_some() {
        "AND channel = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM payment_methods WHERE customer = $1 {only} \
         AND status IN ('active', 'expiring') \
         ORDER BY COALESCE((SELECT MAX(u.created_at) FROM payment_method_uses u \
                            WHERE u.payment_method = payment_methods.id), \
                           last_activity_at, created_at) DESC, id LIMIT 100"
    );
    let mut query = sqlx::query(&sql).bind(customer);
    if let Some(channel) = channel {
        query = query.bind(channel);
    }
    let rows = query.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(PaymentMethodRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Up to `limit` unshredded methods stored before channel fingerprints existed: (id, channel,
/// internal fingerprint).
pub async fn unscoped(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, channel, fingerprint FROM payment_methods \
         WHERE channel_fingerprint IS NULL AND fingerprint <> '' ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("channel")?,
                r.try_get("fingerprint")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Sets a method's channel fingerprint (the backfill of rows stored before it existed), unless
/// it was shredded meanwhile.
pub async fn set_channel_fingerprint(
    conn: &mut AnyConnection,
    id: &str,
    channel_fingerprint: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payment_methods SET channel_fingerprint = $2 \
         WHERE id = $1 AND channel_fingerprint IS NULL AND fingerprint <> ''",
    )
    .bind(id)
    .bind(channel_fingerprint)
    .execute(conn)
    .await?;
    Ok(())
}
