//! The service the console's server functions call into; the server binary provides it.
//!
//! Server functions stay one call into this trait (the hexagonal pattern): the binary builds an
//! implementation over the vault and hands it to Leptos as context, e.g.
//! `leptos_routes_with_context(&opts, routes, move || coffer_app::provide_backend(backend.clone()), …)`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::api::status::StatusView;

/// A boxed, sendable future borrowed from the backend.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the console needs from the rest of Coffer. Implemented by the server crate.
pub trait ConsoleBackend: Send + Sync + 'static {
    /// Whether the database and the HSM answer, and the running version.
    fn status(&self) -> BoxFuture<'_, StatusView>;
}

/// The context type the server functions look up.
pub type SharedBackend = Arc<dyn ConsoleBackend>;

/// Puts `backend` into the current Leptos context (call it from the context closure).
pub fn provide_backend(backend: SharedBackend) {
    leptos::prelude::provide_context(backend);
}
