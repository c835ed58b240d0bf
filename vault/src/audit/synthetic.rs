//! Synthetic audit events for benchmarks: a realistic mix (channels tokenizing and reading,
//! agents searching, a few reveals, sign-ins, denials) spread evenly over a period, appended to
//! the real chain. Refuses a database whose log already holds real history.

use crate::store::{self, AuditRow, Store, StoreError};
use rand::Rng;
use sqlx::Connection;

/// A log with more events than this is not seeded (it is someone's history, not a bench).
pub const MAX_EXISTING_EVENTS: i64 = 10_000;
/// Events per transaction while seeding.
const PER_TRANSACTION: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the audit log already holds {0} events; seed a fresh database")]
    NotFresh(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn pick<'a>(rng: &mut impl Rng, items: &'a [&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// One synthetic event at `at`.
pub fn event(rng: &mut impl Rng, at: i64) -> AuditRow {
    let roll = rng.random_range(0..1000);
    let ip = format!(
        "10.{}.{}.{}",
        rng.random_range(0..4),
        rng.random_range(0..32),
        rng.random_range(1..255)
    );
    let (actor_type, actor_id, action, outcome, reason) = match roll {
        0..=599 => (
            "api_key",
            format!("ak_channel{:02}", rng.random_range(0..20)),
            "payment_method.create",
            "success",
            None,
        ),
        600..=849 => (
            "api_key",
            format!("ak_channel{:02}", rng.random_range(0..20)),
            "payment_method.read",
            "success",
            None,
        ),
        850..=939 => (
            "staff",
            format!("usr_agent{:03}", rng.random_range(0..200)),
            pick(
                rng,
                &[
                    "payment_method.search",
                    "payment_method.read",
                    "payment_method.history",
                ],
            ),
            "success",
            None,
        ),
        940..=959 => (
            "staff",
            format!("usr_agent{:03}", rng.random_range(0..200)),
            "payment_method.reveal",
            "success",
            Some(pick(
                rng,
                &[
                    "chargeback dispute",
                    "customer called to confirm card",
                    "fraud review",
                    "refund to original card",
                ],
            )),
        ),
        960..=969 => (
            "staff",
            format!("usr_agent{:03}", rng.random_range(0..200)),
            "payment_method.reveal",
            "denied",
            None,
        ),
        970..=989 => (
            "staff",
            format!("usr_agent{:03}", rng.random_range(0..200)),
            "staff.sign_in",
            "success",
            None,
        ),
        990..=996 => (
            "anonymous",
            "anonymous".to_owned(),
            "staff.sign_in",
            "failure",
            None,
        ),
        _ => (
            "api_key",
            format!("ak_channel{:02}", rng.random_range(0..20)),
            "payment_method.reveal",
            "denied",
            None,
        ),
    };
    let resource = action
        .starts_with("payment_method.")
        .then(|| format!("pm_{:016x}", rng.random::<u64>()));
    AuditRow {
        id: crate::token::random_id("evt"),
        occurred_at: at,
        actor_type: actor_type.to_owned(),
        actor_id,
        action: action.to_owned(),
        outcome: outcome.to_owned(),
        resource_type: resource.as_ref().map(|_| "payment_method".to_owned()),
        resource_id: resource,
        origin_ip: Some(ip),
        user_agent: Some("coffer-synthetic/1".to_owned()),
        channel: Some(
            if actor_type == "api_key" {
                "api"
            } else {
                "console"
            }
            .to_owned(),
        ),
        request_id: Some(crate::token::random_id("req")),
        reason: reason.map(str::to_owned),
        detail: None,
    }
}

/// Appends `count` synthetic events spread evenly from `from` to `to` (unix ms), in
/// transactions of 20,000, calling `progress` with the running total after each.
pub async fn seed(
    db: &Store,
    count: u64,
    from: i64,
    to: i64,
    mut progress: impl FnMut(u64),
) -> Result<(), SeedError> {
    let mut conn = db.writer().acquire().await.map_err(StoreError::from)?;
    let head = store::audit::head(&mut conn).await?;
    if head.seq > MAX_EXISTING_EVENTS {
        return Err(SeedError::NotFresh(head.seq));
    }
    let step = (to - from).max(1) as f64 / count.max(1) as f64;
    let mut rng = rand::rng();
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(PER_TRANSACTION as u64);
        let events: Vec<AuditRow> = (done..done + n)
            .map(|i| event(&mut rng, from + (i as f64 * step) as i64))
            .collect();
        let mut tx = conn.begin().await.map_err(StoreError::from)?;
        store::audit::append(&mut tx, events.into_iter()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        done += n;
        // Seeding writes faster than background PASSIVE checkpoints can drain the SQLite WAL
        // (it reached 11 GB at 2.5 million events): truncate it now and then, as an offline
        // tool may.
        if db.dialect() == store::Dialect::Sqlite && done % 500_000 < n {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await
                .map_err(StoreError::from)?;
        }
        progress(done);
    }
    Ok(())
}
