//! API keys for OMS channel systems: creation (from the host's command line, or by a security
//! admin, when reveal and OMS-wide keys wait for a second admin's approval), authentication of a
//! presented key (its approval, expiry and IP allow-list included), revocation. Secrets are
//! 256-bit random; only their SHA-256 is stored.

use super::Vault;
use crate::access::{Actor, Scope};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::error::VaultError;
use crate::net::{self, IpNet};
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
    /// The key works only once a second security admin approves it.
    pub pending_approval: bool,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewApiKey({}, <hidden>)", self.id)
    }
}

/// Limits a key is issued with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLimits {
    /// Unix ms after which the key stops working.
    pub expires_at: Option<i64>,
    /// Where the key may be used from; empty: anywhere.
    pub allowed_ips: Vec<IpNet>,
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Why a presented key that exists is refused (recorded in the denial's detail).
fn refusal(row: &ApiKeyRow, origin: &Origin, now: i64) -> Option<&'static str> {
    if row.revoked_at.is_some() {
        return Some("revoked");
    }
    if row.approved_at.is_none() {
        return Some("pending_approval");
    }
    if row.expires_at.is_some_and(|t| t <= now) {
        return Some("key_expired");
    }
    match row.allowed_ips.as_deref().map(net::parse_list) {
        None => None,
        Some(Some(nets)) if nets.is_empty() || net::allowed(&nets, origin.ip.as_deref()) => None,
        // An unreadable stored list fails closed.
        Some(_) => Some("ip_not_allowed"),
    }
}

impl Vault {
    /// Creates an API key. Only the system operator (the `coffer` command line on the host)
    /// may do this here; the key works at once. Audit: `api_key.create`.
    pub async fn create_api_key(
        &self,
        operator: &Actor,
        name: &str,
        scopes: &[Scope],
    ) -> Result<NewApiKey, VaultError> {
        self.create_api_key_with(operator, name, scopes, &KeyLimits::default())
            .await
    }

    /// [`Vault::create_api_key`] with an expiry and an IP allow-list.
    pub async fn create_api_key_with(
        &self,
        operator: &Actor,
        name: &str,
        scopes: &[Scope],
        limits: &KeyLimits,
    ) -> Result<NewApiKey, VaultError> {
        let origin = Origin::default();
        if !operator.is_host_shell_operator() {
            let event = AuditEvent::new(operator, "api_key.create", Outcome::Denied, &origin);
            self.audit_alone(&event).await?;
            return Err(crate::access::Denied {
                action: "api_key.create",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        self.insert_api_key(operator, name, scopes, limits, false, &origin)
            .await
    }

    /// Creates the key and its audit event in one transaction (the caller has authorised).
    /// With `needs_approval`, it stays unusable until a second security admin approves it.
    pub(super) async fn insert_api_key(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Scope],
        limits: &KeyLimits,
        needs_approval: bool,
        origin: &Origin,
    ) -> Result<NewApiKey, VaultError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(IntakeError::invalid_because("name", "use 1 to 100 characters").into());
        }
        if coffer_dlp::contains_card_number(name) {
            return Err(IntakeError::invalid("name").into());
        }
        if scopes.is_empty() {
            return Err(IntakeError::missing("scopes").into());
        }
        let now = crate::clock::now_millis();
        if limits.expires_at.is_some_and(|t| t <= now) {
            return Err(IntakeError::invalid_because("expires_at", "must be in the future").into());
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(&mut *bytes);
        let secret = SecretString::from(URL_SAFE_NO_PAD.encode(*bytes));
        let id = crate::token::random_id("ak");
        let mut scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        scope_names.sort_unstable();
        scope_names.dedup();
        let allowed: Vec<String> = limits.allowed_ips.iter().map(IpNet::to_string).collect();
        let row = ApiKeyRow {
            id: id.clone(),
            name: name.to_owned(),
            secret_hash: hash(secret.expose_secret()),
            scopes: scope_names.join(" "),
            created_at: now,
            revoked_at: None,
            created_by: Some(actor.id().to_owned()),
            approved_at: (!needs_approval).then_some(now),
            approved_by: (!needs_approval).then(|| actor.id().to_owned()),
            expires_at: limits.expires_at,
            allowed_ips: (!allowed.is_empty()).then(|| allowed.join(" ")),
        };
        let mut tx = self.store.writer().begin().await?;
        store::api_keys::insert(&mut tx, &row).await?;
        AuditEvent::new(actor, "api_key.create", Outcome::Success, origin)
            .resource("api_key", &id)
            .detail(serde_json::json!({
                "name": name, "scopes": scope_names, "pending_approval": needs_approval,
                "expires_at": limits.expires_at, "allowed_ips": allowed,
            }))
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        let key = SecretString::from(format!("{id}.{}", secret.expose_secret()));
        Ok(NewApiKey {
            id,
            key,
            pending_approval: needs_approval,
        })
    }

    /// Resolves a presented key (`ak_….secret`) to its client actor. A wrong, unknown, revoked,
    /// unapproved or expired key, or one used from outside its allow-list, is audited as
    /// `auth.api_key` denied (with the reason when the key exists) and answers
    /// `Unauthenticated`. A successful check is remembered for `VERIFIED_TTL`, so a key revoked
    /// from another process stops working within that time (a revoke in this process takes
    /// effect at once); expiry and allow-list are checked on every request.
    pub async fn authenticate(
        &self,
        presented: &str,
        origin: &Origin,
    ) -> Result<Actor, VaultError> {
        let (id, secret) = presented.split_once('.').unwrap_or(("", presented));
        let presented_hash = hash(secret);
        let now = crate::clock::now_millis();
        if let Some(actor) = self.verified_keys.get(id, &presented_hash, origin, now) {
            return Ok(actor);
        }
        let row = if id.starts_with("ak_") && id.len() <= 40 {
            let mut conn = self.store.reader().acquire().await?;
            store::api_keys::find(&mut conn, id).await?
        } else {
            None
        };
        let matches = row
            .as_ref()
            .is_some_and(|r| bool::from(r.secret_hash.ct_eq(&presented_hash)));
        let refused = row
            .as_ref()
            .filter(|_| matches)
            .and_then(|r| refusal(r, origin, now));
        match row {
            Some(r) if matches && refused.is_none() => {
                let actor = Actor::api_client(
                    r.id.clone(),
                    r.name.clone(),
                    r.scopes.split(' ').filter_map(Scope::parse).collect(),
                );
                self.verified_keys.put(&r, actor.clone());
                Ok(actor)
            }
            found => {
                let mut event =
                    AuditEvent::new(&Actor::ANONYMOUS, "auth.api_key", Outcome::Denied, origin);
                if let (Some(r), Some(code)) = (&found, refused) {
                    event = event
                        .resource("api_key", &r.id)
                        .detail(serde_json::json!({ "code": code }));
                }
                self.audit_alone(&event).await?;
                Err(VaultError::Unauthenticated)
            }
        }
    }

    /// Revokes a key at once (the system operator only). Audit: `api_key.revoke`.
    pub async fn revoke_api_key(&self, operator: &Actor, id: &str) -> Result<bool, VaultError> {
        let allowed = operator.is_host_shell_operator();
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
        let done =
            allowed && store::api_keys::revoke(&mut tx, id, crate::clock::now_millis()).await?;
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

/// A key that passed: its secret's hash, its actor, its limits, and when it was checked.
struct Verified {
    secret_hash: Vec<u8>,
    actor: Actor,
    expires_at: Option<i64>,
    allowed_ips: Option<Vec<IpNet>>,
    at: Instant,
}

/// Recently verified keys by id. Only successes are kept.
#[derive(Default)]
pub(super) struct VerifiedKeys {
    entries: Mutex<HashMap<String, Verified>>,
}

impl VerifiedKeys {
    fn get(&self, id: &str, presented_hash: &[u8], origin: &Origin, now: i64) -> Option<Actor> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let v = entries.get(id)?;
        let fresh = v.at.elapsed() < VERIFIED_TTL;
        let in_time = v.expires_at.is_none_or(|t| now < t);
        let from_allowed = v
            .allowed_ips
            .as_ref()
            .is_none_or(|nets| net::allowed(nets, origin.ip.as_deref()));
        let ok =
            fresh && in_time && from_allowed && bool::from(v.secret_hash.ct_eq(presented_hash));
        // A miss falls through to the database check, which audits the refusal.
        ok.then(|| v.actor.clone())
    }

    fn put(&self, row: &ApiKeyRow, actor: Actor) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, v| v.at.elapsed() < VERIFIED_TTL);
        let allowed_ips = row
            .allowed_ips
            .as_deref()
            .and_then(net::parse_list)
            .filter(|nets| !nets.is_empty());
        entries.insert(
            row.id.clone(),
            Verified {
                secret_hash: row.secret_hash.clone(),
                actor,
                expires_at: row.expires_at,
                allowed_ips,
                at: Instant::now(),
            },
        );
    }

    fn forget(&self, id: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}
