//! The `coffer` binary: parses the command line, loads the configuration and runs the command.

use clap::Parser;
use coffer_server::cli::{
    ApiKeyCommand, AuditCommand, Cli, Command, DemoCommand, HsmCommand, KeysCommand, UserCommand,
};
use coffer_server::{config, startup, telemetry};
use coffer_vault::Vault;
use coffer_vault::access::{Actor, Role, Scope};
use coffer_vault::keys::{AUDIT_SIGNING_KEY_LABEL, FINGERPRINT_KEY_LABEL, Hsm, KEK_LABEL};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Everything Coffer creates (the database and its WAL, audit archives, exports, HSM token
    // files made through the module) is readable by its own user only.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    // An assessor checks an export with the public key alone: no configuration, HSM or database.
    if let Some(Command::Audit {
        command:
            AuditCommand::VerifyExport {
                file,
                public_key: Some(pem),
            },
    }) = &cli.command
    {
        std::process::exit(coffer_server::audit_cli::verify_export_offline(file, pem)?);
    }
    let explicit = cli.config.is_some();
    let path = cli.config.clone().unwrap_or_else(|| "coffer.toml".into());
    let config = config::load(Some(&path), explicit, |k| std::env::var(k).ok())?;
    telemetry::init(config.log_format);
    let vault_config = || config.vault_config();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(&config).await?;
            app.run_until(startup::shutdown_signal()).await?;
        }
        Command::Migrate => {
            Vault::migrate_database(&config.database_url).await?;
            println!("migrations applied");
        }
        Command::Hsm {
            command: HsmCommand::Init,
        } => {
            let created = Hsm::init_keys(&config.hsm)?;
            if created.is_empty() {
                println!("keys already present in token {:?}", config.hsm.token_label);
            } else {
                println!(
                    "created {} in token {:?}",
                    created.join(", "),
                    config.hsm.token_label
                );
            }
        }
        Command::Hsm {
            command: HsmCommand::Status,
        } => {
            let hsm = Hsm::open(&config.hsm)?;
            for label in [KEK_LABEL, FINGERPRINT_KEY_LABEL, AUDIT_SIGNING_KEY_LABEL] {
                println!("{label}: {:?}", hsm.key_attributes(label)?);
            }
        }
        Command::Connection { command } => {
            coffer_server::connection_cli::run(command, vault_config()).await?;
        }
        Command::Lifecycle { command } => {
            coffer_server::lifecycle_cli::run(command, vault_config()).await?;
        }
        #[cfg(feature = "dev-tools")]
        Command::Timeline { command } => {
            coffer_server::bench::timeline::run(command, vault_config()).await?;
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let vault = Vault::open(&vault_config()).await?;
            println!(
                "new data key {}",
                vault.rotate_data_key(&Actor::host_shell_operator()).await?
            );
            vault.close().await;
        }
        Command::ApiKey {
            command:
                ApiKeyCommand::Create {
                    name,
                    scopes,
                    expires_in_days,
                    allow_ips,
                },
        } => {
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s).ok_or_else(|| anyhow::anyhow!("unknown scope {s:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let allowed_ips = allow_ips
                .iter()
                .map(|n| {
                    coffer_vault::net::IpNet::parse(n)
                        .ok_or_else(|| anyhow::anyhow!("not an address or CIDR network: {n:?}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let limits = coffer_vault::service::KeyLimits {
                expires_at: expires_in_days
                    .map(|d| coffer_vault::clock::now_millis() + i64::from(d) * 86_400_000),
                allowed_ips,
            };
            let vault = Vault::open(&vault_config()).await?;
            let key = vault
                .create_api_key_with(&Actor::host_shell_operator(), &name, &scopes, &limits)
                .await?;
            vault.close().await;
            println!(
                "created API key {} ({name}); it is shown only once:",
                key.id
            );
            println!("{}", key.key.expose_secret());
        }
        Command::ApiKey {
            command: ApiKeyCommand::List,
        } => {
            let vault = Vault::open(&vault_config()).await?;
            let keys = vault
                .list_api_keys_on_host(&Actor::host_shell_operator())
                .await?;
            vault.close().await;
            for k in keys {
                let state = match (k.revoked_at, k.approved_at) {
                    (Some(_), _) => "revoked",
                    (None, None) => "pending_approval",
                    (None, Some(_)) => "active",
                };
                let expires = k
                    .expires_at
                    .map(coffer_vault::audit::record::rfc3339)
                    .unwrap_or_else(|| "never".into());
                let from = if k.allowed_ips.is_empty() {
                    "anywhere".to_owned()
                } else {
                    k.allowed_ips.join(",")
                };
                println!(
                    "{}\t{}\t{}\t{state}\texpires {expires}\tfrom {from}",
                    k.id,
                    k.name,
                    k.scopes.join(" ")
                );
            }
        }
        Command::ApiKey {
            command: ApiKeyCommand::Revoke { id },
        } => {
            let vault = Vault::open(&vault_config()).await?;
            let done = vault
                .revoke_api_key(&Actor::host_shell_operator(), &id)
                .await?;
            vault.close().await;
            println!(
                "{}",
                if done {
                    "revoked"
                } else {
                    "no such active key"
                }
            );
        }
        Command::User {
            command: UserCommand::Create { email, roles },
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse(r).ok_or_else(|| anyhow::anyhow!("unknown role {r:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let vault = Vault::open(&vault_config()).await?;
            let created = vault
                .bootstrap_staff(&Actor::host_shell_operator(), &email, &roles)
                .await?;
            vault.close().await;
            println!(
                "created staff account {} ({}); its one-time password is shown only once and \
                 must be changed at first sign-in:",
                created.account.id, created.account.email
            );
            println!("{}", created.password.expose_secret());
        }
        Command::User {
            command: UserCommand::ResetPassword { email, reset_mfa },
        } => {
            let vault = Vault::open(&vault_config()).await?;
            let reset = vault
                .recover_staff_password(&Actor::host_shell_operator(), &email, reset_mfa)
                .await?;
            vault.close().await;
            println!(
                "reset the password of {} ({}){}; its sessions have ended; the one-time password \
                 is shown only once and must be changed at the next sign-in:",
                reset.account.id,
                reset.account.email,
                if reset_mfa {
                    " and its two-step verification"
                } else {
                    ""
                }
            );
            println!("{}", reset.password.expose_secret());
        }
        Command::Audit { command } => {
            let code =
                coffer_server::audit_cli::run(command, vault_config(), &config.audit).await?;
            if code != 0 {
                std::process::exit(code);
            }
        }
        Command::Demo {
            command: DemoCommand::Seed,
        } => {
            let vault = Vault::open(&vault_config()).await?;
            let stored = coffer_vault::demo::seed(&vault).await?;
            vault.close().await;
            println!("stored {stored} demo payment methods");
        }
    }
    Ok(())
}
