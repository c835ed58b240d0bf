//! The console: Leptos server-rendered pages, their server functions (over a backend that wraps
//! the vault and exposes masked views only) and the site's static files.

use axum::Router;
use coffer_app::{App, ConsoleBackend, SharedBackend, StatusView, provide_backend, shell};
use coffer_vault::Vault;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;

/// The console's view of the vault.
struct VaultBackend {
    vault: Arc<Vault>,
}

impl ConsoleBackend for VaultBackend {
    fn status(&self) -> coffer_app::backend::BoxFuture<'_, StatusView> {
        Box::pin(async move {
            let ready = self.vault.readiness().await;
            StatusView {
                database: ready.database,
                hsm: ready.hsm,
                version: env!("CARGO_PKG_VERSION").to_owned(),
            }
        })
    }
}

/// Site settings: `Leptos.toml` (or the file named by `COFFER_LEPTOS_TOML`), overridden by
/// `LEPTOS_*` variables (cargo-leptos sets them); defaults if there is no file (tests).
fn options() -> LeptosOptions {
    let path = std::env::var("COFFER_LEPTOS_TOML").unwrap_or_else(|_| "Leptos.toml".into());
    match leptos::config::get_configuration(Some(&path)) {
        Ok(conf) => conf.leptos_options,
        Err(_) => LeptosOptions::builder().output_name("coffer").build(),
    }
}

pub fn router(vault: Arc<Vault>) -> Router {
    let options = options();
    let backend: SharedBackend = Arc::new(VaultBackend { vault });
    let context = move || provide_backend(backend.clone());
    let routes = generate_route_list(App);
    let app = {
        let options = options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .leptos_routes_with_context(&options, routes, context.clone(), app)
        .fallback(file_and_error_handler_with_context(context, shell))
        .with_state(options)
}
