//! `coffer audit bench-search`: representative audit-log searches timed as the console runs
//! them, on a database seeded by `coffer audit seed`.

use coffer_dlp::calendar::DAY_MS;
use coffer_vault::Vault;
use coffer_vault::access::{ReadAuditLog, Role};
use coffer_vault::audit::{AuditFilter, Origin};
use coffer_vault::clock::now_millis;
use std::time::Instant;

/// Times each representative filter as the console runs it (the search, its own audit event
/// group-committed to the chain), `iterations` times, and prints a Markdown table.
pub async fn run(vault: &Vault, iterations: u32) -> anyhow::Result<i32> {
    let officer = super::bench_staff(vault, Role::ComplianceOfficer).await?;
    let origin = Origin::default();
    let grant = vault
        .authorize::<ReadAuditLog>(&officer, &origin, None)
        .await?;
    let now = now_millis();
    let created = AuditFilter {
        action: Some("payment_method.create".into()),
        ..AuditFilter::default()
    };
    let newest = vault.search_audit(&grant, &created, None, &origin).await?;
    let resource = newest
        .events
        .iter()
        .find_map(|e| e.event.resource_id.clone())
        .unwrap_or_default();
    let deep = {
        let filter = AuditFilter {
            actor_id: Some("usr_agent007".into()),
            ..AuditFilter::default()
        };
        let mut before = None;
        for _ in 0..5 {
            before = vault
                .search_audit(&grant, &filter, before, &origin)
                .await?
                .next_before;
        }
        before
    };
    let f = AuditFilter::default;
    let cases: Vec<(&str, AuditFilter, Option<i64>)> = vec![
        ("no filter (newest 50)", f(), None),
        (
            "actor (one agent)",
            AuditFilter {
                actor_id: Some("usr_agent007".into()),
                ..f()
            },
            None,
        ),
        (
            "actor, 6th page (keyset)",
            AuditFilter {
                actor_id: Some("usr_agent007".into()),
                ..f()
            },
            deep,
        ),
        (
            "denied reveals",
            AuditFilter {
                action: Some("payment_method.reveal".into()),
                outcome: Some("denied".into()),
                ..f()
            },
            None,
        ),
        (
            "event type prefix staff.*",
            AuditFilter {
                action: Some("staff.*".into()),
                ..f()
            },
            None,
        ),
        (
            "resource (one method)",
            AuditFilter {
                resource_id: Some(resource),
                ..f()
            },
            None,
        ),
        (
            "origin IP",
            AuditFilter {
                origin_ip: Some("10.1.7.42".into()),
                ..f()
            },
            None,
        ),
        (
            "one day 30 days ago + sign-in failures",
            AuditFilter {
                from: Some(now - 30 * DAY_MS),
                to: Some(now - 29 * DAY_MS),
                action: Some("staff.sign_in".into()),
                outcome: Some("failure".into()),
                ..f()
            },
            None,
        ),
        (
            "reason text, last 7 days",
            AuditFilter {
                from: Some(now - 7 * DAY_MS),
                reason: Some("fraud".into()),
                ..f()
            },
            None,
        ),
        (
            "actor + reason text",
            AuditFilter {
                actor_id: Some("usr_agent042".into()),
                reason: Some("chargeback".into()),
                ..f()
            },
            None,
        ),
        (
            "failures, whole log",
            AuditFilter {
                outcome: Some("failure".into()),
                ..f()
            },
            None,
        ),
    ];
    let head = vault.store().reader().acquire().await;
    let events = match head {
        Ok(mut c) => coffer_vault::store::audit::head(&mut c).await?.seq,
        Err(_) => 0,
    };
    println!("| query ({events} events) | rows | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for (name, filter, before) in cases {
        let mut times = Vec::with_capacity(iterations as usize);
        let mut rows = 0;
        for _ in 0..iterations {
            let started = Instant::now();
            let page = vault.search_audit(&grant, &filter, before, &origin).await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = page.events.len();
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "| {name} | {rows} | {:.2} | {:.2} | {:.2} |",
            at(0.5),
            at(0.95),
            at(1.0)
        );
    }
    Ok(0)
}
