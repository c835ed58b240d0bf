//! The `Vault` facade: the only entry point handlers and server functions use. Every method that
//! touches payment data takes a `Grant` and writes its audit event in the same transaction.

mod api_keys;
mod audit_log;
mod connection_update;
pub(crate) mod connections;
mod console;
mod customer_mfa;
mod expiry;
mod idempotency;
pub(crate) mod lifecycle;
mod mandates;
mod page_integrity;
mod passkeys;
mod psp_tokens;
mod sessions;
mod staff;
mod timeline;
pub(crate) mod uses;
mod webhook_endpoints;
mod webhooks;

pub use crate::cde::{
    CALL_CENTRE, COLLECT_LINK_MS, CollectPage, ForwardAnswer, Page, ReverifyOutcome, ReverifyPage,
    ReverifyStatus, Tokenized, WalletMethod,
};
pub use crate::store::timeline::{
    Cursor as TimelineCursor, Event as TimelineEvent, Source as TimelineSource,
};
pub use crate::store::{IdempotencyBegin, IdempotencyRecord};
pub use api_keys::{KeyLimits, NewApiKey, VERIFIED_TTL};
pub use audit_log::{AUDIT_PAGE, AuditPage, ChainStatus, EXPORT_LIMIT, RetentionRun, SignedExport};
pub use console::{ApiKeyInfo, HistoryRecord, MethodSearch, SEARCH_LIMIT};
pub use customer_mfa::{CustomerSession, FactorView, IssuedLink, PendingTotp};
pub use expiry::{
    BucketCounts, EXPIRY_EXPORT_LIMIT, ExpiryBucket, ExpiryItem, ExpiryOverview, ExpiryPage,
    ExpiryQuery,
};
pub use lifecycle::{LifecycleRun, RunCounts};
pub use mandates::MandateView;
pub use psp_tokens::PspTokenDeletion;
pub use staff::{Factor, NewStaff, PasswordChangeRequest, PendingEnrolment};
pub use timeline::{TIMELINE_PAGE, TimelineEntry, TimelinePage, TimelineRequest};
pub use uses::{StepUpPage, StepUpResult, UseView};
pub use webhook_endpoints::EndpointSummary;
pub use webhooks::{DeadLetter, EndpointView, OutgoingDelivery, RegisteredEndpoint, RetryPolicy};

use crate::access::{self, Action, Actor, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::keys::{Hsm, HsmConfig, KeyRing};
use crate::error::VaultError;
use crate::store::Store;
use std::sync::Arc;

/// What the vault needs to start.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    pub database_url: String,
    pub max_connections: u32,
    pub hsm: HsmConfig,
    /// Customer step-up policy, public URL and merchant name.
    pub customer: crate::customer::CustomerSettings,
    /// Expiry alerts and retention.
    pub lifecycle: crate::lifecycle::LifecyclePolicy,
    /// Encryptions per data key before rotation (the default: 2^32, reserved 2^20 at a time).
    pub seal_limits: crate::cde::keys::SealLimits,
    /// Audit retention and checkpoint interval (what verification holds the log to).
    pub audit: crate::audit::AuditSettings,
    /// When SQLite's writer makes a commit durable (`Full` unless measuring).
    pub sqlite_synchronous: crate::store::Synchronous,
    /// Which private networks the relay may reach (none by default).
    pub relay: crate::relay::HostPolicy,
}

/// Liveness of the two things the vault cannot work without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    pub database: bool,
    pub hsm: bool,
}

pub struct Vault {
    pub(crate) store: Store,
    pub(crate) hsm: Arc<Hsm>,
    pub(crate) keys: Arc<KeyRing>,
    verified_keys: api_keys::VerifiedKeys,
    pub(crate) customer: crate::customer::CustomerSettings,
    pub(crate) lifecycle: crate::lifecycle::LifecyclePolicy,
    pub(crate) audit: crate::audit::AuditSettings,
    /// The passkey relying party (`None` when the public URL has no domain name).
    pub(crate) webauthn: Option<webauthn_rs::Webauthn>,
    /// Where the relay may connect.
    pub(crate) relay: Arc<crate::relay::HostPolicy>,
    /// The relay's HTTP client per connection.
    pub(crate) relay_clients: crate::cde::relay::send::Clients,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Vault({:?}, {} data key versions)",
            self.store.dialect(),
            self.keys.versions()
        )
    }
}

impl Vault {
    /// Connects the database, applies migrations, opens the HSM and loads the data keys.
    pub async fn open(config: &VaultConfig) -> Result<Vault, VaultError> {
        let store = Store::connect_with(
            &config.database_url,
            config.max_connections,
            config.sqlite_synchronous,
        )
        .await?;
        store.migrate().await?;
        let hsm = Arc::new(Hsm::open(&config.hsm)?);
        let keys = Arc::new(KeyRing::load(hsm.clone(), &store, config.seal_limits).await?);
        tokio::spawn(keep_keys_topped_up(keys.clone(), store.clone()));
        Ok(Vault {
            store,
            hsm,
            keys,
            verified_keys: api_keys::VerifiedKeys::default(),
            customer: config.customer.clone(),
            lifecycle: config.lifecycle.clone(),
            audit: config.audit,
            webauthn: crate::customer::passkey::relying_party(
                &config.customer.public_url,
                &config.customer.merchant_name,
            ),
            relay: Arc::new(config.relay.clone()),
            relay_clients: Default::default(),
        })
    }

    /// The store itself, past every `Grant`: benchmark seeders and integration tests only.
    #[cfg(any(feature = "dev-tools", feature = "test-support"))]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The HSM session itself (integration tests check key attributes with it).
    #[cfg(feature = "test-support")]
    pub fn hsm(&self) -> &Hsm {
        &self.hsm
    }

    /// The data-key ring (benchmark seeders seal synthetic rows with its current key).
    #[cfg(any(feature = "dev-tools", feature = "test-support"))]
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Applies the migrations to the database at `database_url` and closes it (`coffer migrate`).
    pub async fn migrate_database(database_url: &str) -> Result<(), VaultError> {
        let store = Store::connect(database_url, 1).await?;
        let applied = store.migrate().await;
        store.close().await;
        Ok(applied?)
    }

    /// The customer step-up settings (policy, public URL, merchant name).
    pub fn customer_settings(&self) -> &crate::customer::CustomerSettings {
        &self.customer
    }

    /// The expiry alert and retention policy.
    pub fn lifecycle_policy(&self) -> &crate::lifecycle::LifecyclePolicy {
        &self.lifecycle
    }

    /// Runs the access check for `A`; a denial is audited before it is returned (fail closed:
    /// if the denial cannot be recorded, the caller gets the storage error instead).
    pub async fn authorize<A: Action>(
        &self,
        actor: &Actor,
        origin: &Origin,
        resource: Option<(&'static str, &str)>,
    ) -> Result<Grant<A>, VaultError> {
        match access::authorize::<A>(actor) {
            Ok(grant) => Ok(grant),
            Err(denied) => {
                let mut event = AuditEvent::new(actor, A::NAME, Outcome::Denied, origin)
                    .detail(serde_json::json!({ "missing": denied.required }));
                if let Some((kind, id)) = resource {
                    event = event.resource(kind, id);
                }
                self.audit_alone(&event).await?;
                Err(denied.into())
            }
        }
    }

    /// Writes one event in a transaction of its own (for events with no other write).
    /// Group-committed with other writes; returns once the commit is durable.
    pub(crate) async fn audit_alone(&self, event: &AuditEvent<'_>) -> Result<(), VaultError> {
        let op = crate::store::WriteOp::Audit(Box::new(event.to_row()));
        self.store.batcher().write(op).await?;
        Ok(())
    }

    /// Records a start or stop of the service (PCI DSS 10.2.1.6). Fails if it cannot be written.
    pub async fn record_service_event(&self, action: &'static str) -> Result<(), VaultError> {
        let origin = Origin::default();
        self.audit_alone(&AuditEvent::new(
            &Actor::SERVICE,
            action,
            Outcome::Success,
            &origin,
        ))
        .await
    }

    /// Database and HSM probes for `/readyz`.
    pub async fn readiness(&self) -> Readiness {
        let database = self.store.ping().await.is_ok();
        let hsm = self.hsm.ping().is_ok();
        Readiness { database, hsm }
    }

    /// Rotates the data key (a new version for new writes; old versions still open). Only the
    /// system operator may; audit `data_key.rotate` (PCI DSS 3.7.4, 10.2.1.7).
    pub async fn rotate_data_key(&self, operator: &Actor) -> Result<String, VaultError> {
        let origin = Origin::default();
        if !operator.is_host_shell_operator() {
            self.audit_alone(&AuditEvent::new(
                operator,
                "data_key.rotate",
                Outcome::Denied,
                &origin,
            ))
            .await?;
            return Err(access::Denied {
                action: "data_key.rotate",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        let id = self.keys.rotate(&self.store).await?;
        let event = AuditEvent::new(operator, "data_key.rotate", Outcome::Success, &origin)
            .resource("data_key", &id);
        self.audit_alone(&event).await?;
        Ok(id)
    }

    /// Picks up data-key versions added elsewhere (run periodically by the server).
    pub async fn refresh_keys(&self) -> Result<(), VaultError> {
        Ok(self.keys.reload(&self.store).await?)
    }

    /// Signs the audit chain's head (whatever this process wrote is then covered by a
    /// checkpoint, so a command line run leaves nothing unsigned behind it) and closes the
    /// database pools.
    pub async fn close(&self) {
        if let Err(e) = self.checkpoint_audit().await {
            tracing::error!(error = %e, "the audit chain could not be signed before closing");
        }
        self.store.close().await;
    }
}

/// Every half second: keeps the sealing key's reserved encryptions topped up, and records a
/// rotation made because a key reached its limit (`data_key.rotate` by the service). Ends when
/// the database is closed.
async fn keep_keys_topped_up(keys: Arc<KeyRing>, store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tick.tick().await;
        if store.writer().is_closed() {
            return;
        }
        match keys.top_up(&store).await {
            Ok(None) => {}
            Ok(Some(id)) => {
                let origin = Origin::default();
                let event = AuditEvent::new(
                    &Actor::SERVICE,
                    "data_key.rotate",
                    Outcome::Success,
                    &origin,
                )
                .resource("data_key", &id)
                .detail(serde_json::json!({ "reason": "encryption_limit" }));
                let op = crate::store::WriteOp::Audit(Box::new(event.to_row()));
                if let Err(e) = store.batcher().write(op).await {
                    tracing::error!(error = %e, key = %id, "the automatic data-key rotation could not be audited");
                }
            }
            Err(e) => tracing::warn!(error = %e, "reserving data-key encryptions failed"),
        }
    }
}

/// The resource type name used in audit events about payment methods.
pub(crate) const PM: &str = "payment_method";

/// What a success event records about an OMS-wide key reaching another channel's data.
pub(crate) fn cross_channel_detail(owner: &str) -> serde_json::Value {
    serde_json::json!({ "cross_channel": true, "owner": owner })
}

impl Vault {
    /// Channel isolation for one record owned by `owner`: `Ok(None)` for the actor's own
    /// channel, `Ok(Some(detail))` for an OMS-wide key (the detail goes on the success event),
    /// and for any other key an audited denial (`other_channel`) answered as `NotFound`, exactly
    /// as for a record that does not exist.
    pub(crate) async fn reach(
        &self,
        actor: &Actor,
        owner: &str,
        action: &'static str,
        resource: (&'static str, &str),
        origin: &Origin,
    ) -> Result<Option<serde_json::Value>, VaultError> {
        match actor.reach(owner) {
            access::Reach::Own => Ok(None),
            access::Reach::CrossChannel => Ok(Some(cross_channel_detail(owner))),
            access::Reach::Hidden => {
                self.audit_alone(&other_channel_event(actor, action, resource, origin))
                    .await?;
                Err(VaultError::NotFound)
            }
        }
    }
}

/// The denial recorded when a key asks for another channel's record.
pub(crate) fn other_channel_event<'a>(
    actor: &'a Actor,
    action: &'static str,
    (kind, id): (&'static str, &'a str),
    origin: &'a Origin,
) -> AuditEvent<'a> {
    AuditEvent::new(actor, action, Outcome::Denied, origin)
        .resource(kind, id)
        .detail(serde_json::json!({ "code": "other_channel" }))
}

pub(crate) fn grant_actor<A: Action>(grant: &Grant<A>) -> &Actor {
    grant.actor()
}
