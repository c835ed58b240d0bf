//! Persistence over sqlx: SQLite (embedded, WAL) or PostgreSQL, chosen by the database URL.
//! One set of queries serves both (`$n` placeholders work in each); the schema lives per dialect
//! in `migrations/`.

pub mod api_keys;
pub mod audit;
pub mod audit_flags;
pub mod audit_seals;
pub mod audit_search;
mod batch;
pub mod collections;
pub mod connections;
pub mod customers;
pub mod data_keys;
mod error;
pub mod expiry;
pub mod idempotency;
pub mod lifecycle;
pub mod mandates;
pub mod payment_methods;
pub mod psp_tokens;
#[cfg(test)]
mod schema_parity;
pub mod sessions;
pub mod staff;
pub mod timeline;
pub mod webhooks;

pub use api_keys::ApiKeyRow;
pub use audit::{AuditRow, ChainHead, StoredEvent};
pub use audit_seals::{ArchiveRow, CheckpointRow};
pub use batch::{Batcher, WriteOp};
pub use data_keys::DataKeyRow;
pub use error::StoreError;
pub use idempotency::{IdempotencyBegin, IdempotencyRecord};
pub use payment_methods::PaymentMethodRow;
pub use staff::StaffRow;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Which SQL dialect the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The database: a writer pool and a reader pool. For SQLite the writer pool has exactly one
/// connection, so writers queue in-process instead of spinning on SQLite's busy handler.
#[derive(Clone, Debug)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    dialect: Dialect,
    batcher: Batcher,
}

const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; \
     PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864;";

/// When SQLite's writer makes a commit durable. `Full` (the default) syncs the WAL at every
/// commit, so an acknowledged write and its audit event survive a power loss; `Normal` syncs
/// only at checkpoints (a power loss can roll back what was acknowledged since): for
/// measurements only, never for card data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    #[default]
    Full,
    Normal,
}

impl Synchronous {
    pub fn parse(s: &str) -> Option<Synchronous> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Some(Synchronous::Full),
            "normal" => Some(Synchronous::Normal),
            _ => None,
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "PRAGMA synchronous = FULL",
            Synchronous::Normal => "PRAGMA synchronous = NORMAL",
        }
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`), SQLite's writer syncing
    /// every commit.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        Store::connect_with(url, max_connections, Synchronous::Full).await
    }

    /// [`Store::connect`] with SQLite's writer at `synchronous`.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        synchronous: Synchronous,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = |max: u32, writer: bool| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if dialect == Dialect::Sqlite {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            if writer {
                                conn.execute(synchronous.pragma()).await?;
                                // Only the writer keeps a large page cache: a reader's cache is
                                // cleared whenever the database changed, so a big one costs more.
                                conn.execute("PRAGMA cache_size = -32768").await?;
                            }
                        }
                        Ok(())
                    })
                })
        };
        let (writer, reader) = match dialect {
            Dialect::Sqlite => {
                let writer = pool(1, true).connect_with(options.clone()).await?;
                (
                    writer,
                    pool(max_connections.max(1), false)
                        .connect_with(options)
                        .await?,
                )
            }
            Dialect::Postgres => {
                let shared = pool(max_connections.max(2), true)
                    .connect_with(options)
                    .await?;
                (shared.clone(), shared)
            }
        };
        let batcher = Batcher::spawn(writer.clone());
        if dialect == Dialect::Sqlite {
            tokio::spawn(checkpoint_wal(reader.clone()));
        }
        Ok(Store {
            writer,
            reader,
            dialect,
            batcher,
        })
    }

    /// Applies the embedded migrations for this dialect, unless every one is applied already
    /// (so the service can run as a PostgreSQL role that may not change the schema, while
    /// `coffer migrate` runs as the owner: docs/postgres-roles.md).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        if self.migrations_current(migrator).await {
            return Ok(());
        }
        migrator.run(&self.writer).await?;
        Ok(())
    }

    /// Whether every embedded migration is recorded as applied (false if that cannot be read).
    async fn migrations_current(&self, migrator: &sqlx::migrate::Migrator) -> bool {
        use sqlx::Row;
        let applied = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.reader)
            .await;
        let Ok(rows) = applied else {
            return false;
        };
        let applied: std::collections::HashSet<i64> = rows
            .iter()
            .filter_map(|r| r.try_get::<i64, _>("version").ok())
            .collect();
        migrator.iter().all(|m| applied.contains(&m.version))
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool for transactions that write.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Group-committed writes (the hot path: tokenize rows and audit events).
    pub fn batcher(&self) -> &Batcher {
        &self.batcher
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// A round trip to the database, and the group-commit writer is alive (readiness probe).
    pub async fn ping(&self) -> Result<(), StoreError> {
        if !self.batcher.is_running() {
            return Err(StoreError::WriterStopped);
        }
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Closes both pools (checkpointing the SQLite WAL on the last connection).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The placeholders of a multi-row VALUES list: `($1, …), ($n+1, …)` for PostgreSQL, anonymous
/// `(?, …), (?, …)` for SQLite, where sqlx resolves each named parameter by a linear search
/// (quadratic for a statement of a thousand parameters; it showed at 7 % of the profile).
pub(crate) fn placeholders(conn: &AnyConnection, rows: usize, cols: usize) -> String {
    let numbered = !conn.backend_name().eq_ignore_ascii_case("sqlite");
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            if numbered {
                out.push('$');
                out.push_str(&(r * cols + c + 1).to_string());
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

/// Checkpoints the SQLite WAL in the background (auto-checkpointing is off), so the writer never
/// stalls on a checkpoint's fsync. Only PASSIVE checkpoints: they never wait for readers or block
/// the writer (a TRUNCATE or RESTART checkpoint holds the write lock while it waits for readers,
/// which stalled writes for seconds under load). The WAL is reused from its start once fully
/// checkpointed, and `journal_size_limit` trims the file then. Ends when the pool is closed.
async fn checkpoint_wal(pool: AnyPool) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// Test support shared by the store's tests.
#[cfg(test)]
pub(crate) mod test_support {
    #![allow(clippy::unwrap_used)]
    use super::Store;

    /// Runs `check` with the URL of a fresh SQLite file, then, when `COFFER_TEST_POSTGRES_URL`
    /// is set, of a PostgreSQL database of its own (seeding refuses one holding other tests'
    /// methods), dropped afterwards.
    pub async fn on_each_database<F, Fut>(name: &str, check: F)
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let dir = tempfile::tempdir().unwrap();
        check(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("t.db").display()
        ))
        .await;
        let Ok(pg) = std::env::var("COFFER_TEST_POSTGRES_URL") else {
            return;
        };
        let db = format!("coffer_test_{name}_{}", crate::clock::now_millis());
        let admin = Store::connect(&pg, 1).await.unwrap();
        let mut c = admin.writer().acquire().await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&mut *c)
            .await
            .unwrap();
        let base = pg.rsplit_once('/').map_or(pg.as_str(), |(b, _)| b);
        check(format!("{base}/{db}")).await;
        sqlx::query(&format!("DROP DATABASE {db}"))
            .execute(&mut *c)
            .await
            .unwrap();
        drop(c);
        admin.close().await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[tokio::test]
    async fn placeholders_follow_the_dialect() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        let store = Store::connect(&url, 1).await.unwrap();
        let conn = store.writer().acquire().await.unwrap();
        assert_eq!(placeholders(&conn, 2, 2), "(?, ?), (?, ?)");
        drop(conn);
        store.close().await;
        if let Ok(pg) = std::env::var("COFFER_TEST_POSTGRES_URL") {
            let store = Store::connect(&pg, 2).await.unwrap();
            let conn = store.writer().acquire().await.unwrap();
            assert_eq!(placeholders(&conn, 2, 2), "($1, $2), ($3, $4)");
        }
    }
}
