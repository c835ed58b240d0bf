//! Settings of the lifecycle job: alert lead times, retention (archive and shred), the
//! re-verification link's life, and how often the job runs.

use crate::config::ConfigError;
use coffer_vault::lifecycle::LifecyclePolicy;
use std::time::Duration;

/// The `[lifecycle]` table a config file may hold.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleFileConfig {
    /// `[60, 30, 7]`.
    pub alert_lead_days: Option<Vec<u32>>,
    pub archive_expired_after_days: Option<u32>,
    pub archive_unused_after_days: Option<u32>,
    pub shred_archived_after_days: Option<u32>,
    pub reverify_link_days: Option<u32>,
    /// Seconds between runs; 0 turns the scheduler off (run it with `coffer lifecycle run`).
    pub interval_secs: Option<u64>,
}

/// The checked settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleConfig {
    pub policy: LifecyclePolicy,
    /// `None`: no scheduler in this process.
    pub interval: Option<Duration>,
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            policy: LifecyclePolicy::default(),
            interval: Some(Duration::from_secs(3600)),
        }
    }
}

fn days(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    file: Option<u32>,
    default: u32,
) -> Result<u32, ConfigError> {
    match env(name) {
        Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid(name)),
        None => Ok(file.unwrap_or(default)),
    }
}

/// Reads `COFFER_ALERT_LEAD_DAYS` (comma-separated), `COFFER_ARCHIVE_EXPIRED_AFTER_DAYS`,
/// `COFFER_ARCHIVE_UNUSED_AFTER_DAYS`, `COFFER_SHRED_ARCHIVED_AFTER_DAYS`,
/// `COFFER_REVERIFY_LINK_DAYS` and `COFFER_LIFECYCLE_INTERVAL_SECS` over the file's
/// `[lifecycle]` table over the defaults.
pub fn load(
    env: &impl Fn(&str) -> Option<String>,
    file: LifecycleFileConfig,
) -> Result<LifecycleConfig, ConfigError> {
    let d = LifecyclePolicy::default();
    let lead_days = match env("COFFER_ALERT_LEAD_DAYS") {
        Some(v) => v
            .split(',')
            .map(|s| s.trim().parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConfigError::Invalid("COFFER_ALERT_LEAD_DAYS"))?,
        None => file.alert_lead_days.unwrap_or(d.lead_days.clone()),
    };
    let policy = LifecyclePolicy {
        lead_days,
        archive_expired_after_days: days(
            env,
            "COFFER_ARCHIVE_EXPIRED_AFTER_DAYS",
            file.archive_expired_after_days,
            d.archive_expired_after_days,
        )?,
        archive_unused_after_days: days(
            env,
            "COFFER_ARCHIVE_UNUSED_AFTER_DAYS",
            file.archive_unused_after_days,
            d.archive_unused_after_days,
        )?,
        shred_archived_after_days: days(
            env,
            "COFFER_SHRED_ARCHIVED_AFTER_DAYS",
            file.shred_archived_after_days,
            d.shred_archived_after_days,
        )?,
        reverify_link_days: days(
            env,
            "COFFER_REVERIFY_LINK_DAYS",
            file.reverify_link_days,
            d.reverify_link_days,
        )?,
    }
    .checked()
    .map_err(|_| {
        ConfigError::Invalid("lifecycle (lead times 1-365 days; retention and link days 1-3650)")
    })?;
    let secs = match env("COFFER_LIFECYCLE_INTERVAL_SECS") {
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| ConfigError::Invalid("COFFER_LIFECYCLE_INTERVAL_SECS"))?,
        None => file.interval_secs.unwrap_or(3600),
    };
    Ok(LifecycleConfig {
        policy,
        interval: (secs > 0).then(|| Duration::from_secs(secs)),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn environment_overrides_file_and_bad_values_are_refused() {
        let env = |k: &str| match k {
            "COFFER_ALERT_LEAD_DAYS" => Some("7, 45".to_owned()),
            "COFFER_LIFECYCLE_INTERVAL_SECS" => Some("0".to_owned()),
            _ => None,
        };
        let file = LifecycleFileConfig {
            shred_archived_after_days: Some(10),
            ..Default::default()
        };
        let c = load(&env, file).unwrap();
        assert_eq!(c.policy.lead_days, vec![45, 7]);
        assert_eq!(c.policy.shred_archived_after_days, 10);
        assert_eq!(c.interval, None);
        let bad = |k: &str| (k == "COFFER_ALERT_LEAD_DAYS").then(|| "0".to_owned());
        assert!(load(&bad, LifecycleFileConfig::default()).is_err());
        let none = |_: &str| None;
        assert_eq!(
            load(&none, LifecycleFileConfig::default()).unwrap(),
            LifecycleConfig::default()
        );
    }
}
