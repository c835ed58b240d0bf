//! The `Vault` operations that see card data: tokenize, read, reveal, delete, edit, re-verify,
//! collect a card from a caller, refresh (re-seal), wallet listing, fingerprint backfill and the
//! relay's forward; and the one way a stored ciphertext is opened.

mod collect;
mod delete;
mod edit;
mod fingerprints;
mod forward;
mod read;
mod refresh;
mod reveal;
mod reverify;
mod tokenize;
mod wallet;

pub use collect::{CALL_CENTRE, COLLECT_LINK_MS, CollectPage};
pub use forward::ForwardAnswer;
pub use read::Page;
pub use reverify::{ReverifyOutcome, ReverifyPage, ReverifyStatus};
pub use tokenize::Tokenized;
pub use wallet::WalletMethod;

use crate::cde::seal::{self, Sealed};
use crate::error::VaultError;
use crate::service::Vault;
use zeroize::Zeroizing;

/// A stored ciphertext's three columns (any of them `None`: nothing is stored, e.g. shredded).
pub(crate) struct Stored<'a> {
    pub key_id: &'a Option<String>,
    pub nonce: &'a Option<Vec<u8>>,
    pub ciphertext: &'a Option<Vec<u8>>,
}

impl<'a> Stored<'a> {
    /// A payment method's sealed details.
    pub(crate) fn of(row: &'a crate::store::PaymentMethodRow) -> Stored<'a> {
        Stored {
            key_id: &row.key_id,
            nonce: &row.nonce,
            ciphertext: &row.ciphertext,
        }
    }
}

impl Vault {
    /// Opens a stored ciphertext bound to `record`: `None` if there is none to open.
    pub(crate) async fn open_stored(
        &self,
        record: &str,
        stored: Stored<'_>,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let (Some(key_id), Some(nonce), Some(ciphertext)) =
            (stored.key_id, stored.nonce, stored.ciphertext)
        else {
            return Ok(None);
        };
        let key = self.keys.get(key_id, &self.store).await?;
        let sealed = Sealed {
            key_id: key_id.clone(),
            nonce: nonce.clone(),
            ciphertext: ciphertext.clone(),
        };
        Ok(Some(seal::open(&key, record, &sealed)?))
    }
}
