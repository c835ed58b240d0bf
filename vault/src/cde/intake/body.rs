//! The wire shape of a create/validate request. Secrets deserialise straight into `SecretString`.

use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    pub customer: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub card: Option<CardBody>,
    pub sepa_debit: Option<SepaBody>,
    pub us_bank_account: Option<AchBody>,
    pub alipay: Option<AlipayBody>,
    pub billing_details: Option<BillingBody>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub alias: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CardBody {
    pub number: Option<SecretString>,
    pub exp_month: Option<NumOrStr>,
    pub exp_year: Option<NumOrStr>,
    pub cvc: Option<SecretString>,
    pub name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SepaBody {
    pub iban: Option<SecretString>,
    pub bic: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AchBody {
    pub routing_number: Option<String>,
    pub account_number: Option<SecretString>,
    pub account_holder_type: Option<String>,
    pub account_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AlipayBody {
    pub account: Option<SecretString>,
}

#[derive(Deserialize, serde::Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BillingBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressBody>,
}

#[derive(Deserialize, serde::Serialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Expiry parts arrive as numbers or strings; both are accepted.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum NumOrStr {
    Num(u64),
    Str(String),
}

impl NumOrStr {
    pub fn into_string(self) -> String {
        match self {
            NumOrStr::Num(n) => n.to_string(),
            NumOrStr::Str(s) => s,
        }
    }
}
