//! Benchmark commands (`dev-tools` builds only): synthetic data seeded on a fresh database and
//! the console's reads timed as the console makes them.

pub mod audit_search;
pub mod expiry;
pub mod table;
pub mod timeline;

/// A staff member for a benchmark on a synthetic database: a real account with `role`, made
/// through the vault, and its actor (nothing outside the vault can make one up).
pub async fn bench_staff(
    vault: &coffer_vault::Vault,
    role: coffer_vault::access::Role,
) -> anyhow::Result<coffer_vault::access::Actor> {
    let operator = coffer_vault::access::Actor::host_shell_operator();
    let email = format!(
        "{}@bench.coffer.invalid",
        coffer_vault::token::random_id("bench").to_lowercase()
    );
    let created = vault.bootstrap_staff(&operator, &email, &[role]).await?;
    vault
        .staff_actor(&created.account.id, None)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the benchmark account is not active"))
}
