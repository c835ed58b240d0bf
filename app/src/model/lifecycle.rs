//! The lifecycle console's view models: the expiry dashboard (counts, charts, the filtered
//! list), the webhook dead-letter list, and re-verification links and their state. Masked only.

use serde::{Deserialize, Serialize};

/// The expiry list's filter as carried in the URL; empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpiryQuery {
    /// `expired`, `this_month`, `30d` (default), `60d`, `90d`.
    pub bucket: String,
    pub brand: String,
    pub channel: String,
    /// Paging cursor from the previous page.
    pub after: String,
}

impl ExpiryQuery {
    /// The query string of this filter (without the cursor unless `with_cursor`).
    pub fn to_query_string(&self, with_cursor: bool) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("bucket", &self.bucket),
            ("brand", &self.brand),
            ("channel", &self.channel),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        if with_cursor && !self.after.is_empty() {
            parts.push(format!("after={}", urlencode(&self.after)));
        }
        parts.join("&")
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One count on the dashboard with its breakdowns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketView {
    /// `expired`, `this_month`, `30d`, `60d`, `90d`.
    pub key: String,
    pub label: String,
    pub total: i64,
    pub by_brand: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
}

/// One row of the list (masked: brand and last 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryRow {
    pub id: String,
    pub customer: String,
    pub brand: String,
    pub last4: String,
    /// `MM/YYYY`.
    pub expiry: String,
    pub channel: String,
    pub status: String,
}

/// One run of the lifecycle job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRunView {
    /// RFC 3339 UTC of the clock the run applied the policy at.
    pub at: String,
    pub node: String,
    /// "3 expiring, 2 alerts sent, 1 archived …".
    pub summary: String,
}

/// The dashboard page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryDashboard {
    /// RFC 3339 UTC.
    pub as_of: String,
    pub buckets: Vec<BucketView>,
    /// (`MM/YYYY`, live cards ending that month) from this month to the 90-day horizon.
    pub months: Vec<(String, i64)>,
    pub brands: Vec<String>,
    pub channels: Vec<String>,
    pub runs: Vec<LifecycleRunView>,
    /// The filter as applied (bucket filled in).
    pub query: ExpiryQuery,
    pub rows: Vec<ExpiryRow>,
    pub next_after: Option<String>,
    /// Alert lead times in days, longest first.
    pub lead_days: Vec<u32>,
}

/// A webhook delivery that failed its last try.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetterView {
    pub id: String,
    pub url: String,
    pub event_type: String,
    pub event_id: String,
    pub attempts: i64,
    pub last_error: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub died_at: String,
}

/// A registered webhook endpoint and its queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpointView {
    pub id: String,
    pub url: String,
    /// Empty for all channels.
    pub channel: String,
    /// The API key that registered it.
    pub registered_by: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub disabled_at: Option<String>,
    /// Deliveries waiting for their next try.
    pub pending: i64,
    /// Deliveries that failed their last try.
    pub failed: i64,
}

/// A re-verification link just issued: shown once to the agent to pass on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReverifyLinkView {
    pub url: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

/// A re-verification link's state on the customer page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReverifyItem {
    pub payment_method: String,
    /// `open`, `completed`, `closed` (too many wrong submissions) or `expired`.
    pub state: String,
    /// RFC 3339 UTC.
    pub sent_at: String,
    pub expires_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_keeps_only_set_fields_and_escapes_them() {
        let q = ExpiryQuery {
            bucket: "60d".into(),
            brand: String::new(),
            channel: "call centre".into(),
            after: "7b22".into(),
        };
        assert_eq!(q.to_query_string(false), "bucket=60d&channel=call%20centre");
        assert_eq!(
            q.to_query_string(true),
            "bucket=60d&channel=call%20centre&after=7b22"
        );
    }
}
