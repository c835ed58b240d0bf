//! Console sessions: stored in the vault's database through the vault's writer (SQLite or
//! PostgreSQL, table `console_sessions`), cookie `HttpOnly`, `SameSite=Strict`, `Secure` behind TLS, ended by the console after the idle
//! timeout (PCI DSS 8.2.8). The session holds who signed in and how far, never a secret.

use crate::config::ConsoleConfig;
use async_trait::async_trait;
use axum::Router;
use coffer_vault::{Vault, VaultError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion};
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie's name.
pub const COOKIE: &str = "coffer_session";
/// The key under which a session keeps its [`StaffSession`].
pub const KEY: &str = "staff";
/// The mark a session ended by the idle timeout keeps until the next sign-in.
pub const EXPIRED: &str = "expired";

/// How long after signing in with a recovery code a member may replace their authenticator.
pub const REPLACE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// What a console session knows about its staff member.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaffSession {
    pub user_id: String,
    /// The second factor was passed (or the authenticator enrolled) in this session.
    pub mfa_passed: bool,
    /// When a fresh TOTP code was last verified (unix ms).
    pub step_up_at: Option<i64>,
    /// The last request (unix ms), for the idle timeout.
    pub last_seen: i64,
    /// When the password was accepted (unix ms): a reset of the account after it ends the
    /// session. Sessions from before this field read 0, so any reset ends them.
    #[serde(default)]
    pub signed_in_at: i64,
    /// When this session's second factor was a recovery code (unix ms): for a few minutes the
    /// member may replace their authenticator themselves.
    #[serde(default)]
    pub recovered_at: Option<i64>,
}

/// The console's sessions, kept in the vault's database through the vault's one writer (the
/// `console_sessions` table of the migrations). A record holds the session's data as JSON.
#[derive(Clone)]
pub struct SessionStore {
    vault: Arc<Vault>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionStore(console_sessions)")
    }
}

fn backend(e: VaultError) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let expires = unix_ms(record.expiry_date);
        // A new id until one is free (ids are 128 random bits: a collision is for the books).
        while !self
            .vault
            .session_insert(&record.id.to_string(), &data, expires)
            .await
            .map_err(backend)?
        {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.vault
            .session_save(
                &record.id.to_string(),
                &encode(record)?,
                unix_ms(record.expiry_date),
            )
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = coffer_vault::clock::now_millis();
        let Some((data, expires)) = self
            .vault
            .session_load(&id.to_string(), now)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_slice(&data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires) * 1_000_000)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.vault
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for SessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        let now = coffer_vault::clock::now_millis();
        self.vault
            .session_delete_expired(now)
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

impl SessionStore {
    pub fn new(vault: Arc<Vault>) -> SessionStore {
        SessionStore { vault }
    }

    /// Adds the session layer to `router`, and a task that deletes expired sessions.
    pub fn apply(&self, router: Router, config: ConsoleConfig) -> Router {
        // The idle timeout itself is enforced by the console on every request (so it can tell
        // the user and record it); the stored record and the cookie outlive it by an hour so
        // that an expired session is recognised as expired rather than as no session at all.
        let expiry = Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(config.idle_timeout.as_secs()).unwrap_or(900) + 3600,
        ));
        let store = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "expired-session cleanup failed");
                }
            }
        });
        router.layer(
            SessionManagerLayer::new(self.clone())
                .with_name(COOKIE)
                .with_http_only(true)
                .with_same_site(SameSite::Strict)
                .with_secure(config.secure_cookies)
                .with_path("/")
                .with_expiry(expiry),
        )
    }
}
