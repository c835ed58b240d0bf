//! Builds the whole application (vault, router, listener) and runs it until a shutdown signal.
//! Tests use the same path through `Application::build` with port 0.

use crate::config::{Config, ConsoleConfig, TlsSetting};
use crate::console::session::SessionStore;
use crate::guard_config::GuardConfig;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::{api, console, health, middleware};
use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::routing::get;
use axum::serve::ListenerExt;
use coffer_vault::{Vault, VaultConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

/// How often a running server looks for data-key versions rotated in elsewhere.
const KEY_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// How often staff accounts are checked for 90 days of inactivity (PCI DSS 8.2.6).
const INACTIVITY_SWEEP: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct Application {
    listener: TcpListener,
    /// The certificate in force, when the server speaks TLS itself.
    tls: Option<Arc<crate::tls::Reloading>>,
    router: Router,
    vault: Arc<Vault>,
    webhooks: crate::webhook_tasks::WebhookConfig,
    audit: crate::audit_config::AuditConfig,
    lifecycle_interval: Option<std::time::Duration>,
}

/// The routes and middleware, around an open vault.
pub fn router(
    vault: Arc<Vault>,
    rate_limit: api::RateLimit,
    console: ConsoleConfig,
    guards: &GuardConfig,
    sessions: &SessionStore,
) -> Router {
    let metrics = Arc::new(Metrics::default());
    let failures = guards.failed_auth_per_minute;
    let state = AppState {
        vault: vault.clone(),
        metrics: metrics.clone(),
        rate_limiter: Arc::new(api::RateLimiter::new(rate_limit)),
        validate_limiter: Arc::new(api::RateLimiter::per_minute(
            guards.validate_per_minute,
            guards.validate_per_minute,
        )),
        auth_failures: Arc::new(api::RateLimiter::per_minute(failures, failures)),
        forward_limiter: Arc::new(api::RateLimiter::per_minute(
            guards.forward_per_minute,
            guards.forward_per_minute.div_ceil(10),
        )),
        connection_limiter: Arc::new(api::RateLimiter::per_minute(
            guards.connection_forward_per_minute,
            guards.connection_forward_per_minute.div_ceil(10),
        )),
    };
    let context = Arc::new(middleware::ContextState {
        metrics: metrics.clone(),
        trusted_proxies: guards.trusted_proxies.clone(),
    });
    let auth_failures = state.auth_failures.clone();
    let machine = api::router()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let hsts = console.secure_cookies.then(|| {
        SetResponseHeaderLayer::if_not_present(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    machine
        .merge(console::router(vault, console, auth_failures, sessions))
        .layer(tower::util::option_layer(hsts))
        .layer(middleware::bounded(guards))
        .layer(axum::middleware::from_fn_with_state(
            context,
            middleware::request_context,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
}

impl Application {
    /// Opens the vault (database, migrations, HSM, keys) and binds the listener.
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        // TLS first: a server that would speak plain HTTP by accident does not start at all.
        let tls = match &config.tls {
            TlsSetting::Files(files) => Some(crate::tls::Reloading::open(files.clone())?),
            TlsSetting::Off => {
                tracing::warn!(
                    "COFFER_TLS=off: serving plain HTTP; only behind a proxy that terminates \
                     TLS 1.2+ (PCI DSS 4.2.1)"
                );
                None
            }
            TlsSetting::Unset => anyhow::bail!(
                "no TLS certificate: set COFFER_TLS_CERT and COFFER_TLS_KEY (PEM files), or \
                 COFFER_TLS=off when a proxy in front terminates TLS"
            ),
        };
        let listener = TcpListener::bind(config.listen).await?;
        if config.sqlite_synchronous == coffer_vault::Synchronous::Normal
            && config.database_url.starts_with("sqlite:")
        {
            tracing::warn!(
                "COFFER_SQLITE_SYNCHRONOUS=normal: a power loss can roll back acknowledged \
                 writes and their audit events; for measurements only"
            );
        }
        let mut customer = config.customer.clone();
        if customer.public_url.ends_with("://localhost:0") {
            // Port 0 (tests): links name the port actually bound.
            let port = listener.local_addr()?.port();
            customer.public_url = format!("http://localhost:{port}");
        }
        let vault = Arc::new(
            Vault::open(&VaultConfig {
                customer,
                ..config.vault_config()
            })
            .await?,
        );
        let sessions = SessionStore::new(vault.clone());
        Ok(Application {
            listener,
            tls,
            router: router(
                vault.clone(),
                config.rate_limit,
                config.console,
                &config.guards,
                &sessions,
            ),
            vault,
            audit: config.audit.clone(),
            lifecycle_interval: config.lifecycle.interval,
            webhooks: config.webhooks,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn vault(&self) -> Arc<Vault> {
        self.vault.clone()
    }

    /// Serves until `shutdown` resolves; records the start and the stop in the audit log.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        self.vault.record_service_event("service.start").await?;
        // Signed at once: the start, and whatever a crash left unsigned before it.
        if let Err(e) = self.vault.checkpoint_audit().await {
            tracing::error!(error = %e, "AUDIT CHAIN COULD NOT BE SIGNED AT START");
        }
        let vault = self.vault.clone();
        // Methods stored before channel-scoped fingerprints existed get theirs (once, batched).
        tokio::spawn(async move {
            match vault.backfill_channel_fingerprints().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(methods = n, "channel fingerprints filled in"),
                Err(e) => tracing::warn!(error = %e, "channel fingerprint backfill failed"),
            }
        });
        let vault = self.vault.clone();
        let refresher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(KEY_REFRESH);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = vault.refresh_keys().await {
                    tracing::warn!(error = %e, "data-key refresh failed; keeping the loaded keys");
                }
            }
        });
        let vault = self.vault.clone();
        let inactivity = tokio::spawn(async move {
            let mut tick = tokio::time::interval(INACTIVITY_SWEEP);
            loop {
                tick.tick().await;
                match vault.disable_inactive_staff().await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(accounts = n, "disabled staff accounts inactive for 90 days")
                    }
                    Err(e) => tracing::warn!(error = %e, "inactive-account sweep failed"),
                }
            }
        });
        let audit_tasks = crate::audit_tasks::spawn(self.vault.clone(), &self.audit);
        let webhooks = crate::webhook_tasks::spawn(self.vault.clone(), self.webhooks);
        let lifecycle = self
            .lifecycle_interval
            .map(|every| crate::lifecycle_tasks::spawn(self.vault.clone(), every));
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let addr = self.listener.local_addr()?;
        match self.tls {
            Some(certs) => {
                tracing::info!(%addr, "coffer listening (TLS 1.2+)");
                let watcher = certs.watch();
                // `tap_io` only so axum hands the handlers the peer's address (it knows how
                // for a TcpListener and for a tapped listener, not for a custom one).
                let listener = crate::tls::TlsListener::new(self.listener, certs)?.tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await?;
                watcher.abort();
            }
            None => {
                tracing::info!(%addr, "coffer listening (plain HTTP)");
                axum::serve(self.listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await?;
            }
        }
        refresher.abort();
        inactivity.abort();
        webhooks.abort();
        if let Some(task) = lifecycle {
            task.abort();
        }
        for task in audit_tasks {
            task.abort();
        }
        self.vault.record_service_event("service.stop").await?;
        // The stop is the last event: sign it so nothing after it can be cut silently.
        self.vault.checkpoint_audit().await?;
        self.vault.close().await;
        tracing::info!("coffer stopped");
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
