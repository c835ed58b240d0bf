//! The Coffer server: configuration, the JSON API, the console routes, health and metrics.
#![recursion_limit = "256"]

pub mod api;
pub mod audit_cli;
pub mod audit_config;
pub mod audit_tasks;
#[cfg(feature = "dev-tools")]
pub mod bench;
pub mod cli;
pub mod config;
pub mod connection_cli;
pub mod console;
pub mod customer_config;
pub mod customer_pages;
pub mod guard_config;
pub mod health;
pub mod lifecycle_cli;
pub mod lifecycle_config;
pub mod lifecycle_tasks;
pub mod metrics;
pub mod middleware;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod webhook_tasks;
