//! `POST /console/audit/export`: the signed audit export as a browser download. A plain form
//! post (the filter, `format`, an optional step-up `code`) behind the console's session and CSRF
//! layers, answered with the file (`Content-Disposition: attachment`, `no-store`) or, when
//! refused, a short HTML page with the reason and its status (403 without a step-up).
//! Permission: `audit.read` and a fresh step-up. Audit: `audit.export`.

use super::backend::{Req, VaultBackend};
use crate::api::extract::Ctx;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use coffer_app::model::AuditQuery;
use coffer_app::{ConsoleError, ErrorCode};
use std::collections::HashMap;
use std::sync::Arc;
use tower_sessions::Session;

/// The download route's path (the console's export form posts here).
pub const PATH: &str = "/console/audit/export";
/// The largest form accepted.
const MAX_FORM: usize = 16 * 1024;

/// The route, with the backend as its state.
pub fn routes(backend: Arc<VaultBackend>) -> Router {
    Router::new()
        .route(PATH, post(download))
        .with_state(backend)
}

async fn download(
    State(backend): State<Arc<VaultBackend>>,
    session: Session,
    request: Request,
) -> Response {
    let origin = request
        .extensions()
        .get::<Ctx>()
        .map(|c| c.origin.clone())
        .unwrap_or_default();
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_FORM).await else {
        let error = ConsoleError::new(ErrorCode::InvalidInput, "The form could not be read.");
        return refused(&error, &AuditQuery::default());
    };
    let form = decode_form(&body);
    let field = |name: &str| form.get(name).cloned();
    let query = AuditQuery::from_lookup(field).first_page();
    let format = field("format").unwrap_or_default();
    let code = field("code");
    match backend
        .do_export(Req::new(session, origin), query.clone(), &format, code)
        .await
    {
        Ok(export) => {
            let disposition = format!("attachment; filename=\"{}\"", export.file_name);
            let mut response = Response::new(Body::from(export.content));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(export.content_type));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => refused(&error, &query),
    }
}

/// The refusal as a small page: what went wrong and the way back to the same filter.
fn refused(error: &ConsoleError, query: &AuditQuery) -> Response {
    let status = match error.code {
        // A missing step-up is a refusal of this action, not a malformed request.
        ErrorCode::InvalidCode => StatusCode::FORBIDDEN,
        code => code.status(),
    };
    let (title, back, back_text) = match error.code {
        ErrorCode::Unauthenticated => ("Sign in again", "/login".to_owned(), "Sign in"),
        ErrorCode::StepUpRequired | ErrorCode::InvalidCode => (
            "Export needs a fresh code",
            query.href(),
            "Back to the audit log",
        ),
        _ => ("Export refused", query.href(), "Back to the audit log"),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Coffer</title><link rel=\"stylesheet\" href=\"/pkg/coffer.css\"></head>\
         <body><main class=\"container\" id=\"main\"><section class=\"card narrow\">\
         <h1>{title}</h1><p class=\"alert alert-error\" role=\"alert\">{message}</p>\
         <p><a href=\"{back}\">{back_text}</a></p></section></main></body></html>",
        message = escape(&error.message),
        back = escape(&back),
    );
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Text for HTML element content and quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An `application/x-www-form-urlencoded` body as name → value (the last of repeated names).
pub(crate) fn decode_form(body: &[u8]) -> HashMap<String, String> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            let name = decode(parts.next().unwrap_or_default());
            let value = decode(parts.next().unwrap_or_default());
            (name, value)
        })
        .collect()
}

/// `+` as a space and `%XX` as its byte; invalid UTF-8 becomes U+FFFD.
fn decode(text: &[u8]) -> String {
    let hex = |i: usize| text.get(i).and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match (b, hex(i + 1), hex(i + 2)) {
            (b'+', ..) => out.push(b' '),
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 2;
            }
            (b, ..) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn forms_decode_like_browsers_send_them() {
        let form =
            decode_form(b"action=staff.%2A&actor=ada%40example.com&reason=two+words&code=&x");
        assert_eq!(form["action"], "staff.*");
        assert_eq!(form["actor"], "ada@example.com");
        assert_eq!(form["reason"], "two words");
        assert_eq!(form["code"], "");
        assert_eq!(form["x"], "");
        assert_eq!(decode(b"%E2%80%A6%zz%4"), "\u{2026}%zz%4");
        assert_eq!(decode(b"%ff"), "\u{fffd}");
    }

    #[test]
    fn refusals_are_escaped_pages_with_a_way_back() {
        let query = AuditQuery {
            action: "a\"<b>".into(),
            ..AuditQuery::default()
        };
        let error = ConsoleError::new(ErrorCode::StepUpRequired, "Enter <a> code");
        let response = refused(&error, &query);
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let denied = refused(&ConsoleError::new(ErrorCode::InvalidCode, "wrong"), &query);
        assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    }
}
