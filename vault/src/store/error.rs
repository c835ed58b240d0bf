//! What can go wrong in the store, with database constraint failures mapped to named variants.

/// A store failure. Messages never contain row contents (the database's own message can quote
/// values, so it is kept only as the source, for the server log, and rows hold no PAN anyway).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. the same card already stored for a customer).
    #[error("a row with the same unique key already exists")]
    Duplicate,
    /// The database URL names a backend Coffer does not support.
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// The group-commit writer is gone (the process is shutting down).
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A stored value is not what the schema promises (e.g. a chain hash of the wrong length).
    #[error("corrupt stored value: {0}")]
    Corrupt(&'static str),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate,
            _ => StoreError::Database(e),
        }
    }
}
