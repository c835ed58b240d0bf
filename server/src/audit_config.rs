//! Settings for the audit log's background work: checkpoint signing, the daily review, and
//! retention (PCI DSS 10.3.4, 10.4.1, 10.5.1).

use crate::config::ConfigError;
use coffer_vault::audit::review::ReviewRules;
use std::path::PathBuf;
use std::time::Duration;

/// PCI DSS 10.5.1: at least twelve months retained…
pub const MIN_RETENTION_DAYS: u32 = 365;
/// …and at least the last three months immediately available.
pub const MIN_HOT_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// Where signed archive files are written (and read back by `coffer audit verify`).
    pub archive_dir: PathBuf,
    /// Events younger than this stay in the searchable table.
    pub hot_days: u32,
    /// Archive files older than this are deleted (their signed records stay).
    pub retention_days: u32,
    /// How often the chain head is signed in the HSM.
    pub checkpoint_interval: Duration,
    pub review: ReviewRules,
}

impl AuditConfig {
    /// What the vault's verification holds the log to.
    pub fn settings(&self) -> coffer_vault::audit::AuditSettings {
        coffer_vault::audit::AuditSettings {
            retention_days: self.retention_days,
            checkpoint_ms: i64::try_from(self.checkpoint_interval.as_millis()).unwrap_or(i64::MAX),
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            archive_dir: PathBuf::from("audit-archive"),
            hot_days: MIN_HOT_DAYS,
            retention_days: MIN_RETENTION_DAYS,
            checkpoint_interval: Duration::from_secs(60),
            review: ReviewRules::default(),
        }
    }
}

/// The `audit_*` keys a config file may hold.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFileConfig {
    pub archive_dir: Option<PathBuf>,
    pub hot_days: Option<u32>,
    pub retention_days: Option<u32>,
    pub checkpoint_secs: Option<u64>,
    /// `HH-HH` in UTC, e.g. `07-19`.
    pub business_hours: Option<String>,
}

fn number<T: std::str::FromStr>(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    file: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    match env(name) {
        Some(v) => v.parse().map_err(|_| ConfigError::Invalid(name)),
        None => Ok(file.unwrap_or(default)),
    }
}

/// Reads `COFFER_AUDIT_*` over the file's `[audit]` table over the defaults.
pub fn load(
    env: &impl Fn(&str) -> Option<String>,
    file: AuditFileConfig,
) -> Result<AuditConfig, ConfigError> {
    let d = AuditConfig::default();
    let archive_dir = env("COFFER_AUDIT_ARCHIVE_DIR")
        .map(PathBuf::from)
        .or(file.archive_dir)
        .unwrap_or(d.archive_dir);
    let hot_days = number(env, "COFFER_AUDIT_HOT_DAYS", file.hot_days, d.hot_days)?;
    let retention_days = number(
        env,
        "COFFER_AUDIT_RETENTION_DAYS",
        file.retention_days,
        d.retention_days,
    )?;
    if hot_days < MIN_HOT_DAYS || retention_days < MIN_RETENTION_DAYS || retention_days < hot_days {
        return Err(ConfigError::Invalid(
            "COFFER_AUDIT_HOT_DAYS (>= 90) / COFFER_AUDIT_RETENTION_DAYS (>= 365 and >= hot days)",
        ));
    }
    let secs = number(
        env,
        "COFFER_AUDIT_CHECKPOINT_SECS",
        file.checkpoint_secs,
        60,
    )?;
    if !(1..=3600).contains(&secs) {
        return Err(ConfigError::Invalid(
            "COFFER_AUDIT_CHECKPOINT_SECS (1 to 3600)",
        ));
    }
    let mut review = d.review;
    if let Some(hours) = env("COFFER_AUDIT_BUSINESS_HOURS").or(file.business_hours) {
        let invalid = ConfigError::Invalid("COFFER_AUDIT_BUSINESS_HOURS (HH-HH, UTC)");
        let (start, end) = hours.split_once('-').ok_or(invalid)?;
        let parse = |h: &str| h.trim().parse::<u8>().ok().filter(|h| *h <= 24);
        match (parse(start), parse(end)) {
            (Some(s), Some(e)) if s < e => {
                review.business_start_hour = s;
                review.business_end_hour = e;
            }
            _ => {
                return Err(ConfigError::Invalid(
                    "COFFER_AUDIT_BUSINESS_HOURS (HH-HH, UTC)",
                ));
            }
        }
    }
    Ok(AuditConfig {
        archive_dir,
        hot_days,
        retention_days,
        checkpoint_interval: Duration::from_secs(secs),
        review,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<AuditConfig, ConfigError> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        load(&|k: &str| map.get(k).cloned(), AuditFileConfig::default())
    }

    #[test]
    fn defaults_meet_pci_and_shorter_periods_are_refused() {
        let c = with(&[]).unwrap();
        assert_eq!((c.hot_days, c.retention_days), (90, 365));
        assert!(with(&[("COFFER_AUDIT_RETENTION_DAYS", "364")]).is_err());
        assert!(with(&[("COFFER_AUDIT_HOT_DAYS", "30")]).is_err());
        assert!(with(&[("COFFER_AUDIT_HOT_DAYS", "400")]).is_err());
        let c = with(&[
            ("COFFER_AUDIT_HOT_DAYS", "120"),
            ("COFFER_AUDIT_RETENTION_DAYS", "730"),
        ])
        .unwrap();
        assert_eq!((c.hot_days, c.retention_days), (120, 730));
    }

    #[test]
    fn business_hours_parse() {
        let c = with(&[("COFFER_AUDIT_BUSINESS_HOURS", "08-18")]).unwrap();
        assert_eq!(
            (c.review.business_start_hour, c.review.business_end_hour),
            (8, 18)
        );
        assert!(with(&[("COFFER_AUDIT_BUSINESS_HOURS", "18-08")]).is_err());
        assert!(with(&[("COFFER_AUDIT_BUSINESS_HOURS", "nine")]).is_err());
    }
}
