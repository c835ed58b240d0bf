//! One loaded and initialised PKCS#11 module per path and process (C_Initialize runs once).

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();

/// Returns the process-wide context for `path`, loading and initialising it on first use.
pub(super) fn context(path: &Path) -> Result<Pkcs11, Error> {
    let modules = MODULES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut modules = modules
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(ctx) = modules.get(path) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(path)?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(e),
    }
    modules.insert(path.to_owned(), ctx.clone());
    Ok(ctx)
}
