//! `spawn_app()`: the whole server on port 0 with a fresh database (a SQLite file, or a new
//! PostgreSQL database when COFFER_TEST_POSTGRES_URL is set) and a fresh SoftHSM2 token.

use coffer_server::api::RateLimit;
use coffer_server::config::{Config, ConsoleConfig, LogFormat};
use coffer_server::startup::Application;
use coffer_vault::Vault;
use coffer_vault::access::{Actor, Scope};
use coffer_vault::customer::CustomerSettings;
use coffer_vault::keys::{Hsm, HsmConfig};
use coffer_vault::store::Dialect;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// Writes the SoftHSM2 configuration that `.cargo/config.toml` points SOFTHSM2_CONF at.
fn softhsm_ready() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let conf = PathBuf::from(std::env::var("SOFTHSM2_CONF").expect("SOFTHSM2_CONF is set by .cargo/config.toml"));
        if !conf.exists() {
            let dir = conf.parent().expect("conf has a parent").to_path_buf();
            let tokens = dir.join("tokens");
            std::fs::create_dir_all(&tokens).expect("create token dir");
            let text = format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                tokens.display()
            );
            std::fs::write(&conf, text).expect("write softhsm2.conf");
        }
    });
}

/// A fresh token with both Coffer keys, created once per test process under a random label and
/// shared by its apps (each app still gets a fresh database). One per app would be truer, but
/// SoftHSM2 aborts (SlotManager::insertToken assertion) once a token directory holds many tokens.
pub fn fresh_token() -> HsmConfig {
    static TOKEN: OnceLock<HsmConfig> = OnceLock::new();
    TOKEN
        .get_or_init(|| {
            softhsm_ready();
            let config = HsmConfig {
                module: MODULE.into(),
                token_label: coffer_vault::token::random_id("t")[..20].to_owned(),
                pin: SecretString::from("test-user-pin"),
            };
            Hsm::provision_token(&config, &SecretString::from("test-so-pin"))
                .expect("provision a SoftHSM2 token");
            Hsm::init_keys(&config).expect("create keys");
            config
        })
        .clone()
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub vault: Arc<Vault>,
    /// All three scopes.
    pub admin_key: String,
    /// `payment_methods:read` and `payment_methods:write`, no reveal.
    pub agent_key: String,
    pub sqlite_path: Option<PathBuf>,
    /// The database the app runs on.
    pub database_url: String,
    _dir: tempfile::TempDir,
}

async fn database_url(dir: &std::path::Path) -> (String, Option<PathBuf>) {
    match std::env::var("COFFER_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = coffer_vault::token::random_id("coffer_test").to_lowercase();
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin_url);
            (format!("{base}/{name}"), None)
        }
        Err(_) => {
            let path = dir.join("coffer.db");
            (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(RateLimit {
        per_second: 100_000,
        burst: 100_000,
    })
    .await
}

pub async fn spawn_app_with(rate_limit: RateLimit) -> TestApp {
    spawn(
        rate_limit,
        ConsoleConfig {
            secure_cookies: false,
            ..ConsoleConfig::default()
        },
        |_| {},
    )
    .await
}

/// The app with its customer settings changed by `change` (from the tests' defaults).
pub async fn spawn_app_with_customer(change: impl FnOnce(&mut CustomerSettings)) -> TestApp {
    let rate_limit = RateLimit {
        per_second: 100_000,
        burst: 100_000,
    };
    spawn(
        rate_limit,
        ConsoleConfig {
            secure_cookies: false,
            ..ConsoleConfig::default()
        },
        change,
    )
    .await
}

/// The app with console sessions that end after `idle` without a request.
pub async fn spawn_app_with_idle(idle: std::time::Duration) -> TestApp {
    let console = ConsoleConfig {
        idle_timeout: idle,
        secure_cookies: false,
    };
    spawn(
        RateLimit {
            per_second: 100_000,
            burst: 100_000,
        },
        console,
        |_| {},
    )
    .await
}

async fn spawn(
    rate_limit: RateLimit,
    console: ConsoleConfig,
    change: impl FnOnce(&mut CustomerSettings),
) -> TestApp {
    spawn_configured(|config| {
        config.rate_limit = rate_limit;
        config.console = console;
        change(&mut config.customer);
    })
    .await
}

/// A client that trusts the last certificate in the PEM chain `path` (a test CA).
pub fn client_trusting(path: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(path).expect("chain");
    let ca = reqwest::Certificate::from_pem_bundle(&pem)
        .expect("PEM")
        .pop()
        .expect("a certificate");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .tls_info(true)
        .build()
        .expect("client")
}

/// The app with any of its configuration changed by `change` (from the tests' defaults).
pub async fn spawn_configured(change: impl FnOnce(&mut Config)) -> TestApp {
    let rate_limit = RateLimit {
        per_second: 100_000,
        burst: 100_000,
    };
    // The test clients speak plain HTTP: cookies marked Secure would never come back.
    let console = ConsoleConfig {
        secure_cookies: false,
        ..ConsoleConfig::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let hsm = fresh_token();
    let (database_url, sqlite_path) = database_url(dir.path()).await;
    let customer = CustomerSettings {
        public_url: "http://localhost:0".into(),
        // The webhook tests' receivers listen on 127.0.0.1 over plain HTTP.
        insecure_webhooks: true,
        ..Default::default()
    };
    let mut config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        database_url: database_url.clone(),
        database_max_connections: 4,
        hsm,
        log_format: LogFormat::Json,
        rate_limit,
        console,
        audit: coffer_server::audit_config::AuditConfig {
            archive_dir: dir.path().join("audit-archive"),
            ..Default::default()
        },
        // Links name the port actually bound (see `Application::build`).
        customer,
        // Quick retries, so the webhook tests see a delivery die in well under a second.
        webhooks: coffer_server::webhook_tasks::WebhookConfig {
            poll: std::time::Duration::from_millis(25),
            first_retry: std::time::Duration::from_millis(50),
            max_attempts: 3,
        },
        // No scheduler: the lifecycle tests run the job themselves, at the clock they choose.
        lifecycle: coffer_server::lifecycle_config::LifecycleConfig {
            interval: None,
            ..Default::default()
        },
        seal_limits: Default::default(),
        guards: Default::default(),
        sqlite_synchronous: Default::default(),
        // A connection must name a public host: the relay tests open 127.0.0.1 themselves.
        relay: Default::default(),
        // The suite speaks plain HTTP; tls.rs starts servers with certificates of their own.
        tls: coffer_server::config::TlsSetting::Off,
    };
    change(&mut config);
    let app = Application::build(&config)
        .await
        .expect("build the application");
    // A server with certificate files speaks TLS only: the client trusts the chain's last
    // certificate (the tests' CA).
    let (scheme, client) = match &config.tls {
        coffer_server::config::TlsSetting::Files(files) => ("https", client_trusting(&files.cert)),
        _ => ("http", reqwest::Client::new()),
    };
    let address = format!("{scheme}://{}", app.local_addr().expect("bound"));
    let vault = app.vault();
    tokio::spawn(app.run_until(std::future::pending()));
    // The server answers only after its start has been audited.
    for _ in 0..200 {
        if client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let key = |name: &'static str, scopes: Vec<Scope>| {
        let vault = vault.clone();
        async move {
            let k = vault
                .create_api_key(&Actor::host_shell_operator(), name, &scopes)
                .await
                .expect("api key");
            k.key.expose_secret().to_owned()
        }
    };
    let admin_key = key("web-checkout", Scope::ALL.to_vec()).await;
    let agent_key = key(
        "call-centre",
        vec![Scope::PaymentMethodsRead, Scope::PaymentMethodsWrite],
    )
    .await;
    TestApp {
        address,
        client,
        vault,
        admin_key,
        agent_key,
        sqlite_path,
        database_url,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn dialect(&self) -> Dialect {
        self.vault.store().dialect()
    }

    pub async fn post(&self, key: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, key: &str, path: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request")
    }

    /// A payment method as the API shows it (asserting 200).
    pub async fn method(&self, id: &str) -> Value {
        let res = self
            .get(&self.admin_key, &format!("/api/v1/payment_methods/{id}"))
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    /// A staff member's actor with `roles`, through a real account made as on the host's
    /// command line (tests cannot make one up either), stepped up just now if `stepped_up`.
    pub async fn staff_actor(
        &self,
        roles: &[coffer_vault::access::Role],
        stepped_up: bool,
    ) -> Actor {
        let email = format!(
            "{}@example.com",
            coffer_vault::token::random_id("staff").to_lowercase()
        );
        let created = self
            .vault
            .bootstrap_staff(&Actor::host_shell_operator(), &email, roles)
            .await
            .expect("staff account");
        self.vault
            .staff_actor(
                &created.account.id,
                stepped_up.then(coffer_vault::clock::now_millis),
            )
            .await
            .expect("staff actor")
            .expect("an active account")
    }

    /// A new API key named `name` with only `scopes`.
    pub async fn key_with(&self, name: &str, scopes: &[Scope]) -> String {
        self.vault
            .create_api_key(&Actor::host_shell_operator(), name, scopes)
            .await
            .expect("api key")
            .key
            .expose_secret()
            .to_owned()
    }

    /// Creates a card for `customer` and returns the response JSON (asserting 201).
    pub async fn tokenize_card(&self, customer: &str, number: &str) -> Value {
        let res = self
            .post(
                &self.admin_key,
                "/api/v1/payment_methods",
                &card_body(customer, number),
            )
            .await;
        assert_eq!(res.status(), 201);
        res.json().await.expect("json")
    }

    /// Runs a statement on the writer pool (for tests that tamper with rows).
    pub async fn exec(&self, sql: &str) -> Result<u64, sqlx::Error> {
        sqlx::query(sql)
            .execute(self.vault.store().writer())
            .await
            .map(|r| r.rows_affected())
    }

    pub async fn count(&self, sql: &str) -> i64 {
        use sqlx::Row;
        let row = sqlx::query(sql)
            .fetch_one(self.vault.store().reader())
            .await
            .expect("count");
        row.try_get::<i64, _>(0).expect("integer")
    }

    /// Audit rows as (action, outcome, resource_id, reason) for assertions.
    pub async fn audit(&self) -> Vec<coffer_vault::store::AuditRow> {
        let mut conn = self.vault.store().reader().acquire().await.expect("conn");
        let mut rows = coffer_vault::store::audit::recent(&mut conn, 10_000)
            .await
            .expect("audit");
        rows.reverse();
        rows
    }
}

/// The current year, UTC.
pub fn this_year() -> i64 {
    coffer_dlp::calendar::month_index(coffer_vault::clock::now_millis()).div_euclid(12)
}

pub fn next_year() -> i64 {
    this_year() + 2
}

pub fn card_body(customer: &str, number: &str) -> Value {
    json!({
        "customer": customer,
        "type": "card",
        "card": { "number": number, "exp_month": 12, "exp_year": next_year(), "cvc": "123", "name": "Ada Lovelace" }
    })
}
