//! The data keys in use: every version unwrapped once from the database into zeroizing memory,
//! the newest one used for new ciphertexts, older ones kept to open what they sealed. Each
//! version seals at most `SealLimits::per_key` payloads in all (reserved in blocks in the
//! database, so several processes share the count); the ring rotates before that is reached.

use super::{Hsm, HsmError, KEK_LABEL};
use crate::cde::seal::DataKey;
use crate::store::{self, DataKeyRow, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Hsm(#[from] HsmError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no data key is stored")]
    Empty,
    #[error("a ciphertext names a data key that is not stored")]
    UnknownKey,
}

/// How many payloads one data key may seal, and how many a process reserves at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealLimits {
    /// Encryptions under one key in all, across every process (2^32 for random 96-bit nonces).
    pub per_key: i64,
    /// Encryptions reserved per database round trip (a crash wastes at most this many).
    pub block: i64,
}

impl Default for SealLimits {
    fn default() -> Self {
        SealLimits {
            per_key: 1 << 32,
            block: 1 << 20,
        }
    }
}

/// All data-key versions, by id, the newest, and the one sealing now (the newest as soon as
/// encryptions are reserved for it).
#[derive(Debug)]
pub struct KeyRing {
    hsm: Arc<Hsm>,
    keys: RwLock<HashMap<String, Arc<DataKey>>>,
    newest: RwLock<Arc<DataKey>>,
    current: RwLock<Arc<DataKey>>,
    limits: SealLimits,
    reserving: tokio::sync::Mutex<()>,
}

impl KeyRing {
    /// Loads (unwraps) every stored data key, creates the first one if there is none, and
    /// reserves the newest one's first block of encryptions.
    pub async fn load(
        hsm: Arc<Hsm>,
        store: &Store,
        limits: SealLimits,
    ) -> Result<KeyRing, KeyRingError> {
        let mut conn = store.writer().acquire().await.map_err(StoreError::from)?;
        let mut rows = store::data_keys::all(&mut conn).await?;
        if rows.is_empty() {
            let row = new_row(&hsm, 1)?;
            store::data_keys::insert(&mut conn, &row).await?;
            rows.push(row);
        }
        drop(conn);
        let (keys, newest) = unwrap_all(&hsm, &rows, &HashMap::new())?;
        let ring = KeyRing {
            hsm,
            keys: RwLock::new(keys),
            newest: RwLock::new(newest.clone()),
            current: RwLock::new(newest),
            limits,
            reserving: tokio::sync::Mutex::new(()),
        };
        ring.top_up(store).await?;
        Ok(ring)
    }

    /// The key new ciphertexts are sealed with.
    pub fn current(&self) -> Arc<DataKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn newest(&self) -> Arc<DataKey> {
        self.newest
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Keeps the sealing key's reserved encryptions above half a block: switches to the newest
    /// version once encryptions are reserved for it, reserves another block, and rotates when
    /// the key has sealed all it may. Returns the id of a version it created. Run every half
    /// second by the vault, never inside a transaction (it writes).
    pub async fn top_up(&self, store: &Store) -> Result<Option<String>, KeyRingError> {
        let low = self.limits.block / 2;
        let newest = self.newest();
        if Arc::ptr_eq(&newest, &self.current()) && newest.budget() > low {
            return Ok(None);
        }
        let _one_at_a_time = self.reserving.lock().await;
        let mut rotated = None;
        for _ in 0..2 {
            let newest = self.newest();
            if newest.budget() > low {
                break;
            }
            let mut conn = store.writer().acquire().await.map_err(StoreError::from)?;
            let block = self.limits.block.min(self.limits.per_key);
            if store::data_keys::reserve_seals(&mut conn, newest.id(), block, self.limits.per_key)
                .await?
            {
                newest.add_budget(block);
                break;
            }
            drop(conn);
            // The newest key has sealed all it may: a new version takes over.
            tracing::warn!(key = %newest.id(), "data key reached its encryption limit; rotating");
            rotated = Some(self.add_version(store).await?);
        }
        let newest = self.newest();
        if newest.budget() > 0 {
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = newest;
        }
        Ok(rotated)
    }

    /// The key with this id, reloading from the database once if another node added it.
    pub async fn get(&self, id: &str, store: &Store) -> Result<Arc<DataKey>, KeyRingError> {
        if let Some(k) = self.keys.read().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(k.clone());
        }
        self.reload(store).await?;
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.get(id).cloned().ok_or(KeyRingError::UnknownKey)
    }

    /// Re-reads the stored versions, so a rotation made elsewhere (the CLI, another node) is
    /// used for new writes here too (from the next [`KeyRing::top_up`], which reserves for it).
    /// Keys already loaded keep their reserved encryptions.
    pub async fn reload(&self, store: &Store) -> Result<(), KeyRingError> {
        let mut conn = store.reader().acquire().await.map_err(StoreError::from)?;
        let rows = store::data_keys::all(&mut conn).await?;
        drop(conn);
        let loaded = self.keys.read().unwrap_or_else(|p| p.into_inner()).clone();
        let (keys, newest) = unwrap_all(&self.hsm, &rows, &loaded)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        *self.newest.write().unwrap_or_else(|p| p.into_inner()) = newest;
        Ok(())
    }

    /// Adds a new data-key version (PCI DSS 3.7.4: end of cryptoperiod) and makes it current
    /// once its first encryptions are reserved. Existing ciphertexts keep opening with their own
    /// version. Returns the new key id.
    pub async fn rotate(&self, store: &Store) -> Result<String, KeyRingError> {
        let id = {
            let _one_at_a_time = self.reserving.lock().await;
            self.add_version(store).await?
        };
        self.top_up(store).await?;
        Ok(id)
    }

    async fn add_version(&self, store: &Store) -> Result<String, KeyRingError> {
        let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
        let rows = store::data_keys::all(&mut tx).await?;
        let version = rows.iter().map(|r| r.version).max().unwrap_or(0) + 1;
        let row = new_row(&self.hsm, version)?;
        store::data_keys::insert(&mut tx, &row).await?;
        store::data_keys::retire_all_but(&mut tx, &row.id).await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.reload(store).await?;
        Ok(row.id)
    }

    /// How many data-key versions are loaded.
    pub fn versions(&self) -> usize {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).len()
    }
}

fn new_row(hsm: &Hsm, version: i64) -> Result<DataKeyRow, KeyRingError> {
    let (_clear, wrapped) = hsm.new_data_key()?;
    Ok(DataKeyRow {
        id: crate::token::random_id(&format!("dek_v{version}")),
        version,
        wrapped,
        kek_label: KEK_LABEL.to_owned(),
        state: "active".to_owned(),
        created_at: crate::clock::now_millis(),
    })
}

type Unwrapped = (HashMap<String, Arc<DataKey>>, Arc<DataKey>);

/// Every stored version (those in `loaded` as they are, with their budgets), and the newest.
fn unwrap_all(
    hsm: &Hsm,
    rows: &[DataKeyRow],
    loaded: &HashMap<String, Arc<DataKey>>,
) -> Result<Unwrapped, KeyRingError> {
    let mut keys = HashMap::new();
    let mut current: Option<(i64, Arc<DataKey>)> = None;
    for row in rows {
        let key = match loaded.get(&row.id) {
            Some(k) => k.clone(),
            None => {
                let clear = hsm.unwrap_data_key(&row.wrapped)?;
                Arc::new(DataKey::new(row.id.clone(), &clear))
            }
        };
        if current.as_ref().is_none_or(|(v, _)| row.version > *v) {
            current = Some((row.version, key.clone()));
        }
        keys.insert(row.id.clone(), key);
    }
    let (_, current) = current.ok_or(KeyRingError::Empty)?;
    Ok((keys, current))
}
