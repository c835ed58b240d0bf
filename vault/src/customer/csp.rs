//! The customer pages' Content Security Policy, and browsers' violation reports about Coffer's
//! pages (PCI DSS 6.4.3, 11.6.1). The customer pages are payment pages (they take card numbers)
//! and the console shows revealed ones: on both, only Coffer's own script may run (the console's
//! policy, with its per-response nonce, is sent by the app's shell). A report is
//! reduced to what a reviewer needs and nothing a skimmer could have put there: the page's route
//! (never a link token), the directive, and the blocked resource's origin (never its path or
//! query, where an exfiltration URL would carry card data).

use serde::Deserialize;

/// Where browsers send violation reports.
pub const REPORT_PATH: &str = "/c/csp-report";

/// Every customer page is sent with this policy: nothing but this origin's own script, style,
/// fetches and form posts; no inline script or style, no frames, no `<base>`; the browser
/// reports what it blocks.
pub const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'; report-uri /c/csp-report";

/// The largest report body read.
pub const MAX_REPORT_BYTES: usize = 8 * 1024;

/// One violation, reduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The page's route: `/c/reverify`, `/c/step-up`, …
    pub page: String,
    /// `script-src-elem`, `connect-src`, …
    pub directive: String,
    /// `https://evil.example`, or `inline`, `eval`, `data`, `blob`, `self`, `unknown`.
    pub blocked: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "csp-report")]
    report: Report,
}

#[derive(Deserialize)]
struct Report {
    #[serde(rename = "document-uri", default)]
    document_uri: String,
    #[serde(rename = "effective-directive", default)]
    effective_directive: String,
    #[serde(rename = "violated-directive", default)]
    violated_directive: String,
    #[serde(rename = "blocked-uri", default)]
    blocked_uri: String,
}

/// Reads a `report-uri` body (`{"csp-report": {…}}`); `None` if it is not one.
pub fn parse_report(body: &[u8]) -> Option<Violation> {
    if body.len() > MAX_REPORT_BYTES {
        return None;
    }
    let Envelope { report } = serde_json::from_slice(body).ok()?;
    let directive = if report.effective_directive.is_empty() {
        report.violated_directive.split(' ').next().unwrap_or("")
    } else {
        report.effective_directive.as_str()
    };
    Some(Violation {
        page: page_route(&report.document_uri)?,
        directive: directive_name(directive)?,
        blocked: blocked_origin(&report.blocked_uri),
    })
}

/// The page's route: the first two path segments of a customer page (`/c/reverify/<token>` →
/// `/c/reverify`: the link token is a bearer secret and is never kept), the first one of a
/// console page (`/console/methods/pm_…` → `/console`).
fn page_route(document_uri: &str) -> Option<String> {
    let url = url::Url::parse(document_uri).ok()?;
    let mut segments = url.path_segments()?;
    let plain = |s: &str| {
        s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
    };
    match (segments.next(), segments.next()) {
        (Some("c"), Some(page)) if CUSTOMER_PAGES.contains(&page) => Some(format!("/c/{page}")),
        (Some("c"), _) => None,
        (Some(first), _) if plain(first) => Some(format!("/{first}")),
        _ => None,
    }
}

/// The customer pages (a report naming another `/c/…` page is not about ours): a finite set, so
/// per-page report budgets bound what the payment pages can be flooded with.
const CUSTOMER_PAGES: [&str; 8] = [
    "enrol",
    "factors",
    "verify",
    "passkeys",
    "step-up",
    "reverify",
    "done",
    "preferences",
];

/// Whether a route is one of the customer (payment) pages.
pub fn is_payment_page(route: &str) -> bool {
    route.starts_with("/c/")
}

fn directive_name(directive: &str) -> Option<String> {
    let plain = !directive.is_empty()
        && directive.len() <= 40
        && directive
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-');
    plain.then(|| directive.to_owned())
}

/// The origin of a blocked URL (scheme, host, port), or the keyword a browser sends instead.
fn blocked_origin(blocked: &str) -> String {
    match blocked {
        "inline" | "eval" | "self" | "data" | "blob" | "wasm-eval" | "trusted-types-policy" => {
            return blocked.to_owned();
        }
        _ => {}
    }
    let Ok(url) = url::Url::parse(blocked) else {
        return "unknown".into();
    };
    match url.scheme() {
        "data" | "blob" => url.scheme().to_owned(),
        "http" | "https" | "ws" | "wss" => match url.origin() {
            origin @ url::Origin::Tuple(..) => origin.ascii_serialization(),
            url::Origin::Opaque(_) => "unknown".into(),
        },
        _ => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn report(document: &str, directive: &str, blocked: &str) -> Vec<u8> {
        serde_json::json!({ "csp-report": {
            "document-uri": document, "effective-directive": directive,
            "violated-directive": format!("{directive} 'self'"), "blocked-uri": blocked,
            "original-policy": POLICY, "script-sample": "var n = '4242424242424242';",
        } })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_report_keeps_the_route_directive_and_origin_only() {
        let v = parse_report(&report(
            "https://vault.example/c/reverify/Zm9vYmFyYmF6cXV4?intent=replace",
            "connect-src",
            "https://skim.example:8443/c?n=4242424242424242&cvc=123",
        ))
        .unwrap();
        assert_eq!(v.page, "/c/reverify");
        assert_eq!(v.directive, "connect-src");
        assert_eq!(v.blocked, "https://skim.example:8443");
        let all = format!("{v:?}");
        assert!(!all.contains("4242") && !all.contains("Zm9v") && !all.contains("cvc"));

        let inline = parse_report(&report(
            "https://vault.example/c/step-up/abc",
            "script-src-elem",
            "inline",
        ))
        .unwrap();
        assert_eq!(inline.blocked, "inline");
        assert_eq!(inline.page, "/c/step-up");
    }

    #[test]
    fn console_pages_are_reported_by_their_section() {
        let v = parse_report(&report(
            "https://vault.example/console/methods/pm_abc?q=1",
            "script-src-elem",
            "https://cdn.evil.example/x.js",
        ))
        .unwrap();
        assert_eq!(v.page, "/console");
        assert!(!is_payment_page(&v.page));
        assert!(is_payment_page("/c/reverify"));
    }

    #[test]
    fn anything_else_is_not_a_report() {
        assert!(parse_report(b"not json").is_none());
        assert!(parse_report(b"{\"csp-report\": 1}").is_none());
        // A path that is not a route, or a directive that is not a name.
        let bad_path = report("https://vault.example/C%20x/y", "script-src", "inline");
        assert!(parse_report(&bad_path).is_none());
        let no_page = report("https://vault.example/c/", "script-src", "inline");
        assert!(parse_report(&no_page).is_none());
        assert!(
            parse_report(&report(
                "https://vault.example/c/x",
                "script src; drop",
                "inline"
            ))
            .is_none()
        );
        assert!(parse_report(&vec![b' '; MAX_REPORT_BYTES + 1]).is_none());
        // A blocked value that is neither a URL nor a keyword says nothing more than that.
        let odd = parse_report(&report(
            "https://vault.example/c/reverify/t",
            "img-src",
            "4242424242424242",
        ));
        assert_eq!(odd.unwrap().blocked, "unknown");
    }
}
