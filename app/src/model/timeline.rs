//! The customer timeline's view models: the filter as carried in the URL, and a page of entries
//! ready to show (masked; ids, codes, amounts and times only).

use serde::{Deserialize, Serialize};

use crate::search_query::encode;

/// The sources an agent can show or hide, with their labels, in the timeline's order of ties.
pub const TIMELINE_SOURCES: [(&str, &str); 7] = [
    ("method", "Methods stored"),
    ("status", "Status changes"),
    ("use", "Uses and step-ups"),
    ("mandate", "Mandates"),
    ("link", "Customer links"),
    ("webhook", "Webhook deliveries"),
    ("audit", "Audit trail"),
];

/// The timeline's filter and position, as in `/customers/:reference/timeline?…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct TimelineQuery {
    pub reference: String,
    /// Source names (`use`, `audit`, …); empty: all.
    pub sources: Vec<String>,
    /// One payment method (`pm_…`), or empty for all of them.
    pub method: String,
    /// The cursor of the previous page's last entry; empty: the newest page.
    pub before: String,
}

impl TimelineQuery {
    /// The page's address.
    pub fn href(&self) -> String {
        let mut parts: Vec<String> = self
            .sources
            .iter()
            .map(|s| format!("source={}", encode(s)))
            .collect();
        if !self.method.is_empty() {
            parts.push(format!("method={}", encode(&self.method)));
        }
        if !self.before.is_empty() {
            parts.push(format!("before={}", encode(&self.before)));
        }
        let path = format!("/customers/{}/timeline", encode(&self.reference));
        if parts.is_empty() {
            path
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    }

    /// The same filter from its newest entry.
    pub fn first_page(&self) -> TimelineQuery {
        TimelineQuery {
            before: String::new(),
            ..self.clone()
        }
    }

    /// The same filter from `before` on.
    pub fn older(&self, before: String) -> TimelineQuery {
        TimelineQuery {
            before,
            ..self.clone()
        }
    }

    /// Whether `source` is shown (all are when none is chosen).
    pub fn shows(&self, source: &str) -> bool {
        self.sources.is_empty() || self.sources.iter().any(|s| s == source)
    }
}

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineItem {
    /// RFC 3339 UTC.
    pub at: String,
    /// `method`, `status`, `use`, `mandate`, `link`, `webhook`, `audit`.
    pub source: String,
    /// "Card stored", "Use approved", "payment_method.reveal", …
    pub title: String,
    /// "Visa •••• 4242 by web", "12.50 EUR for order ord_1, step-up (threshold) passed by totp", …
    pub detail: String,
    /// A status or outcome word for a badge (`success`, `denied`, `approved`, `failed`, …).
    pub outcome: Option<String>,
    /// The method it is about.
    pub payment_method: Option<String>,
    /// Who acted: "staff ada@example.com", "api_client ak_…", "service", …
    pub actor: Option<String>,
    /// The audit event's place in the chain (its page in the audit log).
    pub audit_seq: Option<i64>,
}

/// A page of a customer's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineView {
    pub query: TimelineQuery,
    pub items: Vec<TimelineItem>,
    /// The cursor of the next (older) page, if there is one.
    pub next_before: Option<String>,
    /// The customer's methods, for the filter: (id, "Visa •••• 4242").
    pub methods: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_travels_in_the_address() {
        let q = TimelineQuery {
            reference: "cus 1".into(),
            sources: vec!["use".into(), "audit".into()],
            method: "pm_1".into(),
            before: String::new(),
        };
        assert_eq!(
            q.href(),
            "/customers/cus%201/timeline?source=use&source=audit&method=pm_1"
        );
        let older = q.older("1700000000000.audit.evt_1".into());
        assert!(older.href().ends_with("&before=1700000000000.audit.evt_1"));
        assert_eq!(older.first_page(), q);
        assert!(q.shows("use") && !q.shows("link"));
        assert!(TimelineQuery::default().shows("link"));
    }
}
