//! Configuration: defaults, then `coffer.toml`, then `COFFER_*` environment variables; typed and
//! checked at start. Secrets (the HSM PIN) come only from the environment or a `*_FILE`.

use coffer_vault::keys::HsmConfig;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("invalid config file {0}: {1}")]
    File(PathBuf, toml::de::Error),
    #[error("invalid value for {0}")]
    Invalid(&'static str),
    #[error("{0} is required (set it in the environment or in {0}_FILE)")]
    Missing(&'static str),
}

/// The settings a config file may hold. No secrets: a PIN in the file is refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    database_max_connections: Option<u32>,
    hsm_module: Option<PathBuf>,
    hsm_token: Option<String>,
    log_format: Option<String>,
    rate_limit_per_second: Option<u32>,
    rate_limit_burst: Option<u32>,
    console_idle_timeout_secs: Option<u64>,
    console_secure_cookies: Option<bool>,
    /// `on` (the default: certificate and key files required) or `off`.
    tls: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    audit: crate::audit_config::AuditFileConfig,
    #[serde(default)]
    customer: crate::customer_config::CustomerFileConfig,
    #[serde(default)]
    lifecycle: crate::lifecycle_config::LifecycleFileConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// The checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub database_max_connections: u32,
    pub hsm: HsmConfig,
    pub log_format: LogFormat,
    /// Per-API-key request budget.
    pub rate_limit: crate::api::RateLimit,
    /// Console sessions.
    pub console: ConsoleConfig,
    /// Audit checkpoints, review and retention.
    pub audit: crate::audit_config::AuditConfig,
    /// Customer pages and the step-up policy.
    pub customer: coffer_vault::customer::CustomerSettings,
    /// Webhook retries.
    pub webhooks: crate::webhook_tasks::WebhookConfig,
    /// Expiry alerts, retention and the lifecycle scheduler.
    pub lifecycle: crate::lifecycle_config::LifecycleConfig,
    /// Encryptions per data key before it is rotated (not configurable outside tests).
    pub seal_limits: coffer_vault::keys::SealLimits,
    /// Limits before and after authentication, timeouts, trusted proxies.
    pub guards: crate::guard_config::GuardConfig,
    /// SQLite's writer: `full` (default) or, for measurements only, `normal`.
    pub sqlite_synchronous: coffer_vault::Synchronous,
    /// The private networks the relay may reach (`COFFER_RELAY_ALLOW_NETWORKS`, CIDRs; none by
    /// default: a connection must name a public host).
    pub relay: coffer_vault::relay::HostPolicy,
    /// TLS for the listener.
    pub tls: TlsSetting,
}

/// How the server speaks to its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSetting {
    /// Neither certificate files nor `COFFER_TLS=off`: `coffer serve` refuses to start.
    Unset,
    /// `COFFER_TLS=off`: plain HTTP, only behind a proxy that terminates TLS (a warning at start).
    Off,
    /// TLS 1.2+ with the certificate chain and key in these PEM files.
    Files(crate::tls::TlsFiles),
}

/// `COFFER_TLS`, `COFFER_TLS_CERT`, `COFFER_TLS_KEY` and `COFFER_TLS_RELOAD_SECS` over the file.
fn tls_setting(
    env: &impl Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<TlsSetting, ConfigError> {
    let cert = env("COFFER_TLS_CERT")
        .map(PathBuf::from)
        .or_else(|| file.tls_cert.clone());
    let key = env("COFFER_TLS_KEY")
        .map(PathBuf::from)
        .or_else(|| file.tls_key.clone());
    let reload_every = match env("COFFER_TLS_RELOAD_SECS") {
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=86_400).contains(s))
            .map(std::time::Duration::from_secs)
            .ok_or(ConfigError::Invalid("COFFER_TLS_RELOAD_SECS (1 to 86400)"))?,
        None => std::time::Duration::from_secs(60),
    };
    match (
        env("COFFER_TLS").or_else(|| file.tls.clone()).as_deref(),
        cert,
        key,
    ) {
        (Some("off"), None, None) => Ok(TlsSetting::Off),
        (Some("off"), _, _) => Err(ConfigError::Invalid(
            "COFFER_TLS=off with a certificate: choose one",
        )),
        (Some("on") | None, Some(cert), Some(key)) => Ok(TlsSetting::Files(crate::tls::TlsFiles {
            cert,
            key,
            reload_every,
        })),
        (Some("on") | None, Some(_), None) => Err(ConfigError::Missing("COFFER_TLS_KEY")),
        (Some("on") | None, None, Some(_)) => Err(ConfigError::Missing("COFFER_TLS_CERT")),
        (Some("on") | None, None, None) => Ok(TlsSetting::Unset),
        (Some(_), _, _) => Err(ConfigError::Invalid("COFFER_TLS (on or off)")),
    }
}

impl Config {
    /// What the vault is opened with.
    pub fn vault_config(&self) -> coffer_vault::VaultConfig {
        coffer_vault::VaultConfig {
            database_url: self.database_url.clone(),
            max_connections: self.database_max_connections,
            hsm: self.hsm.clone(),
            customer: self.customer.clone(),
            lifecycle: self.lifecycle.policy.clone(),
            seal_limits: self.seal_limits,
            audit: self.audit.settings(),
            sqlite_synchronous: self.sqlite_synchronous,
            relay: self.relay.clone(),
        }
    }
}

/// How console sessions behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// A session ends after this long without a request (PCI DSS 8.2.8: at most 15 minutes).
    pub idle_timeout: std::time::Duration,
    /// Mark the session cookies `Secure` and send HSTS (the default: Coffer is served over TLS,
    /// behind a TLS-terminating proxy). Off only for plain-HTTP development on this machine.
    pub secure_cookies: bool,
}

/// The longest idle timeout PCI DSS 8.2.8 allows.
pub const MAX_IDLE_SECS: u64 = 15 * 60;

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            idle_timeout: std::time::Duration::from_secs(MAX_IDLE_SECS),
            secure_cookies: true,
        }
    }
}

/// Reads the environment through a function, so tests can load from a map.
/// `file` is read if it exists; if `explicit` (the operator named it), it must exist.
pub fn load(
    file: Option<&Path>,
    explicit: bool,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let file_cfg = match file {
        Some(path) if path.exists() || explicit => {
            let text =
                std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_owned(), e))?;
            toml::from_str::<FileConfig>(&text)
                .map_err(|e| ConfigError::File(path.to_owned(), e))?
        }
        _ => FileConfig::default(),
    };
    let tls = tls_setting(&env, &file_cfg)?;
    let listen = env("COFFER_LISTEN")
        .or(file_cfg.listen)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listen: SocketAddr = listen
        .parse()
        .map_err(|_| ConfigError::Invalid("COFFER_LISTEN"))?;
    // The URL may carry a password: it can come from COFFER_DATABASE_URL_FILE too.
    let database_url = secret(&env, "COFFER_DATABASE_URL")?
        .map(|s| s.expose_secret().to_owned())
        .or(file_cfg.database_url)
        .unwrap_or_else(|| "sqlite://coffer.db?mode=rwc".into());
    let database_max_connections = match env("COFFER_DATABASE_MAX_CONNECTIONS") {
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError::Invalid("COFFER_DATABASE_MAX_CONNECTIONS"))?,
        None => file_cfg.database_max_connections.unwrap_or(8),
    };
    let module = env("COFFER_HSM_MODULE")
        .map(PathBuf::from)
        .or(file_cfg.hsm_module)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/softhsm/libsofthsm2.so"));
    let token_label = env("COFFER_HSM_TOKEN")
        .or(file_cfg.hsm_token)
        .unwrap_or_else(|| "coffer".into());
    let pin = secret(&env, "COFFER_HSM_PIN")?.ok_or(ConfigError::Missing("COFFER_HSM_PIN"))?;
    let log_format = match env("COFFER_LOG_FORMAT").or(file_cfg.log_format).as_deref() {
        None | Some("json") => LogFormat::Json,
        Some("pretty") => LogFormat::Pretty,
        Some(_) => return Err(ConfigError::Invalid("COFFER_LOG_FORMAT")),
    };
    let per_second = match env("COFFER_RATE_LIMIT_PER_SECOND") {
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError::Invalid("COFFER_RATE_LIMIT_PER_SECOND"))?,
        None => file_cfg.rate_limit_per_second.unwrap_or(5_000),
    };
    let burst = match env("COFFER_RATE_LIMIT_BURST") {
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError::Invalid("COFFER_RATE_LIMIT_BURST"))?,
        None => file_cfg
            .rate_limit_burst
            .unwrap_or(per_second.saturating_mul(2)),
    };
    if per_second == 0 || burst == 0 {
        return Err(ConfigError::Invalid(
            "COFFER_RATE_LIMIT_PER_SECOND / COFFER_RATE_LIMIT_BURST",
        ));
    }
    let idle_secs = match env("COFFER_CONSOLE_IDLE_TIMEOUT_SECS") {
        Some(v) => v
            .parse()
            .map_err(|_| ConfigError::Invalid("COFFER_CONSOLE_IDLE_TIMEOUT_SECS"))?,
        None => file_cfg.console_idle_timeout_secs.unwrap_or(MAX_IDLE_SECS),
    };
    if idle_secs == 0 || idle_secs > MAX_IDLE_SECS {
        return Err(ConfigError::Invalid(
            "COFFER_CONSOLE_IDLE_TIMEOUT_SECS (1 to 900 seconds)",
        ));
    }
    let secure_cookies = match env("COFFER_CONSOLE_SECURE_COOKIES").as_deref() {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(_) => return Err(ConfigError::Invalid("COFFER_CONSOLE_SECURE_COOKIES")),
        None => file_cfg.console_secure_cookies.unwrap_or(true),
    };
    // PCI DSS 4.2.1 on the way to the database: with COFFER_DATABASE_REQUIRE_TLS, a PostgreSQL
    // URL must verify the server's certificate and name.
    let require_tls = match env("COFFER_DATABASE_REQUIRE_TLS").as_deref() {
        Some("true" | "1") => true,
        Some("false" | "0") | None => false,
        Some(_) => return Err(ConfigError::Invalid("COFFER_DATABASE_REQUIRE_TLS")),
    };
    if require_tls && !database_url.starts_with("sqlite:") && !verifies_tls(&database_url) {
        return Err(ConfigError::Invalid(
            "COFFER_DATABASE_URL: COFFER_DATABASE_REQUIRE_TLS needs sslmode=verify-full",
        ));
    }
    let audit = crate::audit_config::load(&env, file_cfg.audit.clone())?;
    let customer = crate::customer_config::load(&env, file_cfg.customer.clone(), listen.port())?;
    let webhooks = webhook_config(&env)?;
    let lifecycle = crate::lifecycle_config::load(&env, file_cfg.lifecycle.clone())?;
    if database_max_connections == 0 || token_label.is_empty() {
        return Err(ConfigError::Invalid("database_max_connections / hsm_token"));
    }
    Ok(Config {
        listen,
        database_url,
        database_max_connections,
        hsm: HsmConfig {
            module,
            token_label,
            pin,
        },
        log_format,
        rate_limit: crate::api::RateLimit { per_second, burst },
        console: ConsoleConfig {
            idle_timeout: std::time::Duration::from_secs(idle_secs),
            secure_cookies,
        },
        audit,
        customer,
        webhooks,
        lifecycle,
        seal_limits: coffer_vault::keys::SealLimits::default(),
        guards: crate::guard_config::load(&env)?,
        sqlite_synchronous: match env("COFFER_SQLITE_SYNCHRONOUS") {
            None => coffer_vault::Synchronous::Full,
            Some(v) => coffer_vault::Synchronous::parse(&v).ok_or(ConfigError::Invalid(
                "COFFER_SQLITE_SYNCHRONOUS (full or normal)",
            ))?,
        },
        relay: coffer_vault::relay::HostPolicy {
            allowed_private: match env("COFFER_RELAY_ALLOW_NETWORKS") {
                None => Vec::new(),
                Some(v) => coffer_vault::net::parse_list(&v)
                    .ok_or(ConfigError::Invalid("COFFER_RELAY_ALLOW_NETWORKS"))?,
            },
        },
        tls,
    })
}

/// `COFFER_WEBHOOK_FIRST_RETRY_SECS` and `COFFER_WEBHOOK_MAX_ATTEMPTS` over the defaults.
fn webhook_config(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<crate::webhook_tasks::WebhookConfig, ConfigError> {
    let defaults = crate::webhook_tasks::WebhookConfig::default();
    let first_retry = match env("COFFER_WEBHOOK_FIRST_RETRY_SECS") {
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .map(std::time::Duration::from_secs)
            .ok_or(ConfigError::Invalid("COFFER_WEBHOOK_FIRST_RETRY_SECS"))?,
        None => defaults.first_retry,
    };
    let max_attempts = match env("COFFER_WEBHOOK_MAX_ATTEMPTS") {
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=20).contains(n))
            .ok_or(ConfigError::Invalid(
                "COFFER_WEBHOOK_MAX_ATTEMPTS (1 to 20)",
            ))?,
        None => defaults.max_attempts,
    };
    Ok(crate::webhook_tasks::WebhookConfig {
        first_retry,
        max_attempts,
        ..defaults
    })
}

/// Whether a PostgreSQL URL asks for TLS with the server's certificate and host verified.
fn verifies_tls(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|kv| kv.eq_ignore_ascii_case("sslmode=verify-full"))
    })
}

/// `NAME` from the environment, or the trimmed contents of the file named by `NAME_FILE`.
fn secret(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<SecretString>, ConfigError> {
    if let Some(v) = env(name) {
        return Ok(Some(SecretString::from(v)));
    }
    let Some(path) = env(&format!("{name}_FILE")) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.into(), e))?;
    Ok(Some(SecretString::from(text.trim().to_owned())))
}

/// An environment of `pairs` only, for tests of the settings.
#[cfg(test)]
pub(crate) fn fake_env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    use super::fake_env as env;

    #[test]
    fn environment_overrides_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("coffer.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:4000\"\nhsm_token = \"from-file\"\n",
        )
        .unwrap();
        let cfg = load(
            Some(&file),
            true,
            env(&[("COFFER_HSM_PIN", "1234"), ("COFFER_HSM_TOKEN", "from-env")]),
        )
        .unwrap();
        assert_eq!(cfg.listen.port(), 4000);
        assert_eq!(cfg.hsm.token_label, "from-env");
        assert_eq!(cfg.hsm.pin.expose_secret(), "1234");
        assert!(cfg.database_url.starts_with("sqlite://"));
    }

    #[test]
    fn tls_is_on_unless_turned_off_and_needs_both_files() {
        let with = |pairs: &[(&str, &str)]| {
            let mut all = vec![("COFFER_HSM_PIN", "1")];
            all.extend_from_slice(pairs);
            load(None, false, env(&all)).map(|c| c.tls)
        };
        assert_eq!(with(&[]).unwrap(), TlsSetting::Unset);
        assert_eq!(with(&[("COFFER_TLS", "off")]).unwrap(), TlsSetting::Off);
        let files = with(&[("COFFER_TLS_CERT", "/c.pem"), ("COFFER_TLS_KEY", "/k.pem")]).unwrap();
        let TlsSetting::Files(f) = files else {
            panic!("{files:?}")
        };
        assert_eq!(
            (f.cert.to_str(), f.reload_every.as_secs()),
            (Some("/c.pem"), 60)
        );
        assert!(matches!(
            with(&[("COFFER_TLS_CERT", "/c.pem")]),
            Err(ConfigError::Missing("COFFER_TLS_KEY"))
        ));
        assert!(with(&[("COFFER_TLS", "off"), ("COFFER_TLS_CERT", "/c.pem")]).is_err());
        assert!(with(&[("COFFER_TLS", "maybe")]).is_err());
        assert!(with(&[("COFFER_TLS_RELOAD_SECS", "0")]).is_err());
    }

    #[test]
    fn pin_is_required_may_come_from_a_file_and_is_never_printed() {
        assert!(matches!(
            load(None, false, env(&[])),
            Err(ConfigError::Missing("COFFER_HSM_PIN"))
        ));
        let dir = tempfile::tempdir().unwrap();
        let pin_file = dir.path().join("pin");
        std::fs::write(&pin_file, "98765\n").unwrap();
        let cfg = load(
            None,
            false,
            env(&[("COFFER_HSM_PIN_FILE", pin_file.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(cfg.hsm.pin.expose_secret(), "98765");
        assert!(!format!("{cfg:?}").contains("98765"));
    }

    #[test]
    fn the_console_idle_timeout_is_at_most_fifteen_minutes() {
        let with = |secs: &str| {
            load(
                None,
                false,
                env(&[
                    ("COFFER_HSM_PIN", "1"),
                    ("COFFER_CONSOLE_IDLE_TIMEOUT_SECS", secs),
                ]),
            )
        };
        assert_eq!(
            load(None, false, env(&[("COFFER_HSM_PIN", "1")]))
                .unwrap()
                .console
                .idle_timeout
                .as_secs(),
            900
        );
        assert_eq!(with("300").unwrap().console.idle_timeout.as_secs(), 300);
        for bad in ["901", "0", "3600", "soon"] {
            assert!(with(bad).is_err(), "{bad}");
        }
        let secure = load(
            None,
            false,
            env(&[
                ("COFFER_HSM_PIN", "1"),
                ("COFFER_CONSOLE_SECURE_COOKIES", "true"),
            ]),
        )
        .unwrap();
        assert!(secure.console.secure_cookies);
    }

    #[test]
    fn cookies_are_secure_by_default_and_database_tls_can_be_required() {
        let base = [("COFFER_HSM_PIN", "1")];
        assert!(
            load(None, false, env(&base))
                .unwrap()
                .console
                .secure_cookies
        );
        let plain = load(
            None,
            false,
            env(&[
                ("COFFER_HSM_PIN", "1"),
                ("COFFER_CONSOLE_SECURE_COOKIES", "false"),
            ]),
        )
        .unwrap();
        assert!(!plain.console.secure_cookies);
        let with = |url: &str| {
            load(
                None,
                false,
                env(&[
                    ("COFFER_HSM_PIN", "1"),
                    ("COFFER_DATABASE_REQUIRE_TLS", "true"),
                    ("COFFER_DATABASE_URL", url),
                ]),
            )
        };
        assert!(with("postgres://db.internal/coffer").is_err());
        assert!(with("postgres://db.internal/coffer?sslmode=require").is_err());
        assert!(with("postgres://db.internal/coffer?sslmode=verify-full").is_ok());
        assert!(with("sqlite://coffer.db?mode=rwc").is_ok());
    }

    #[test]
    fn a_pin_in_the_config_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("coffer.toml");
        std::fs::write(&file, "hsm_pin = \"1234\"\n").unwrap();
        assert!(matches!(
            load(Some(&file), true, env(&[("COFFER_HSM_PIN", "1")])),
            Err(ConfigError::File(..))
        ));
    }

    #[test]
    fn a_named_config_file_must_exist_and_the_database_url_may_come_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(matches!(
            load(Some(&missing), true, env(&[("COFFER_HSM_PIN", "1")])),
            Err(ConfigError::Read(..))
        ));
        assert!(load(Some(&missing), false, env(&[("COFFER_HSM_PIN", "1")])).is_ok());
        let url_file = dir.path().join("db-url");
        std::fs::write(&url_file, "postgres://coffer:s3cret@db/coffer\n").unwrap();
        let cfg = load(
            None,
            false,
            env(&[
                ("COFFER_HSM_PIN", "1"),
                ("COFFER_DATABASE_URL_FILE", url_file.to_str().unwrap()),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.database_url, "postgres://coffer:s3cret@db/coffer");
    }

    #[test]
    fn bad_values_are_named() {
        let e = load(
            None,
            false,
            env(&[("COFFER_HSM_PIN", "1"), ("COFFER_LISTEN", "nope")]),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "invalid value for COFFER_LISTEN");
    }
}
