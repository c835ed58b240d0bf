//! Console session records through the vault's one writer (SQLite allows one; a second pool of
//! the console's own would contend with it). Plumbing of the sign-in itself: not audited here;
//! the sign-in, step-up and sign-out events are.

use super::Vault;
use crate::error::VaultError;
use crate::store::sessions;

impl Vault {
    /// Stores a new session record; false when `id` is already taken.
    pub async fn session_insert(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
    ) -> Result<bool, VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(sessions::insert(&mut conn, id, data, expires_at).await?)
    }

    /// Stores or replaces session record `id`.
    pub async fn session_save(
        &self,
        id: &str,
        data: &[u8],
        expires_at: i64,
    ) -> Result<(), VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(sessions::save(&mut conn, id, data, expires_at).await?)
    }

    /// Session record `id` and its expiry (unix ms), unless expired by `now`.
    pub async fn session_load(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<(Vec<u8>, i64)>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        Ok(sessions::load(&mut conn, id, now).await?)
    }

    /// Deletes session record `id`.
    pub async fn session_delete(&self, id: &str) -> Result<(), VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(sessions::delete(&mut conn, id).await?)
    }

    /// Deletes the session records expired by `now`; returns how many.
    pub async fn session_delete_expired(&self, now: i64) -> Result<u64, VaultError> {
        let mut conn = self.store.writer().acquire().await?;
        Ok(sessions::delete_expired(&mut conn, now).await?)
    }
}
