//! What the API returns: the masked view of a stored method (with the fingerprint scoped to its
//! owning channel), the shape of a deletion, and the reveal body (the one value in Coffer that
//! carries a full PAN out, in zeroizing memory).

use crate::store::PaymentMethodRow;
use serde::Serialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

/// A stored payment method as anyone without a reveal grant sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PaymentMethodView {
    pub id: String,
    pub object: &'static str,
    #[serde(rename = "type")]
    pub kind: String,
    pub customer: String,
    pub status: String,
    /// Unix seconds.
    pub created: i64,
    pub channel: String,
    pub billing_details: Option<Value>,
    pub metadata: Value,
    /// `{"card": {...}}`, `{"sepa_debit": {...}}`, … (the masked, type-specific object).
    #[serde(flatten)]
    pub details: Map<String, Value>,
    /// The PSPs' tokens for this method (vaulted there through the relay), on a single read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psp_tokens: Vec<crate::relay::connectors::PspToken>,
}

impl PaymentMethodView {
    pub fn from_row(row: &PaymentMethodRow) -> PaymentMethodView {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
        };
        let mut shown = serde_json::from_str(&row.display).unwrap_or(Value::Null);
        if let (Value::Object(fields), Some(fp)) = (&mut shown, &row.channel_fingerprint) {
            let short: String = fp.chars().take(16).collect();
            fields.insert("fingerprint".into(), Value::String(short));
        }
        let mut details = Map::new();
        details.insert(row.kind.clone(), shown);
        PaymentMethodView {
            id: row.id.clone(),
            object: "payment_method",
            kind: row.kind.clone(),
            customer: row.customer.clone(),
            status: row.status.clone(),
            created: row.created_at / 1000,
            channel: row.channel.clone(),
            billing_details: parse(&row.billing_details),
            metadata: parse(&row.metadata).unwrap_or_else(|| Value::Object(Map::new())),
            details,
            psp_tokens: Vec::new(),
        }
    }

    /// The view of a request that was validated but not stored.
    pub fn unsaved(
        kind: &str,
        customer: &str,
        details: Value,
        billing: Option<Value>,
        metadata: Option<Value>,
    ) -> Self {
        let mut map = Map::new();
        map.insert(kind.to_owned(), details);
        PaymentMethodView {
            id: String::new(),
            object: "payment_method",
            kind: kind.to_owned(),
            customer: customer.to_owned(),
            status: "unsaved".into(),
            created: crate::clock::now_millis() / 1000,
            channel: String::new(),
            billing_details: billing,
            metadata: metadata.unwrap_or_else(|| Value::Object(Map::new())),
            details: map,
            psp_tokens: Vec::new(),
        }
    }
}

/// The answer to a delete (crypto-shred).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeletedView {
    pub id: String,
    pub object: &'static str,
    pub deleted: bool,
}

/// A reveal answer as JSON bytes in zeroizing memory, with the method's type and where its
/// secret payload lies in them, for the console's labelled fields. Debug never shows it.
pub struct RevealedBody {
    json: Zeroizing<Vec<u8>>,
    kind: String,
    /// Where the secret payload starts in `json` (it runs to the closing brace).
    payload_at: usize,
}

/// The secret payloads as stored, read back into zeroizing strings (serde_json writes an
/// unescaped string straight into the one allocation each field takes).
mod secrets {
    use serde::Deserialize;
    use zeroize::Zeroizing;

    #[derive(Deserialize)]
    pub struct Card {
        pub number: Zeroizing<String>,
        pub exp_month: u8,
        pub exp_year: u16,
        pub name: Option<Zeroizing<String>>,
    }

    #[derive(Deserialize)]
    pub struct Sepa {
        pub iban: Zeroizing<String>,
        pub bic: Option<Zeroizing<String>>,
    }

    #[derive(Deserialize)]
    pub struct Ach {
        pub routing_number: Zeroizing<String>,
        pub account_number: Zeroizing<String>,
    }

    #[derive(Deserialize)]
    pub struct Alipay {
        pub account: Zeroizing<String>,
    }
}

impl RevealedBody {
    /// The clear details as (label, value) for a person to read, in zeroizing memory: built
    /// here, from the stored payload's own shape, so nothing outside the vault guesses at keys.
    pub fn labelled_fields(&self) -> Vec<(&'static str, Zeroizing<String>)> {
        let text = |n: u16| Zeroizing::new(n.to_string());
        let mut out = Vec::new();
        match self.kind.as_str() {
            "card" => {
                if let Ok(c) = serde_json::from_slice::<secrets::Card>(self.payload()) {
                    out.push(("Card number", c.number));
                    out.push(("Expiry month", text(u16::from(c.exp_month))));
                    out.push(("Expiry year", text(c.exp_year)));
                    out.extend(c.name.map(|n| ("Name on card", n)));
                }
            }
            "sepa_debit" => {
                if let Ok(s) = serde_json::from_slice::<secrets::Sepa>(self.payload()) {
                    out.push(("IBAN", s.iban));
                    out.extend(s.bic.map(|b| ("BIC", b)));
                }
            }
            "us_bank_account" => {
                if let Ok(a) = serde_json::from_slice::<secrets::Ach>(self.payload()) {
                    out.push(("Routing number", a.routing_number));
                    out.push(("Account number", a.account_number));
                }
            }
            "alipay" => {
                if let Ok(a) = serde_json::from_slice::<secrets::Alipay>(self.payload()) {
                    out.push(("Alipay account", a.account));
                }
            }
            _ => {}
        }
        out
    }

    /// One clear detail by the relay's placeholder name (`number`, `exp_month` as two digits,
    /// `exp_year` as four, `name`, `iban`, `bic`, `routing_number`, `account_number`,
    /// `account`); `None` if this method has no such detail.
    pub(crate) fn field(&self, name: &str) -> Option<Zeroizing<String>> {
        let payload = self.payload();
        match (self.kind.as_str(), name) {
            ("card", _) => {
                let c = serde_json::from_slice::<secrets::Card>(payload).ok()?;
                match name {
                    "number" => Some(c.number),
                    "exp_month" => Some(Zeroizing::new(format!("{:02}", c.exp_month))),
                    "exp_year" => Some(Zeroizing::new(format!("{:04}", c.exp_year))),
                    "name" => c.name,
                    _ => None,
                }
            }
            ("sepa_debit", "iban" | "bic") => {
                let s = serde_json::from_slice::<secrets::Sepa>(payload).ok()?;
                if name == "iban" { Some(s.iban) } else { s.bic }
            }
            ("us_bank_account", "routing_number" | "account_number") => {
                let a = serde_json::from_slice::<secrets::Ach>(payload).ok()?;
                Some(if name == "routing_number" {
                    a.routing_number
                } else {
                    a.account_number
                })
            }
            ("alipay", "account") => Some(
                serde_json::from_slice::<secrets::Alipay>(payload)
                    .ok()?
                    .account,
            ),
            _ => None,
        }
    }

    pub(crate) fn build(id: &str, kind: &str, secret_payload: &[u8]) -> RevealedBody {
        let quoted_kind = Value::String(kind.to_owned()).to_string();
        let prefix = format!(
            "{{\"id\":{},\"object\":\"payment_method\",\"type\":{quoted_kind},{quoted_kind}:",
            Value::String(id.to_owned())
        );
        // Sized exactly, so the buffer never reallocates (that would leave an unwiped copy).
        let mut out = Zeroizing::new(Vec::with_capacity(prefix.len() + secret_payload.len() + 1));
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(secret_payload);
        out.push(b'}');
        RevealedBody {
            json: out,
            kind: kind.to_owned(),
            payload_at: prefix.len(),
        }
    }

    /// The stored secret payload, inside the JSON (no second copy is kept).
    fn payload(&self) -> &[u8] {
        &self.json[self.payload_at..self.json.len() - 1]
    }

    /// The JSON bytes, for writing into the HTTP response body and nowhere else.
    pub fn expose_json(&self) -> &[u8] {
        &self.json
    }
}

impl std::fmt::Debug for RevealedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedBody(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_reveal_is_labelled_from_the_payloads_own_shape() {
        let card = RevealedBody::build(
            "pm_1",
            "card",
            br#"{"number":"4242424242424242","exp_month":7,"exp_year":2031,"name":null}"#,
        );
        let fields: Vec<(&str, String)> = card
            .labelled_fields()
            .into_iter()
            .map(|(l, v)| (l, v.as_str().to_owned()))
            .collect();
        assert_eq!(
            fields,
            [
                ("Card number", "4242424242424242".to_owned()),
                ("Expiry month", "7".to_owned()),
                ("Expiry year", "2031".to_owned()),
            ]
        );
        let sepa = RevealedBody::build("pm_2", "sepa_debit", br#"{"iban":"DE89","bic":"COBA"}"#);
        assert_eq!(sepa.labelled_fields().len(), 2);
        // The longest type name still fits the buffer as allocated (no reallocated copy).
        let ach = RevealedBody::build(
            "pm_4mZq8TqN0sXbq1cV7yR2kLdE",
            "us_bank_account",
            br#"{"routing_number":"110000000","account_number":"000123456789"}"#,
        );
        assert_eq!(ach.json.capacity(), ach.json.len());
        assert_eq!(ach.labelled_fields()[1].1.as_str(), "000123456789");
        let parsed: Value = serde_json::from_slice(ach.expose_json()).unwrap();
        assert_eq!(parsed["us_bank_account"]["routing_number"], "110000000");
        assert!(format!("{card:?}").contains("hidden"));
    }
}
