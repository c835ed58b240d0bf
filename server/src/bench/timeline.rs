//! `coffer timeline …`: the customer timeline's benchmark: one synthetic customer with a long
//! history, then the timeline's pages timed as the console reads them (audit event included).

use super::table::Timings;
use crate::cli::TimelineCommand;
use coffer_vault::access::{ReadCustomerTimeline, Role};
use coffer_vault::audit::Origin;
use coffer_vault::clock::now_millis;
use coffer_vault::service::TimelineSource as Source;
use coffer_vault::service::{TIMELINE_PAGE, TimelineRequest};
use coffer_vault::store::timeline::synthetic;
use coffer_vault::{Vault, VaultConfig};
use std::time::Instant;

/// Runs one `coffer timeline` command.
pub async fn run(command: TimelineCommand, vault_config: VaultConfig) -> anyhow::Result<()> {
    let vault = Vault::open(&vault_config).await?;
    let done = run_with(&vault, command).await;
    vault.close().await;
    done
}

async fn run_with(vault: &Vault, command: TimelineCommand) -> anyhow::Result<()> {
    match command {
        TimelineCommand::Seed {
            customer,
            methods,
            events,
        } => {
            let started = Instant::now();
            let seeded = synthetic::seed_customer(
                vault.store(),
                vault.keys().current().id(),
                &customer,
                methods,
                events,
                now_millis(),
            )
            .await?;
            println!(
                "seeded {} with {} methods and {} timeline entries in {:.1?}",
                seeded.customer,
                seeded.methods.len(),
                seeded.entries,
                started.elapsed()
            );
        }
        TimelineCommand::Bench { customer, runs } => bench(vault, &customer, runs.max(1)).await?,
    }
    Ok(())
}

fn request(customer: &str, sources: &[Source], method: Option<&str>) -> TimelineRequest {
    TimelineRequest {
        customer: customer.to_owned(),
        sources: sources.to_vec(),
        payment_method: method.map(str::to_owned),
        before: None,
    }
}

/// Gathers planner statistics, then times the first page (all sources, audit only, uses only,
/// one method), and a page deep in by cursor, each `runs` times in a row; prints Markdown.
async fn bench(vault: &Vault, customer: &str, runs: u32) -> anyhow::Result<()> {
    let agent = super::bench_staff(vault, Role::SupportAgent).await?;
    let origin = Origin::default();
    let grant = vault
        .authorize::<ReadCustomerTimeline>(&agent, &origin, None)
        .await?;
    let store = vault.store();
    let mut conn = store.writer().acquire().await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    let (methods,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM payment_methods WHERE customer = $1")
            .bind(customer)
            .fetch_one(&mut *conn)
            .await?;
    let (events,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE resource_id IN \
         (SELECT id FROM payment_methods WHERE customer = $1)",
    )
    .bind(customer)
    .fetch_one(&mut *conn)
    .await?;
    let (one,): (String,) =
        sqlx::query_as("SELECT id FROM payment_methods WHERE customer = $1 ORDER BY id LIMIT 1")
            .bind(customer)
            .fetch_one(&mut *conn)
            .await?;
    drop(conn);

    const DEEP: usize = 100;
    let mut calls = vec![
        (
            "first page, all sources".to_owned(),
            request(customer, &[], None),
        ),
        (
            "first page, audit trail only".to_owned(),
            request(customer, &[Source::Audit], None),
        ),
        (
            "first page, uses only".to_owned(),
            request(customer, &[Source::Use], None),
        ),
        (
            "first page, one method".to_owned(),
            request(customer, &[], Some(&one)),
        ),
    ];
    let mut deep = request(customer, &[], None);
    let mut page = 1;
    while page < DEEP {
        match vault.customer_timeline(&grant, &deep, &origin).await?.next {
            Some(next) => deep.before = Some(next),
            None => break,
        }
        page += 1;
    }
    calls.push((format!("page {page}, all sources (keyset)"), deep));

    for (_, r) in &calls {
        for _ in 0..3 {
            vault.customer_timeline(&grant, r, &origin).await?;
        }
    }
    println!(
        "| page ({methods} methods, {events} audit events; {TIMELINE_PAGE} a page) | rows | p50 ms | p95 ms | p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, r) in &calls {
        let mut times = Timings::new(runs as usize);
        let mut rows = 0;
        for _ in 0..runs {
            let started = Instant::now();
            rows = vault
                .customer_timeline(&grant, r, &origin)
                .await?
                .entries
                .len();
            times.push(started.elapsed());
        }
        println!("{}", times.row(name, rows));
    }
    Ok(())
}
