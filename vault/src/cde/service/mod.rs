//! The `Vault` operations that see card data: tokenize, read, reveal, delete, edit, re-verify,
//! collect a card from a caller, refresh (re-seal), wallet listing and fingerprint backfill.

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
