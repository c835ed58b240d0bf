//! Cross-site request protection for the console, and its response headers. A state-changing
//! request (anything but GET, HEAD, OPTIONS) is refused unless the browser says it is
//! same-origin (`Sec-Fetch-Site`) or its `Origin` matches the `Host`; SameSite=Strict cookies
//! are the second layer. Console responses are never cached (`Cache-Control: no-store`),
//! except the static site files under `/pkg/`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, ORIGIN, REFERRER_POLICY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Whether the request may change state: same-origin, or a non-browser client (no
/// `Sec-Fetch-Site` and no `Origin`, so it carries no ambient credentials from another site).
pub fn same_origin(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(HOST).and_then(|v| v.to_str().ok());
            let origin_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
    }
}

/// The middleware: refuse cross-site state changes with 403, mark responses `no-store`.
pub async fn protect(req: Request, next: Next) -> Response {
    if !same_origin(&req) {
        let body =
            r#"{"code":"cross_site","message":"Cross-site requests are refused.","field":null}"#;
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::FORBIDDEN;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return response;
    }
    let static_file = req.uri().path().starts_with("/pkg/") || req.uri().path() == "/favicon.svg";
    let mut response = next.run(req).await;
    if !static_file {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // Forms without wasm are answered with a redirect to their Referer: send it same-origin.
    // (Customer pages, whose URLs carry a link token, set `no-referrer` themselves.)
    response
        .headers_mut()
        .entry(REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder()
            .method("POST")
            .uri("/console/api/sign_in");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_posts_are_refused_same_origin_ones_pass() {
        assert!(!same_origin(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&post(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&post(&[
            ("origin", "https://evil.example"),
            ("host", "coffer.example")
        ])));
        assert!(same_origin(&post(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!same_origin(&post(&[("origin", "null"), ("host", "a")])));
        assert!(same_origin(&post(&[])));
        let get = Request::builder()
            .uri("/")
            .header("sec-fetch-site", "cross-site")
            .body(Body::empty())
            .unwrap();
        assert!(same_origin(&get));
    }
}
