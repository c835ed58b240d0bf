//! Server functions: each authorises, parses, makes one call into the backend, maps the error.
//!
//! They are served under `/console/api/…`, apart from the public `/api/v1` JSON API.

pub mod admin;
pub mod audit;
pub mod connections;
pub mod lifecycle;
pub mod methods;
pub mod session;
pub mod status;

/// Gives an error reply its HTTP status (401, 403, 400, 404, 503…) instead of the default 500,
/// so that the session layer still saves the session (it skips 5xx responses) and clients and
/// logs see what kind of failure it was.
#[cfg(feature = "ssr")]
pub(crate) fn reply<T>(
    result: Result<T, crate::error::ConsoleError>,
) -> Result<T, crate::error::ConsoleError> {
    // A plain HTML form post (no wasm yet) is answered with a redirect back to the form,
    // the error in the URL; its 302 must stay.
    let form_post = leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    });
    if let Err(e) = &result
        && !form_post
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(e.code.status());
    }
    result
}
