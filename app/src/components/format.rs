//! Display helpers shared by the pages: compact timestamps, readable status words and the
//! badge colour each status gets.

/// An RFC 3339 UTC timestamp as "2025-01-31 14:05 UTC"; anything shorter is shown as given.
pub fn short_time(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(head) => format!("{} UTC", head.replacen('T', " ", 1)),
        None => rfc3339.to_owned(),
    }
}

/// An RFC 3339 UTC timestamp to the second: "2025-01-31 14:05:09 UTC" (audit records).
pub fn full_time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) => format!("{} UTC", head.replacen('T', " ", 1)),
        None => rfc3339.to_owned(),
    }
}

/// [`short_time`] for optional timestamps, with a dash for none.
pub fn maybe_time(rfc3339: Option<&str>) -> String {
    rfc3339.map_or_else(|| "—".to_owned(), short_time)
}

/// `password_change_required` → "Password change required".
pub fn words(snake: &str) -> String {
    let spaced = snake.replace(['_', '.'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The badge classes for a status or outcome word.
pub fn badge(status: &str) -> &'static str {
    match status {
        "active" | "success" | "enrolled" | "yes" | "completed" => "badge badge-ok",
        "password_change_required" | "failure" | "expiring" => "badge badge-warn",
        "locked" | "denied" | "revoked" => "badge badge-error",
        _ => "badge badge-muted",
    }
}

/// A role name as people read it: `support_agent` → "Support agent".
pub fn role_name(role: &str) -> String {
    words(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_cut_to_the_minute() {
        assert_eq!(short_time("2025-01-31T14:05:09Z"), "2025-01-31 14:05 UTC");
        assert_eq!(short_time("bad"), "bad");
        assert_eq!(maybe_time(None), "—");
        assert_eq!(full_time("2025-01-31T14:05:09Z"), "2025-01-31 14:05:09 UTC");
    }

    #[test]
    fn snake_case_reads_as_words() {
        assert_eq!(
            words("password_change_required"),
            "Password change required"
        );
        assert_eq!(words("payment_method.reveal"), "Payment method reveal");
        assert_eq!(words(""), "");
    }
}
