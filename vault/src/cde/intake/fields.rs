//! Non-secret request fields: the customer reference, metadata and billing details, each checked
//! for size and for anything that looks like a card number (data-loss prevention).

use super::IntakeError;
use super::body::{AddressBody, BillingBody};
use coffer_dlp::contains_card_number;
use std::collections::BTreeMap;

/// The OMS's reference for a customer: 1–64 characters of `[A-Za-z0-9_.:@-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRef(String);

impl CustomerRef {
    pub fn parse(s: &str) -> Option<CustomerRef> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.:@-".contains(&b))
            && !contains_card_number(s);
        ok.then(|| CustomerRef(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(super) fn customer(raw: Option<String>) -> Result<CustomerRef, IntakeError> {
    let raw = raw.ok_or_else(|| IntakeError::missing("customer"))?;
    CustomerRef::parse(&raw).ok_or_else(|| IntakeError::invalid("customer"))
}

/// Checks one free-text field: length and no card-number-like content.
pub(super) fn free_text(param: &str, value: &str, max: usize) -> Result<(), IntakeError> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(IntakeError::invalid(param));
    }
    if contains_card_number(value) {
        return Err(IntakeError::invalid_because(
            param,
            "it looks like a card number, which must never be sent here",
        ));
    }
    Ok(())
}

/// Up to 50 keys of at most 40 characters, values of at most 500 (Stripe's limits).
pub(super) fn metadata(
    raw: Option<BTreeMap<String, String>>,
) -> Result<Option<BTreeMap<String, String>>, IntakeError> {
    let Some(map) = raw else { return Ok(None) };
    if map.len() > 50 {
        return Err(IntakeError::invalid_because("metadata", "at most 50 keys"));
    }
    for (key, value) in &map {
        let plain_key =
            !key.is_empty() && key.len() <= 40 && key.bytes().all(|b| b.is_ascii_graphic());
        if !plain_key || contains_card_number(key) {
            return Err(IntakeError::invalid_because(
                "metadata",
                "keys are 1-40 printable characters",
            ));
        }
        free_text(&format!("metadata[{key}]"), value, 500)?;
    }
    Ok(Some(map))
}

pub(super) fn billing(raw: Option<BillingBody>) -> Result<Option<BillingBody>, IntakeError> {
    let Some(b) = raw else { return Ok(None) };
    let fields = [("name", &b.name), ("email", &b.email), ("phone", &b.phone)];
    for (name, value) in fields {
        if let Some(v) = value {
            free_text(&format!("billing_details[{name}]"), v, 200)?;
        }
    }
    if let Some(a) = &b.address {
        address(a)?;
    }
    Ok(Some(b))
}

fn address(a: &AddressBody) -> Result<(), IntakeError> {
    let fields = [
        ("line1", &a.line1),
        ("line2", &a.line2),
        ("city", &a.city),
        ("state", &a.state),
        ("postal_code", &a.postal_code),
        ("country", &a.country),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            free_text(&format!("billing_details[address][{name}]"), v, 200)?;
        }
    }
    let bad_country = a
        .country
        .as_ref()
        .is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()));
    if bad_country {
        return Err(IntakeError::invalid_because(
            "billing_details[address][country]",
            "an ISO 3166-1 alpha-2 code",
        ));
    }
    Ok(())
}
