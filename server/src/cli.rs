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
    /// The audit log: verification, checkpoints, review, retention, exports.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The relay's connections (the destinations stored card details may be forwarded to).
    Connection {
        #[command(subcommand)]
        command: ConnectionCommand,
    },
    /// The payment-method lifecycle job (expiry alerts, archive, shred).
    Lifecycle {
        #[command(subcommand)]
        command: LifecycleCommand,
    },
    /// The customer timeline's benchmark (synthetic data only; `dev-tools` builds).
    #[cfg(feature = "dev-tools")]
    Timeline {
        #[command(subcommand)]
        command: TimelineCommand,
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
    /// Issue an account a new one-time password (printed once, on the last line), lift its
    /// lock and end its sessions: the break-glass path when no other security admin can do it
    /// in the console. Audited as `user.password_reset` by `system`.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Also remove the authenticator and recovery codes (it enrols again at sign-in).
        #[arg(long)]
        reset_mfa: bool,
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

#[cfg(feature = "dev-tools")]
#[derive(Debug, Subcommand)]
pub enum TimelineCommand {
    /// Benchmark only: store one synthetic customer (`cus_synth_…`) with METHODS cards and about
    /// EVENTS timeline entries over a year (audit events, uses, status changes, links, mandates,
    /// webhook deliveries). Refused on a database holding any other payment method.
    Seed {
        #[arg(long, default_value = "cus_synth_timeline")]
        customer: String,
        #[arg(long, default_value_t = 500)]
        methods: usize,
        #[arg(long, default_value_t = 10_000)]
        events: u64,
    },
    /// Benchmark only: time the timeline's pages for CUSTOMER and print p50/p95/p99/max per page.
    Bench {
        #[arg(long, default_value = "cus_synth_timeline")]
        customer: String,
        #[arg(long, default_value_t = 200)]
        runs: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum LifecycleCommand {
    /// Run the job once now (or at `--at`, an RFC 3339 time, to see what a date would do).
    Run {
        #[arg(long)]
        at: Option<String>,
    },
    #[cfg(feature = "dev-tools")]
    /// Benchmark only: store synthetic card methods (customers `cus_synth_…`, random
    /// ciphertexts). Refused on a database holding any other payment method.
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
    #[cfg(feature = "dev-tools")]
    /// Benchmark only: time the expiry dashboard's calls (overview, list pages, exports) and
    /// print p50/p95/p99/max per call.
    BenchDashboard {
        #[arg(long, default_value_t = 200)]
        runs: u32,
        /// The dashboard's clock, an RFC 3339 time (default now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// List every connection (never a credential): id, state, name, base URL, routes, settings.
    List,
    /// Register a connection from FILE (`-` for standard input), a JSON body as
    /// `POST /api/v1/connections` takes it. Its credentials are sealed and never shown again.
    Create { file: PathBuf },
    /// Disable a connection at once: no forward goes to it again.
    Disable { id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new data-key version and use it for new writes (end of cryptoperiod, PCI 3.7.4).
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key; the key is printed once, on the last line. The name is the channel the key
    /// acts for: the methods it stores belong to that channel.
    Create {
        #[arg(long)]
        name: String,
        /// payment_methods:read, payment_methods:write, payment_methods:reveal,
        /// payment_methods:use, customers:mfa, webhooks:manage, channels:all (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// The key stops working after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// An address or CIDR network the key may be used from (repeatable; default: any).
        #[arg(long = "allow-ip")]
        allow_ips: Vec<String>,
    },
    /// List every key (no secrets): id, channel, scopes, state, limits.
    List,
    /// Revoke a key at once.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain (archives, events, signed checkpoints). Exits 1 and names the first
    /// event that was altered, removed or moved if anything is wrong.
    Verify,
    /// Sign the current chain head in the HSM now.
    Checkpoint,
    /// Print the audit signing key's public half (PEM), for assessors checking exports.
    PublicKey,
    /// Check a signed export (CSV or JSON Lines). Needs no database or HSM with --public-key.
    VerifyExport {
        file: PathBuf,
        /// The PEM printed by `coffer audit public-key` (default: read it from the HSM).
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Run the daily review rules over one UTC day (default today) and print new flags.
    Review {
        /// YYYY-MM-DD (UTC).
        #[arg(long)]
        day: Option<String>,
    },
    /// Apply retention now: archive events older than the hot window, expire old archive files.
    Archive,
    #[cfg(feature = "dev-tools")]
    /// Benchmark only: append synthetic events (a fresh database only).
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Spread them over this many days up to now.
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    #[cfg(feature = "dev-tools")]
    /// Benchmark only: time a set of filtered searches and print p50/p95 per query.
    BenchSearch {
        #[arg(long, default_value_t = 200)]
        iterations: u32,
    },
}
