//! The audit log filter as text: read from and written to the URL, checked (dates, outcome,
//! cursor, no card numbers: what is typed here reaches a URL and the audit log), and its dates
//! read as unix milliseconds, UTC.

use crate::error::ConsoleError;
use crate::model::{AuditQuery, FlagView};
use crate::search_query::encode;
use coffer_dlp::calendar::parse_time;
use coffer_dlp::contains_card_number;

/// The audit log page.
pub const AUDIT_PATH: &str = "/console/audit";
/// The outcomes an event can have.
pub const OUTCOMES: [&str; 3] = ["success", "denied", "failure"];
/// The longest filter field accepted.
pub const MAX_LEN: usize = 200;

const DATE_HINT: &str = "Use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).";

impl AuditQuery {
    /// The filter from URL parameters (`get` looks one up by name).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        let field = |name: &str| get(name).unwrap_or_default();
        AuditQuery {
            from: field("from"),
            to: field("to"),
            actor: field("actor"),
            action: field("action"),
            resource: field("resource"),
            outcome: field("outcome"),
            ip: field("ip"),
            reason: field("reason"),
            before: field("before"),
        }
    }

    /// Every field with its URL (and form) name, in a fixed order.
    pub fn fields(&self) -> [(&'static str, &str); 9] {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("actor", &self.actor),
            ("action", &self.action),
            ("resource", &self.resource),
            ("outcome", &self.outcome),
            ("ip", &self.ip),
            ("reason", &self.reason),
            ("before", &self.before),
        ]
    }

    /// `from=…&action=…` of the fields that are set.
    pub fn to_query_string(&self) -> String {
        self.fields()
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The audit log page showing this filter (and page).
    pub fn href(&self) -> String {
        match self.to_query_string() {
            q if q.is_empty() => AUDIT_PATH.to_owned(),
            q => format!("{AUDIT_PATH}?{q}"),
        }
    }

    /// The same filter from its first page.
    pub fn first_page(&self) -> AuditQuery {
        AuditQuery {
            before: String::new(),
            ..self.clone()
        }
    }

    /// The same filter, events older than `before`.
    pub fn older(&self, before: i64) -> AuditQuery {
        AuditQuery {
            before: before.to_string(),
            ..self.clone()
        }
    }

    /// Whether any filter field (not the cursor) is set.
    pub fn filters(&self) -> bool {
        self.fields()
            .iter()
            .any(|(name, value)| *name != "before" && !value.is_empty())
    }
}

/// Trims every field and checks it; an error names its field and never quotes what was typed.
pub fn check(q: &AuditQuery) -> Result<AuditQuery, ConsoleError> {
    let t = |s: &str| s.trim().to_owned();
    let q = AuditQuery {
        from: t(&q.from),
        to: t(&q.to),
        actor: t(&q.actor),
        action: t(&q.action),
        resource: t(&q.resource),
        outcome: t(&q.outcome).to_lowercase(),
        ip: t(&q.ip),
        reason: t(&q.reason),
        before: t(&q.before),
    };
    for (name, value) in q.fields() {
        if contains_card_number(value) {
            return Err(ConsoleError::field(
                name,
                "Full card numbers are not accepted here, and the audit log never holds one.",
            ));
        }
        if value.chars().count() > MAX_LEN || value.chars().any(char::is_control) {
            return Err(ConsoleError::field(
                name,
                "At most 200 characters, without control characters.",
            ));
        }
    }
    let from = times(&q.from, "from", false)?;
    let to = times(&q.to, "to", true)?;
    if let (Some(from), Some(to)) = (from, to)
        && to <= from
    {
        return Err(ConsoleError::field(
            "to",
            "The end must be after the start.",
        ));
    }
    if !q.outcome.is_empty() && !OUTCOMES.contains(&q.outcome.as_str()) {
        return Err(ConsoleError::field(
            "outcome",
            "Choose success, denied or failure.",
        ));
    }
    if !q.before.is_empty() && parse_before(&q.before).is_none() {
        return Err(ConsoleError::field(
            "before",
            "The page link is not valid. Start the search again.",
        ));
    }
    Ok(q)
}

fn times(text: &str, field: &str, end: bool) -> Result<Option<i64>, ConsoleError> {
    if text.is_empty() {
        return Ok(None);
    }
    parse_time(text, end)
        .map(Some)
        .ok_or_else(|| ConsoleError::field(field, DATE_HINT))
}

/// A paging cursor: a positive sequence number.
pub fn parse_before(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|n| *n > 0)
}

/// The search showing a flag's events: its day, and its subject as actor, IP or resource.
pub fn flag_events(flag: &FlagView) -> AuditQuery {
    let mut q = AuditQuery {
        from: flag.day.clone(),
        to: flag.day.clone(),
        ..AuditQuery::default()
    };
    let subject = flag.subject.clone();
    let (action, outcome) = match flag.kind.as_str() {
        "repeated_denied_reveals" => {
            q.actor = subject;
            ("payment_method.reveal", "denied")
        }
        "reveal_outside_business_hours" => {
            q.actor = subject;
            ("payment_method.reveal", "success")
        }
        "read_burst" => {
            q.actor = subject;
            ("payment_method.*", "")
        }
        "new_api_key" => {
            q.resource = subject;
            ("api_key.create", "")
        }
        "access_grant" => {
            q.resource = subject;
            ("user.*", "")
        }
        "failed_sign_in_storm" => {
            if subject != "(none)" {
                q.ip = subject;
            }
            ("staff.*", "failure")
        }
        "audit_verification_failed" => ("audit.verify", "failure"),
        "blocked_page_content" => {
            q.resource = subject;
            ("page.csp_violation", "")
        }
        _ => ("", ""),
    };
    q.action = action.to_owned();
    q.outcome = outcome.to_owned();
    q
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn check_trims_and_names_the_wrong_field() {
        let q = AuditQuery {
            action: "  staff.* ".into(),
            outcome: "Denied".into(),
            ..AuditQuery::default()
        };
        let checked = check(&q).unwrap();
        assert_eq!(checked.action, "staff.*");
        assert_eq!(checked.outcome, "denied");
        let cases = [
            (
                AuditQuery {
                    from: "2026-02-30".into(),
                    ..AuditQuery::default()
                },
                "from",
            ),
            (
                AuditQuery {
                    from: "2026-12-02".into(),
                    to: "2026-12-01".into(),
                    ..AuditQuery::default()
                },
                "to",
            ),
            (
                AuditQuery {
                    outcome: "maybe".into(),
                    ..AuditQuery::default()
                },
                "outcome",
            ),
            (
                AuditQuery {
                    before: "-3".into(),
                    ..AuditQuery::default()
                },
                "before",
            ),
            (
                AuditQuery {
                    reason: "x".repeat(201),
                    ..AuditQuery::default()
                },
                "reason",
            ),
            (
                AuditQuery {
                    ip: "1.2.3.4\u{0}5".into(),
                    ..AuditQuery::default()
                },
                "ip",
            ),
        ];
        for (q, field) in cases {
            assert_eq!(
                check(&q).unwrap_err().field.as_deref(),
                Some(field),
                "{q:?}"
            );
        }
        // The same day as start and end is that whole day.
        let day = AuditQuery {
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            ..AuditQuery::default()
        };
        assert!(check(&day).is_ok());
    }

    #[test]
    fn a_card_number_in_any_field_is_refused_without_echo() {
        for field in ["actor", "action", "resource", "ip", "reason"] {
            let mut q = AuditQuery::default();
            let text = "card 4242 4242 4242 4242".to_owned();
            match field {
                "actor" => q.actor = text,
                "action" => q.action = text,
                "resource" => q.resource = text,
                "ip" => q.ip = text,
                _ => q.reason = text,
            }
            let err = check(&q).unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field));
            assert!(!err.message.contains("4242"));
        }
    }

    #[test]
    fn the_url_carries_the_set_fields_in_order() {
        let q = AuditQuery {
            action: "staff.*".into(),
            actor: "ada@example.com".into(),
            before: "42".into(),
            ..AuditQuery::default()
        };
        assert_eq!(
            q.href(),
            "/console/audit?actor=ada%40example.com&action=staff.%2A&before=42"
        );
        assert_eq!(q.first_page().older(7).before, "7");
        assert_eq!(AuditQuery::default().href(), "/console/audit");
        assert!(q.filters());
        assert!(!AuditQuery::default().older(3).filters());
        let back = AuditQuery::from_lookup(|name| {
            q.fields()
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert_eq!(back, q);
    }

    #[test]
    fn a_flag_links_to_its_events() {
        let flag = FlagView {
            id: "flg_1".into(),
            day: "2026-12-01".into(),
            kind: "repeated_denied_reveals".into(),
            severity: "medium".into(),
            subject: "usr_9".into(),
            subject_label: None,
            summary: String::new(),
            event_count: 3,
            first_seq: Some(4),
            last_seq: Some(9),
            raised_at: String::new(),
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        let q = flag_events(&flag);
        assert_eq!(
            (q.from.as_str(), q.to.as_str()),
            ("2026-12-01", "2026-12-01")
        );
        assert_eq!(q.actor, "usr_9");
        assert_eq!(q.outcome, "denied");
        assert!(check(&q).is_ok());
        let storm = FlagView {
            kind: "failed_sign_in_storm".into(),
            subject: "10.0.0.1".into(),
            ..flag
        };
        assert_eq!(flag_events(&storm).ip, "10.0.0.1");
    }
}
