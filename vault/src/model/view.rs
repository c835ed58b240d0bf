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
            created: crate::store::now_millis() / 1000,
            channel: String::new(),
            billing_details: billing,
            metadata: metadata.unwrap_or_else(|| Value::Object(Map::new())),
            details: map,
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

/// A reveal answer as JSON bytes in zeroizing memory. Debug never shows it.
pub struct RevealedBody(Zeroizing<Vec<u8>>);

impl RevealedBody {
    pub(crate) fn build(id: &str, kind: &str, secret_payload: &[u8]) -> RevealedBody {
        let mut out = Zeroizing::new(Vec::with_capacity(secret_payload.len() + 96));
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(Value::String(id.to_owned()).to_string().as_bytes());
        out.extend_from_slice(b",\"object\":\"payment_method\",\"type\":");
        out.extend_from_slice(Value::String(kind.to_owned()).to_string().as_bytes());
        out.extend_from_slice(b",");
        out.extend_from_slice(Value::String(kind.to_owned()).to_string().as_bytes());
        out.push(b':');
        out.extend_from_slice(secret_payload);
        out.push(b'}');
        RevealedBody(out)
    }

    /// The JSON bytes, for writing into the HTTP response body and nowhere else.
    pub fn expose_json(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RevealedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedBody(<hidden>)")
    }
}
