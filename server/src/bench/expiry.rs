//! `coffer lifecycle bench-dashboard`: the expiry dashboard's calls timed as the console makes
//! them, on a database seeded by `coffer lifecycle seed`.

use coffer_vault::access::{Grant, Role, ViewExpiryDashboard};
use coffer_vault::audit::Origin;
use coffer_vault::service::{ExpiryBucket, ExpiryQuery};
use coffer_vault::{Dialect, Vault};
use std::time::Instant;

/// One timed call of the dashboard.
enum Call {
    Overview,
    List(ExpiryQuery),
    Export(ExpiryQuery),
}

/// Makes the call as the console does (its audit event included); returns the rows it showed.
async fn call(
    vault: &Vault,
    grant: &Grant<ViewExpiryDashboard>,
    c: &Call,
    now: i64,
    origin: &Origin,
) -> anyhow::Result<usize> {
    Ok(match c {
        Call::Overview => {
            let o = vault.expiry_overview(grant, now, origin).await?;
            // The live cards counted: the expired ones and those ending within 90 days.
            let total = |b| {
                o.buckets
                    .iter()
                    .find(|c| c.bucket == b)
                    .map_or(0, |c| c.total)
            };
            usize::try_from(total(ExpiryBucket::Expired) + total(ExpiryBucket::Within90))?
        }
        Call::List(q) => vault.expiry_list(grant, q, now, origin).await?.items.len(),
        Call::Export(q) => vault.expiry_export(grant, q, now, origin).await?.len(),
    })
}

fn query(bucket: ExpiryBucket, brand: Option<&str>, channel: Option<&str>) -> ExpiryQuery {
    ExpiryQuery {
        bucket,
        brand: brand.map(str::to_owned),
        channel: channel.map(str::to_owned),
        after: None,
    }
}

/// Gathers planner statistics, then times the overview, four list pages per bucket (first,
/// filtered by a common and by a rare brand and channel, deep in by cursor) and the exports of
/// the 30- and 60-day buckets, each `runs` times in a row, and prints a Markdown table.
pub async fn dashboard(vault: &Vault, runs: u32, now: i64) -> anyhow::Result<()> {
    let agent = super::bench_staff(vault, Role::SupportAgent).await?;
    let origin = Origin::default();
    let grant = vault
        .authorize::<ViewExpiryDashboard>(&agent, &origin, None)
        .await?;
    let store = vault.store();
    let mut conn = store.writer().acquire().await?;
    let started = Instant::now();
    let analyze = match store.dialect() {
        Dialect::Sqlite => "ANALYZE",
        Dialect::Postgres => "ANALYZE payment_methods",
    };
    sqlx::query(analyze).execute(&mut *conn).await?;
    eprintln!("{analyze}: {:.1?}", started.elapsed());
    let (methods,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM payment_methods")
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);

    const DEEP: usize = 100;
    let mut calls: Vec<(String, Call)> = vec![("overview (all counts)".into(), Call::Overview)];
    for bucket in ExpiryBucket::ALL {
        let b = bucket.as_str();
        calls.push((
            format!("list {b}, first page"),
            Call::List(query(bucket, None, None)),
        ));
        calls.push((
            format!("list {b}, mastercard + ios"),
            Call::List(query(bucket, Some("mastercard"), Some("ios"))),
        ));
        calls.push((
            format!("list {b}, unionpay + call-centre"),
            Call::List(query(bucket, Some("unionpay"), Some("call-centre"))),
        ));
        // Deep in: the cursor of page DEEP, or of the last page there is.
        let mut q = query(bucket, None, None);
        let mut page = 1;
        while page < DEEP {
            match vault.expiry_list(&grant, &q, now, &origin).await?.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
            page += 1;
        }
        calls.push((format!("list {b}, page {} (keyset)", page), Call::List(q)));
    }
    for bucket in [ExpiryBucket::Within30, ExpiryBucket::Within60] {
        calls.push((
            format!("export {} (CSV rows)", bucket.as_str()),
            Call::Export(query(bucket, None, None)),
        ));
    }

    for (_, c) in &calls {
        for _ in 0..3 {
            call(vault, &grant, c, now, &origin).await?;
        }
    }
    let as_of = time::OffsetDateTime::from_unix_timestamp(now / 1000)?
        .format(&time::format_description::well_known::Rfc3339)?;
    println!(
        "| call ({methods} methods, as of {as_of}) | rows | p50 ms | p95 ms | p99 ms | max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, c) in &calls {
        let mut times = super::table::Timings::new(runs as usize);
        let mut rows = 0;
        for _ in 0..runs {
            let started = Instant::now();
            rows = call(vault, &grant, c, now, &origin).await?;
            times.push(started.elapsed());
        }
        println!("{}", times.row(name, rows));
    }
    Ok(())
}
