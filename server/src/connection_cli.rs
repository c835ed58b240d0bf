//! `coffer connection …`: the relay's connections from the host's command line (the system
//! operator: list, register from a JSON file, disable). Each is audited as done by `system`.

use crate::cli::ConnectionCommand;
use anyhow::Context;
use coffer_vault::access::Actor;
use coffer_vault::relay::ConnectionView;
use coffer_vault::{Vault, VaultConfig};
use std::io::Read;

/// Runs one `coffer connection` command.
pub async fn run(command: ConnectionCommand, vault_config: VaultConfig) -> anyhow::Result<()> {
    // Read the body before opening the vault: a bad path costs no HSM session.
    let body = match &command {
        ConnectionCommand::Create { file } => Some(read_body(file)?),
        _ => None,
    };
    let vault = Vault::open(&vault_config).await?;
    let operator = Actor::host_shell_operator();
    let done = match command {
        ConnectionCommand::List => vault.connections_on_host(&operator).await.map(|all| {
            for c in &all {
                println!("{}", line(c));
            }
        }),
        ConnectionCommand::Create { .. } => vault
            .create_connection_on_host(&operator, body.as_ref().map_or(&[][..], |b| b.as_slice()))
            .await
            .map(|c| println!("registered {}", line(&c))),
        ConnectionCommand::Disable { id } => vault
            .disable_connection_on_host(&operator, &id)
            .await
            .map(|c| println!("disabled {}", line(&c))),
    };
    vault.close().await;
    done.map_err(explain)
}

/// The registration body: a file, or standard input for `-`. It holds credentials, so it is
/// never echoed.
fn read_body(file: &std::path::Path) -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut body = zeroize::Zeroizing::new(Vec::new());
    if file.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut body)?;
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut body))
            .with_context(|| format!("cannot read {}", file.display()))?;
    }
    Ok(body)
}

/// One connection on one line (tab-separated; never a credential).
pub fn line(c: &ConnectionView) -> String {
    let routes: Vec<String> = c
        .routes
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let keys = c
        .api_keys
        .as_ref()
        .map_or_else(|| "any forward key".to_owned(), |k| k.join(","));
    let mtls = c.client_certificate.as_ref().map_or_else(
        || "no client certificate".to_owned(),
        |cc| {
            format!(
                "client certificate {}",
                &cc.sha256[..16.min(cc.sha256.len())]
            )
        },
    );
    format!(
        "{}\t{}\t{}\t{}\t{}\tauth {}\t{}\t{} ms\t{}{}",
        c.id,
        c.status,
        c.name,
        c.base_url,
        routes.join(","),
        c.auth,
        mtls,
        c.timeout_ms,
        keys,
        if c.require_use { "\tuse required" } else { "" },
    )
}

/// A field error is the operator's to fix: say which field and why, as the API would.
fn explain(e: coffer_vault::VaultError) -> anyhow::Error {
    match e {
        coffer_vault::VaultError::Invalid(i) => {
            anyhow::anyhow!("{}: {}", i.param.as_deref().unwrap_or("body"), i.message)
        }
        other => other.into(),
    }
}
