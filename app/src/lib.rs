//! Coffer's admin console: Leptos pages and server functions that only ever see masked view models.
//!
//! The server binary renders [`shell`] and serves the server functions in [`api`], with an
//! `Arc<dyn ConsoleBackend>` in context (see `backend`, feature `ssr`); the `frontend` crate
//! hydrates [`App`] in the browser.

pub mod api;
mod app;
pub mod audit_query;
#[cfg(feature = "ssr")]
pub mod backend;
mod components;
#[cfg(feature = "ssr")]
pub mod customer;
pub mod error;
pub mod model;
mod pages;
pub mod return_path;
pub mod search_query;
mod shell;

pub use api::status::{StatusView, get_status};
pub use app::App;
#[cfg(feature = "ssr")]
pub use backend::{ConsoleBackend, SharedBackend, provide_backend};
pub use error::{ConsoleError, ErrorCode};
pub use shell::{console_policy, shell};
