//! The console: Leptos server-rendered pages, their server functions (over a backend that wraps
//! the vault and exposes masked views only), the audit export download, sessions, CSRF
//! protection and the site's files.

mod backend;
mod csrf;
mod expiry_export;
pub(crate) mod export;
pub(crate) mod qr;
pub mod session;

use crate::config::ConsoleConfig;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use backend::VaultBackend;
use coffer_app::{App, SharedBackend, provide_backend, shell};
use coffer_vault::Vault;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;

/// Site settings: `Leptos.toml` (or the file named by `COFFER_LEPTOS_TOML`), overridden by
/// `LEPTOS_*` variables (cargo-leptos sets them); defaults if there is no file (tests).
fn options() -> LeptosOptions {
    let path = std::env::var("COFFER_LEPTOS_TOML").unwrap_or_else(|_| "Leptos.toml".into());
    match leptos::config::get_configuration(Some(&path)) {
        Ok(conf) => conf.leptos_options,
        Err(_) => LeptosOptions::builder().output_name("coffer").build(),
    }
}

/// The console's routes with their sessions (in `sessions`) and CSRF protection.
pub fn router(
    vault: Arc<Vault>,
    config: ConsoleConfig,
    sign_in_failures: Arc<crate::api::RateLimiter>,
    sessions: &session::SessionStore,
) -> Router {
    let options = options();
    let customer_pages = crate::customer_pages::routes(vault.clone(), config.secure_cookies);
    let vault_backend = Arc::new(VaultBackend {
        vault,
        idle_timeout: config.idle_timeout,
        sign_in_failures,
    });
    let downloads =
        export::routes(vault_backend.clone()).merge(expiry_export::routes(vault_backend.clone()));
    let backend: SharedBackend = vault_backend;
    let context = move || provide_backend(backend.clone());
    let routes = generate_route_list(App);
    let app = {
        let options = options.clone();
        move || shell(options.clone())
    };
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), app)
        .fallback(file_and_error_handler_with_context(context, shell))
        .with_state(options)
        .layer(axum::middleware::from_fn(redirects_are_redirects))
        .merge(downloads);
    sessions
        .apply(pages, config)
        .merge(customer_pages)
        .layer(axum::middleware::from_fn(csrf::protect))
}

/// A page rendered as a redirect (a guard's `<Redirect>`) answers `303 See Other` with an empty
/// body, whatever the request's `Accept`: Leptos sets `302` only for requests that accept HTML,
/// and a `200` or `401` with a `Location` header is no redirect to a browser without JavaScript
/// or to a script. Server functions (under `/console/api/`) keep Leptos's own answer, which the client
/// router reads.
async fn redirects_are_redirects(req: Request, next: Next) -> Response {
    let page = matches!(*req.method(), Method::GET | Method::HEAD)
        && !req.uri().path().starts_with("/console/api/");
    let res = next.run(req).await;
    // A guard's redirect may come with the status of why (401 for no session): still a redirect.
    let deliberate = matches!(
        res.status(),
        StatusCode::SEE_OTHER
            | StatusCode::MOVED_PERMANENTLY
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    );
    if !page || deliberate || !res.headers().contains_key(LOCATION) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    parts.status = StatusCode::SEE_OTHER;
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.remove(CONTENT_TYPE);
    Response::from_parts(parts, Body::empty())
}
