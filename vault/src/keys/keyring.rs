//! The data keys in use: every version unwrapped once from the database into zeroizing memory,
//! the newest one used for new ciphertexts, older ones kept to open what they sealed.

use super::{Hsm, HsmError, KEK_LABEL};
use crate::seal::DataKey;
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

/// All data-key versions, by id, and which one is current.
#[derive(Debug)]
pub struct KeyRing {
    hsm: Arc<Hsm>,
    keys: RwLock<HashMap<String, Arc<DataKey>>>,
    current: RwLock<Arc<DataKey>>,
}

impl KeyRing {
    /// Loads (unwraps) every stored data key; creates the first one if there is none.
    pub async fn load(hsm: Arc<Hsm>, store: &Store) -> Result<KeyRing, KeyRingError> {
        let mut conn = store.writer().acquire().await.map_err(StoreError::from)?;
        let mut rows = store::data_keys::all(&mut conn).await?;
        if rows.is_empty() {
            let row = new_row(&hsm, 1)?;
            store::data_keys::insert(&mut conn, &row).await?;
            rows.push(row);
        }
        drop(conn);
        let (keys, current) = unwrap_all(&hsm, &rows)?;
        Ok(KeyRing {
            hsm,
            keys: RwLock::new(keys),
            current: RwLock::new(current),
        })
    }

    /// The key new ciphertexts are sealed with.
    pub fn current(&self) -> Arc<DataKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
    /// used for new writes here too.
    pub async fn reload(&self, store: &Store) -> Result<(), KeyRingError> {
        let mut conn = store.reader().acquire().await.map_err(StoreError::from)?;
        let rows = store::data_keys::all(&mut conn).await?;
        let (keys, current) = unwrap_all(&self.hsm, &rows)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = current;
        Ok(())
    }

    /// Adds a new data-key version (PCI DSS 3.7.4: end of cryptoperiod) and makes it current.
    /// Existing ciphertexts keep opening with their own version. Returns the new key id.
    pub async fn rotate(&self, store: &Store) -> Result<String, KeyRingError> {
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
        created_at: store::now_millis(),
    })
}

type Unwrapped = (HashMap<String, Arc<DataKey>>, Arc<DataKey>);

fn unwrap_all(hsm: &Hsm, rows: &[DataKeyRow]) -> Result<Unwrapped, KeyRingError> {
    let mut keys = HashMap::new();
    let mut current: Option<(i64, Arc<DataKey>)> = None;
    for row in rows {
        let clear = hsm.unwrap_data_key(&row.wrapped)?;
        let key = Arc::new(DataKey::new(row.id.clone(), &clear));
        if current.as_ref().is_none_or(|(v, _)| row.version > *v) {
            current = Some((row.version, key.clone()));
        }
        keys.insert(row.id.clone(), key);
    }
    let (_, current) = current.ok_or(KeyRingError::Empty)?;
    Ok((keys, current))
}
