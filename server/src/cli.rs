//! The `coffer` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "coffer",
    version,
    about = "Coffer: a PCI DSS vault for payment methods"
)]
pub struct Cli {
    /// Configuration file (settings only; secrets come from COFFER_* environment variables).
    /// Defaults to ./coffer.toml when that exists.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// HSM key management.
    Hsm {
        #[command(subcommand)]
        command: HsmCommand,
    },
    /// Data-key management.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// API keys for OMS channel systems.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Console staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Development data (never on a production vault).
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff account (e.g. the first security admin); its one-time password is printed
    /// once, on the last line, and must be changed at first sign-in.
    Create {
        #[arg(long)]
        email: String,
        /// support_agent, compliance_officer, security_admin (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Store demo customers and payment methods (test card numbers) through the vault, as a
    /// temporary channel whose API key is revoked afterwards.
    Seed,
}

#[derive(Debug, Subcommand)]
pub enum HsmCommand {
    /// Create the KEK and the fingerprint key in the configured token (idempotent).
    Init,
    /// Report the protection attributes of the keys in the token.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new data-key version and use it for new writes (end of cryptoperiod, PCI 3.7.4).
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; the key is printed once, on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// payment_methods:read, payment_methods:write, payment_methods:reveal (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
    /// Revoke a key at once.
    Revoke { id: String },
}
