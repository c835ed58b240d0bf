//! Settings for customers' pages and step-up: the public URL links are built on (and passkeys
//! are bound to), the merchant name customers see, and the step-up policy.

use crate::config::ConfigError;
use coffer_vault::customer::{CustomerSettings, StepUpPolicy, StepUpRule, Unenrolled};

/// The `[customer]` table a config file may hold.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFileConfig {
    pub public_url: Option<String>,
    pub merchant_name: Option<String>,
    /// `["web:eur:50000", "*:usd:100000"]`: channel (or `*`), currency, amount in minor units.
    pub step_up_rules: Option<Vec<String>>,
    /// `decline` (default) or `approve`: a use that needs a step-up from a customer with no
    /// factor.
    pub unenrolled: Option<String>,
    /// API clients must name an approved use in every reveal.
    pub reveal_requires_use: Option<bool>,
}

fn flag(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    file: Option<bool>,
) -> Result<bool, ConfigError> {
    match env(name).as_deref() {
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(_) => Err(ConfigError::Invalid(name)),
        None => Ok(file.unwrap_or(false)),
    }
}

/// Reads `COFFER_PUBLIC_URL`, `COFFER_MERCHANT_NAME`, `COFFER_STEP_UP_RULES` (comma-separated)
/// and `COFFER_STEP_UP_UNENROLLED` over the file's `[customer]` table over the defaults.
pub fn load(
    env: &impl Fn(&str) -> Option<String>,
    file: CustomerFileConfig,
    listen_port: u16,
) -> Result<CustomerSettings, ConfigError> {
    let public_url = env("COFFER_PUBLIC_URL")
        .or(file.public_url)
        .unwrap_or_else(|| format!("http://localhost:{listen_port}"));
    let url_ok = (public_url.starts_with("https://") || public_url.starts_with("http://"))
        && !public_url.contains(['?', '#', ' ']);
    if !url_ok {
        return Err(ConfigError::Invalid(
            "COFFER_PUBLIC_URL (http(s)://host[:port])",
        ));
    }
    let merchant_name = env("COFFER_MERCHANT_NAME")
        .or(file.merchant_name)
        .unwrap_or_else(|| CustomerSettings::default().merchant_name);
    let name_ok = (1..=80).contains(&merchant_name.chars().count())
        && !merchant_name.chars().any(char::is_control);
    if !name_ok {
        return Err(ConfigError::Invalid(
            "COFFER_MERCHANT_NAME (1-80 characters)",
        ));
    }
    let defaults = StepUpPolicy::default();
    let rules = match env("COFFER_STEP_UP_RULES") {
        Some(v) if v.trim().is_empty() => Some(Vec::new()),
        Some(v) => Some(v.split(',').map(str::to_owned).collect()),
        None => file.step_up_rules,
    };
    let rules = match rules {
        None => defaults.rules,
        Some(list) => list
            .iter()
            .map(|r| StepUpRule::parse(r))
            .collect::<Option<Vec<_>>>()
            .ok_or(ConfigError::Invalid(
                "COFFER_STEP_UP_RULES (channel-or-*:currency:minor-amount, comma-separated)",
            ))?,
    };
    let unenrolled = match env("COFFER_STEP_UP_UNENROLLED").or(file.unenrolled) {
        None => defaults.unenrolled,
        Some(v) => Unenrolled::parse(&v).ok_or(ConfigError::Invalid(
            "COFFER_STEP_UP_UNENROLLED (decline or approve)",
        ))?,
    };
    let reveal_requires_use = flag(env, "COFFER_REVEAL_REQUIRES_USE", file.reveal_requires_use)?;
    let insecure_webhooks = flag(env, "COFFER_WEBHOOK_ALLOW_INSECURE", None)?;
    Ok(CustomerSettings {
        policy: StepUpPolicy { rules, unenrolled },
        public_url,
        merchant_name,
        reveal_requires_use,
        insecure_webhooks,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::collections::HashMap;

    fn env(map: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = map
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_step_up_at_500_and_decline_the_unenrolled() {
        let s = load(&env(&[]), CustomerFileConfig::default(), 3000).unwrap();
        assert_eq!(s.public_url, "http://localhost:3000");
        assert_eq!(s.policy.rules.len(), 3);
        assert_eq!(s.policy.unenrolled, Unenrolled::Decline);
    }

    #[test]
    fn environment_overrides_the_file_and_bad_values_are_refused() {
        let file = CustomerFileConfig {
            step_up_rules: Some(vec!["web:eur:100".into()]),
            ..Default::default()
        };
        let s = load(&env(&[]), file.clone(), 3000).unwrap();
        assert_eq!(s.policy.rules[0].to_string(), "web, ≥ 1.00 EUR");
        let s = load(
            &env(&[("COFFER_STEP_UP_RULES", "pos:usd:2000,*:jpy:50000")]),
            file.clone(),
            3000,
        )
        .unwrap();
        assert_eq!(s.policy.rules.len(), 2);
        let s = load(&env(&[("COFFER_STEP_UP_RULES", "")]), file.clone(), 3000).unwrap();
        assert!(s.policy.rules.is_empty());
        assert!(
            load(
                &env(&[("COFFER_STEP_UP_RULES", "web:eur")]),
                file.clone(),
                1
            )
            .is_err()
        );
        assert!(
            load(
                &env(&[("COFFER_STEP_UP_UNENROLLED", "maybe")]),
                file.clone(),
                1
            )
            .is_err()
        );
        assert!(load(&env(&[("COFFER_PUBLIC_URL", "ftp://x")]), file, 1).is_err());
    }
}
