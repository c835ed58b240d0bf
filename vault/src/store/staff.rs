//! The `staff_users`, `staff_password_history` and `staff_recovery_codes` tables.

use super::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// One staff account as stored. The hash and the sealed TOTP key never leave the vault.
#[derive(Clone)]
pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub roles: String,
    pub can_reveal: bool,
    pub totp_key_id: Option<String>,
    pub totp_nonce: Option<Vec<u8>>,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i64,
    pub locked_until: Option<i64>,
    pub last_active_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Console sessions that signed in before this time (unix ms) have ended.
    pub sessions_valid_from: i64,
}

impl std::fmt::Debug for StaffRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaffRow({}, {}, <hashes hidden>)", self.id, self.email)
    }
}

const COLUMNS: &str = "id, email, password_hash, must_change_password, roles, can_reveal, \
    totp_key_id, totp_nonce, totp_secret, totp_enabled, totp_last_step, failed_attempts, \
    locked_until, last_active_at, disabled_at, disabled_reason, created_at, updated_at, \
    sessions_valid_from";

impl StaffRow {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(StaffRow {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            password_hash: row.try_get("password_hash")?,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
            roles: row.try_get("roles")?,
            can_reveal: row.try_get::<i64, _>("can_reveal")? != 0,
            totp_key_id: row.try_get("totp_key_id")?,
            totp_nonce: row.try_get("totp_nonce")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
            totp_last_step: row.try_get("totp_last_step")?,
            failed_attempts: row.try_get("failed_attempts")?,
            locked_until: row.try_get("locked_until")?,
            last_active_at: row.try_get("last_active_at")?,
            disabled_at: row.try_get("disabled_at")?,
            disabled_reason: row.try_get("disabled_reason")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            sessions_valid_from: row.try_get("sessions_valid_from")?,
        })
    }
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// Inserts a new account and its first password into the history.
pub async fn insert(conn: &mut AnyConnection, u: &StaffRow) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO staff_users ({COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    ))
    .bind(&u.id)
    .bind(&u.email)
    .bind(&u.password_hash)
    .bind(flag(u.must_change_password))
    .bind(&u.roles)
    .bind(flag(u.can_reveal))
    .bind(&u.totp_key_id)
    .bind(&u.totp_nonce)
    .bind(&u.totp_secret)
    .bind(flag(u.totp_enabled))
    .bind(u.totp_last_step)
    .bind(u.failed_attempts)
    .bind(u.locked_until)
    .bind(u.last_active_at)
    .bind(u.disabled_at)
    .bind(&u.disabled_reason)
    .bind(u.created_at)
    .bind(u.updated_at)
    .bind(u.sessions_valid_from)
    .execute(&mut *conn)
    .await?;
    add_history(conn, &u.id, &u.password_hash, u.created_at).await
}

pub async fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<StaffRow>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(StaffRow::from_row).transpose()?)
}

pub async fn find_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<StaffRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM staff_users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(StaffRow::from_row).transpose()?)
}

/// Every account, by email.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<StaffRow>, StoreError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM staff_users ORDER BY email"))
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .map(StaffRow::from_row)
        .collect::<Result<_, _>>()?)
}

/// Counts a failed attempt; the `max`-th locks the account until `lock_until` and restarts the
/// count. Returns whether the account is now locked.
pub async fn record_failure(
    conn: &mut AnyConnection,
    id: &str,
    max: i64,
    lock_until: i64,
    now: i64,
) -> Result<bool, StoreError> {
    sqlx::query(
        "UPDATE staff_users SET \
           locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END, \
           failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END, \
           updated_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(max)
    .bind(lock_until)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let locked: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM staff_users WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?
            .flatten();
    Ok(locked.is_some_and(|t| t > now))
}

/// A complete sign-in: failures forgotten, activity recorded; a lock set meanwhile by racing
/// failures is kept.
pub async fn record_success(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE staff_users SET failed_attempts = 0, locked_until = NULL, last_active_at = $2, \
         updated_at = $2 WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Accepts TOTP time step `step` only if it is newer than the last accepted one (no replay) and
/// the account is neither disabled nor locked at this moment (checked in the same statement, so
/// guesses racing a lockout cannot slip through).
pub async fn accept_totp_step(
    conn: &mut AnyConnection,
    id: &str,
    step: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE staff_users SET totp_last_step = $2 \
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) \
         AND disabled_at IS NULL AND (locked_until IS NULL OR locked_until <= $3)",
    )
    .bind(id)
    .bind(step)
    .bind(crate::clock::now_millis())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a (pending) sealed TOTP key.
pub async fn set_totp(
    conn: &mut AnyConnection,
    id: &str,
    sealed: Option<&crate::cde::seal::Sealed>,
    enabled: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE staff_users SET totp_key_id = $2, totp_nonce = $3, totp_secret = $4, \
         totp_enabled = $5, totp_last_step = NULL, updated_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(sealed.map(|s| s.key_id.clone()))
    .bind(sealed.map(|s| s.nonce.clone()))
    .bind(sealed.map(|s| s.ciphertext.clone()))
    .bind(flag(enabled))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the pending TOTP key enabled.
pub async fn enable_totp(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff_users SET totp_enabled = 1, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a new password hash and records it in the history.
pub async fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    must_change: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE staff_users SET password_hash = $2, must_change_password = $3, updated_at = $4 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(flag(must_change))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    add_history(conn, id, hash, now).await
}

/// An administrator's reset: a new one-time password (to be changed at the next sign-in), the
/// lockout lifted, and every session that signed in before `now` ended.
pub async fn reset_password(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE staff_users SET password_hash = $2, must_change_password = 1, \
         failed_attempts = 0, locked_until = NULL, sessions_valid_from = $3, updated_at = $3 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    add_history(conn, id, hash, now).await
}

/// Removes the account's authenticator and recovery codes and ends its sessions that signed in
/// before `now` (a session that passed the old factor must not enrol a new one of its own).
pub async fn remove_authenticator(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), StoreError> {
    set_totp(conn, id, None, false, now).await?;
    delete_codes(conn, id).await?;
    end_sessions(conn, id, now).await
}

/// Ends every console session of the account that signed in before `now`.
pub async fn end_sessions(conn: &mut AnyConnection, id: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE staff_users SET sessions_valid_from = $2, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

async fn add_history(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO staff_password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The last `n` password hashes, newest first (the current one included).
pub async fn recent_passwords(
    conn: &mut AnyConnection,
    id: &str,
    n: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT password_hash FROM staff_password_history WHERE user_id = $1 \
         ORDER BY created_at DESC LIMIT $2",
    )
    .bind(id)
    .bind(n)
    .fetch_all(conn)
    .await?)
}

pub async fn set_access(
    conn: &mut AnyConnection,
    id: &str,
    roles: &str,
    can_reveal: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE staff_users SET roles = $2, can_reveal = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(roles)
    .bind(flag(can_reveal))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Disables (with a reason) or re-enables an account. Re-enabling restarts the inactivity
/// clock and clears any lock.
pub async fn set_disabled(
    conn: &mut AnyConnection,
    id: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let sql = if reason.is_some() {
        "UPDATE staff_users SET disabled_at = $3, disabled_reason = $2, updated_at = $3 WHERE id = $1"
    } else {
        "UPDATE staff_users SET disabled_at = NULL, disabled_reason = $2, last_active_at = $3, \
         failed_attempts = 0, locked_until = NULL, updated_at = $3 WHERE id = $1"
    };
    sqlx::query(sql)
        .bind(id)
        .bind(reason)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ids of enabled accounts not active since `cutoff`.
pub async fn inactive_since(
    conn: &mut AnyConnection,
    cutoff: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM staff_users WHERE disabled_at IS NULL AND last_active_at < $1",
    )
    .bind(cutoff)
    .fetch_all(conn)
    .await?)
}

/// Replaces the account's pending recovery codes.
pub async fn set_pending_codes(
    conn: &mut AnyConnection,
    id: &str,
    hashes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_recovery_codes WHERE user_id = $1 AND pending = 1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO staff_recovery_codes (user_id, code_hash, pending, used_at) VALUES ($1, $2, 1, NULL)")
            .bind(id)
            .bind(h)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes the pending codes the account's codes (older ones are dropped).
pub async fn activate_codes(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_recovery_codes WHERE user_id = $1 AND pending = 0")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE staff_recovery_codes SET pending = 0 WHERE user_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses an active, unused code; false if there is none with that hash.
pub async fn use_code(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE staff_recovery_codes SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND pending = 0 AND used_at IS NULL \
         AND EXISTS (SELECT 1 FROM staff_users u WHERE u.id = $1 AND u.disabled_at IS NULL \
                     AND (u.locked_until IS NULL OR u.locked_until <= $3))",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops every recovery code of the account (MFA reset).
pub async fn delete_codes(conn: &mut AnyConnection, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_recovery_codes WHERE user_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
