//! Console sessions: stored in the vault's database through tower-sessions (SQLite or
//! PostgreSQL), cookie `HttpOnly`, `SameSite=Strict`, `Secure` behind TLS, ended by the console after the idle
//! timeout (PCI DSS 8.2.8). The session holds who signed in and how far, never a secret.

use crate::config::ConsoleConfig;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::str::FromStr;
use std::time::Duration;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

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

/// The session store for the vault's database.
#[derive(Debug, Clone)]
pub enum SessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionStore {
    /// Connects a small pool of its own to `database_url` and creates the session table.
    pub async fn open(database_url: &str) -> anyhow::Result<SessionStore> {
        if database_url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(database_url)?
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(options)
                .await?;
            let store = SqliteStore::new(pool);
            store.migrate().await?;
            Ok(SessionStore::Sqlite(store))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(database_url)
                .await?;
            // Created by the owner (`coffer migrate`); the service's own role may not create it.
            let exists: Option<String> =
                sqlx::query_scalar("SELECT to_regclass('tower_sessions.session')::text")
                    .fetch_one(&pool)
                    .await?;
            let store = PostgresStore::new(pool);
            if exists.is_none() {
                store.migrate().await?;
            }
            Ok(SessionStore::Postgres(store))
        }
    }

    /// Adds the session layer to `router`, and a task that deletes expired sessions.
    pub fn apply(&self, router: Router, config: ConsoleConfig) -> Router {
        // The idle timeout itself is enforced by the console on every request (so it can tell
        // the user and record it); the stored record and the cookie outlive it by an hour so
        // that an expired session is recognised as expired rather than as no session at all.
        let expiry = Expiry::OnInactivity(time::Duration::seconds(
            i64::try_from(config.idle_timeout.as_secs()).unwrap_or(900) + 3600,
        ));
        macro_rules! layer {
            ($store:expr) => {{
                let store = $store.clone();
                tokio::spawn(async move {
                    if let Err(e) = store
                        .continuously_delete_expired(Duration::from_secs(60))
                        .await
                    {
                        tracing::warn!(error = %e, "expired-session cleanup stopped");
                    }
                });
                router.layer(
                    SessionManagerLayer::new($store.clone())
                        .with_name(COOKIE)
                        .with_http_only(true)
                        .with_same_site(SameSite::Strict)
                        .with_secure(config.secure_cookies)
                        .with_path("/")
                        .with_expiry(expiry),
                )
            }};
        }
        match self {
            SessionStore::Sqlite(store) => layer!(store),
            SessionStore::Postgres(store) => layer!(store),
        }
    }
}
