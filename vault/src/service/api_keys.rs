//! API keys for OMS channel systems: creation (from the host's command line), authentication
//! of a presented key, revocation. Secrets are 256-bit random; only their SHA-256 is stored.

use super::Vault;
use crate::access::{Actor, Scope};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::store::{self, ApiKeyRow};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// A freshly created key: its id and the full secret, shown once.
pub struct NewApiKey {
    pub id: String,
    pub key: SecretString,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewApiKey({}, <hidden>)", self.id)
    }
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

impl Vault {
    /// Creates an API key. Only the system operator (the `coffer` command line on the host)
    /// may do this in this release. Audit: `api_key.create`.
    pub async fn create_api_key(
        &self,
        operator: &Actor,
        name: &str,
        scopes: &[Scope],
    ) -> Result<NewApiKey, VaultError> {
        let origin = Origin::default();
        if *operator != Actor::SystemOperator {
            let event = AuditEvent::new(operator, "api_key.create", Outcome::Denied, &origin);
            self.audit_alone(&event).await?;
            return Err(crate::access::Denied {
                action: "api_key.create",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        self.insert_api_key(operator, name, scopes, &origin).await
    }

    /// Creates the key and its audit event in one transaction (the caller has authorised).
    pub(super) async fn insert_api_key(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Scope],
        origin: &Origin,
    ) -> Result<NewApiKey, VaultError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(crate::intake::IntakeError::invalid_because(
                "name",
                "use 1 to 100 characters",
            )
            .into());
        }
        if scopes.is_empty() {
            return Err(crate::intake::IntakeError::missing("scopes").into());
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut *bytes);
        let secret = SecretString::from(URL_SAFE_NO_PAD.encode(*bytes));
        let id = crate::token::random_id("ak");
        let mut scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        scope_names.sort_unstable();
        scope_names.dedup();
        let row = ApiKeyRow {
            id: id.clone(),
            name: name.to_owned(),
            secret_hash: hash(secret.expose_secret()),
            scopes: scope_names.join(" "),
            created_at: store::now_millis(),
            revoked_at: None,
        };
        let mut tx = self.store.writer().begin().await?;
        store::api_keys::insert(&mut tx, &row).await?;
        AuditEvent::new(actor, "api_key.create", Outcome::Success, origin)
            .resource("api_key", &id)
            .detail(serde_json::json!({ "name": name, "scopes": scope_names }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        let key = SecretString::from(format!("{id}.{}", secret.expose_secret()));
        Ok(NewApiKey { id, key })
    }

    /// Resolves a presented key (`ak_….secret`) to its client actor. A wrong, unknown or revoked
    /// key is audited as `auth.api_key` denied and answers `Unauthenticated`. A successful check
    /// is remembered for `VERIFIED_TTL`, so a key revoked from another process stops working
    /// within that time (a revoke in this process takes effect at once).
    pub async fn authenticate(
        &self,
        presented: &str,
        origin: &Origin,
    ) -> Result<Actor, VaultError> {
        let (id, secret) = presented.split_once('.').unwrap_or(("", presented));
        let presented_hash = hash(secret);
        if let Some(actor) = self.verified_keys.get(id, &presented_hash) {
            return Ok(actor);
        }
        let row = if id.starts_with("ak_") && id.len() <= 40 {
            let mut conn = self.store.reader().acquire().await?;
            store::api_keys::find(&mut conn, id).await?
        } else {
            None
        };
        let valid = match &row {
            Some(r) => bool::from(r.secret_hash.ct_eq(&presented_hash)) && r.revoked_at.is_none(),
            None => false,
        };
        match row {
            Some(r) if valid => {
                let actor = Actor::ApiClient {
                    key_id: r.id,
                    name: r.name,
                    scopes: r.scopes.split(' ').filter_map(Scope::parse).collect(),
                };
                self.verified_keys.put(id, r.secret_hash, actor.clone());
                Ok(actor)
            }
            _ => {
                let event =
                    AuditEvent::new(&Actor::Anonymous, "auth.api_key", Outcome::Denied, origin);
                self.audit_alone(&event).await?;
                Err(VaultError::Unauthenticated)
            }
        }
    }

    /// Revokes a key at once (the system operator only). Audit: `api_key.revoke`.
    pub async fn revoke_api_key(&self, operator: &Actor, id: &str) -> Result<bool, VaultError> {
        let allowed = *operator == Actor::SystemOperator;
        self.revoke_key(operator, id, allowed, &Origin::default())
            .await
    }

    pub(super) async fn revoke_key(
        &self,
        actor: &Actor,
        id: &str,
        allowed: bool,
        origin: &Origin,
    ) -> Result<bool, VaultError> {
        let mut tx = self.store.writer().begin().await?;
        self.verified_keys.forget(id);
        let done = allowed && store::api_keys::revoke(&mut tx, id, store::now_millis()).await?;
        let outcome = match (allowed, done) {
            (false, _) => Outcome::Denied,
            (true, true) => Outcome::Success,
            (true, false) => Outcome::Failure,
        };
        AuditEvent::new(actor, "api_key.revoke", outcome, origin)
            .resource("api_key", id)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(done)
    }
}

/// How long a successful key check is trusted without asking the database again.
pub const VERIFIED_TTL: Duration = Duration::from_secs(1);

/// A key that passed: its secret's hash, its actor, and when it was checked.
type Verified = (Vec<u8>, Actor, Instant);

/// Recently verified keys by id. Only successes are kept.
#[derive(Default)]
pub(super) struct VerifiedKeys {
    entries: Mutex<HashMap<String, Verified>>,
}

impl VerifiedKeys {
    fn get(&self, id: &str, presented_hash: &[u8]) -> Option<Actor> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (stored_hash, actor, at) = entries.get(id)?;
        let fresh = at.elapsed() < VERIFIED_TTL;
        (fresh && bool::from(stored_hash.ct_eq(presented_hash))).then(|| actor.clone())
    }

    fn put(&self, id: &str, secret_hash: Vec<u8>, actor: Actor) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, (_, _, at)| at.elapsed() < VERIFIED_TTL);
        entries.insert(id.to_owned(), (secret_hash, actor, Instant::now()));
    }

    fn forget(&self, id: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}
