//! Settings that bound what any caller can make the server do before and after authentication:
//! validations per key, relay forwards per key and per connection, failed authentications per
//! client address, the request timeout and the number of requests in flight, and the proxies
//! trusted to name the client address.

use crate::config::ConfigError;
use coffer_vault::net::{self, IpNet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardConfig {
    /// Validations per minute per API key (validate answers nothing a caller could not compute,
    /// but bursts of it are how numbers are probed).
    pub validate_per_minute: u32,
    /// Relay forwards per minute per API key (each sends card data to a PSP).
    pub forward_per_minute: u32,
    /// Relay forwards per minute per connection, whichever keys send them (keeps one channel's
    /// burst from using up a PSP's own rate limit for everyone).
    pub connection_forward_per_minute: u32,
    /// Failed authentications (API keys, console sign-in steps) per minute per client address;
    /// beyond it the address gets `429` without its attempts being checked or audited one by one.
    pub failed_auth_per_minute: u32,
    /// A request that takes longer is answered `503` (PCI DSS 6.2.4: resource exhaustion).
    pub request_timeout: Duration,
    /// Requests served at once; more are refused with `503` instead of queueing without bound.
    pub max_in_flight: usize,
    /// Proxies whose `X-Forwarded-For` names the client (audit origin, review rules, limits).
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            validate_per_minute: 600,
            forward_per_minute: 6_000,
            connection_forward_per_minute: 30_000,
            failed_auth_per_minute: 60,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match env(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<T>()
            .ok()
            .filter(|n| *n > T::default())
            .ok_or(ConfigError::Invalid(name)),
    }
}

/// Reads `COFFER_VALIDATE_RATE_PER_MINUTE`, `COFFER_FORWARD_RATE_PER_MINUTE`,
/// `COFFER_CONNECTION_FORWARD_RATE_PER_MINUTE`, `COFFER_FAILED_AUTH_PER_MINUTE`,
/// `COFFER_REQUEST_TIMEOUT_SECS`, `COFFER_MAX_IN_FLIGHT` and `COFFER_TRUSTED_PROXIES` (CIDRs,
/// comma- or space-separated) over the defaults.
pub fn load(env: &impl Fn(&str) -> Option<String>) -> Result<GuardConfig, ConfigError> {
    let d = GuardConfig::default();
    let trusted_proxies = match env("COFFER_TRUSTED_PROXIES") {
        None => d.trusted_proxies,
        Some(v) => net::parse_list(&v).ok_or(ConfigError::Invalid("COFFER_TRUSTED_PROXIES"))?,
    };
    Ok(GuardConfig {
        validate_per_minute: positive(
            env,
            "COFFER_VALIDATE_RATE_PER_MINUTE",
            d.validate_per_minute,
        )?,
        forward_per_minute: positive(env, "COFFER_FORWARD_RATE_PER_MINUTE", d.forward_per_minute)?,
        connection_forward_per_minute: positive(
            env,
            "COFFER_CONNECTION_FORWARD_RATE_PER_MINUTE",
            d.connection_forward_per_minute,
        )?,
        failed_auth_per_minute: positive(
            env,
            "COFFER_FAILED_AUTH_PER_MINUTE",
            d.failed_auth_per_minute,
        )?,
        request_timeout: Duration::from_secs(positive(
            env,
            "COFFER_REQUEST_TIMEOUT_SECS",
            d.request_timeout.as_secs(),
        )?),
        max_in_flight: positive(env, "COFFER_MAX_IN_FLIGHT", d.max_in_flight)?,
        trusted_proxies,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    use crate::config::fake_env as env;

    #[test]
    fn defaults_overrides_and_refusals() {
        assert_eq!(load(&env(&[])).unwrap(), GuardConfig::default());
        let c = load(&env(&[
            ("COFFER_VALIDATE_RATE_PER_MINUTE", "30"),
            ("COFFER_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"),
            ("COFFER_REQUEST_TIMEOUT_SECS", "5"),
        ]))
        .unwrap();
        assert_eq!(c.validate_per_minute, 30);
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.request_timeout, Duration::from_secs(5));
        for (k, v) in [
            ("COFFER_VALIDATE_RATE_PER_MINUTE", "0"),
            ("COFFER_FAILED_AUTH_PER_MINUTE", "-1"),
            ("COFFER_MAX_IN_FLIGHT", "many"),
            ("COFFER_TRUSTED_PROXIES", "10.0.0.0/8 nope"),
        ] {
            assert!(load(&env(&[(k, v)])).is_err(), "{k}={v}");
        }
    }
}
