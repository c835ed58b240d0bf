//! One synthetic customer with a long history, for the timeline's benchmark and its paging
//! tests: card methods with random ciphertexts (no PAN anywhere) and entries in every source,
//! spread over a year, one in eight sharing its millisecond with the one before (ties).
//!
//! The customer id starts with [`CUSTOMER_PREFIX`], and seeding refuses a database that holds
//! any other payment method, so it never runs against a real vault.

use crate::lifecycle::synthetic::{self, SeedError};
use crate::store::{self, AuditRow, Store, StoreError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{AnyConnection, Connection};

pub use crate::lifecycle::synthetic::CUSTOMER_PREFIX;

use coffer_dlp::calendar::DAY_MS;

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededCustomer {
    pub customer: String,
    pub methods: Vec<String>,
    pub entries: u64,
}

/// Stores `customer` (which must start with [`CUSTOMER_PREFIX`]) with `methods` cards and
/// about `events` entries over the year before `now` (or the year after the chain's last event, if
/// that is later): 60% audit events about its methods (in
/// the hash chain, as the vault writes them), 15% uses, 10% status changes, 5% each of links,
/// mandates and webhook deliveries. Data key `key_id` must exist (sealed columns name it).
pub async fn seed_customer(
    db: &Store,
    key_id: &str,
    customer: &str,
    methods: usize,
    events: u64,
    now: i64,
) -> Result<SeededCustomer, SeedError> {
    let mut conn = db.writer().acquire().await.map_err(StoreError::from)?;
    if !customer.starts_with(CUSTOMER_PREFIX) || synthetic::holds_real_methods(&mut conn).await? {
        return Err(SeedError::NotSynthetic);
    }
    let mut rng = StdRng::from_rng(&mut rand::rng());
    // After every event already in the chain (the chain only moves forward in time).
    let head = store::audit::head(&mut conn).await?;
    let start = (now - 365 * DAY_MS).max(head.last_at + 1);
    let now = start + 365 * DAY_MS;
    let ids: Vec<String> = (0..methods.max(1))
        .map(|_| synthetic::random_id(&mut rng, "pm"))
        .collect();
    let cards: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut card = synthetic::card(&mut rng, id.clone(), customer, None, key_id, now, 60);
            card.row.created_at = start + rng.random_range(0..DAY_MS);
            card
        })
        .collect();
    let mut tx = conn.begin().await.map_err(StoreError::from)?;
    for chunk in cards.chunks(500) {
        synthetic::insert(&mut tx, chunk).await?;
    }
    let endpoint = endpoint(&mut tx, &mut rng, key_id, start).await?;
    let step = (now - start - DAY_MS) / i64::try_from(events.max(1)).unwrap_or(1);
    let mut at = start + DAY_MS;
    let mut audit = Vec::new();
    for i in 0..events {
        // One in eight shares the millisecond of the one before.
        if i % 8 != 7 {
            at += rng.random_range(1..=step.max(1) * 2);
        }
        let pm = &ids[rng.random_range(0..ids.len())];
        match rng.random_range(0..100) {
            0..60 => audit.push(audit_row(&mut rng, pm, at)),
            60..75 => use_row(&mut tx, &mut rng, pm, customer, at).await?,
            75..85 => transition(&mut tx, pm, at).await?,
            85..90 => link(&mut tx, &mut rng, pm, customer, at).await?,
            90..95 => mandate(&mut tx, &mut rng, pm, customer, at).await?,
            _ => delivery(&mut tx, &mut rng, &endpoint, pm, customer, at).await?,
        }
    }
    store::audit::append(&mut tx, audit.into_iter()).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(SeededCustomer {
        customer: customer.to_owned(),
        methods: ids,
        entries: events + methods as u64,
    })
}

fn audit_row(rng: &mut impl Rng, pm: &str, at: i64) -> AuditRow {
    let (actor_type, action, outcome) = match rng.random_range(0..10) {
        0..5 => ("api_client", "payment_method.read", "success"),
        5..7 => ("staff", "payment_method.read", "success"),
        7 => ("staff", "payment_method.history", "success"),
        8 => ("api_client", "payment_method.use", "success"),
        _ => ("staff", "payment_method.reveal", "denied"),
    };
    AuditRow {
        id: crate::token::random_id("evt"),
        occurred_at: at,
        actor_type: actor_type.to_owned(),
        actor_id: format!("{actor_type}_{:02}", rng.random_range(0..20)),
        action: action.to_owned(),
        outcome: outcome.to_owned(),
        resource_type: Some("payment_method".to_owned()),
        resource_id: Some(pm.to_owned()),
        origin_ip: Some("198.51.100.7".to_owned()),
        user_agent: Some("coffer-synthetic/1".to_owned()),
        channel: Some("web".to_owned()),
        request_id: Some(crate::token::random_id("req")),
        reason: None,
        detail: None,
    }
}

async fn endpoint(
    conn: &mut AnyConnection,
    rng: &mut impl Rng,
    key_id: &str,
    at: i64,
) -> Result<String, StoreError> {
    let id = synthetic::random_id(rng, "we");
    let row = store::webhooks::EndpointRow {
        id: id.clone(),
        url: "https://oms.example/hooks/synthetic".to_owned(),
        channel: None,
        client: "ak_synthetic".to_owned(),
        key_id: key_id.to_owned(),
        nonce: vec![0; 12],
        secret: vec![0; 48],
        created_at: at,
    };
    store::webhooks::insert_endpoint(conn, &row).await?;
    Ok(id)
}

async fn use_row(
    conn: &mut AnyConnection,
    rng: &mut impl Rng,
    pm: &str,
    customer: &str,
    at: i64,
) -> Result<(), StoreError> {
    let (status, step_up, factor) = match rng.random_range(0..4) {
        0 => ("requires_action", Some("threshold"), None),
        1 => ("approved", Some("threshold"), Some("totp")),
        _ => ("approved", None, None),
    };
    sqlx::query(
        "INSERT INTO payment_method_uses (id, payment_method, customer, amount, currency, \
         order_ref, channel, client, status, step_up, factor_kind, attempts, created_at) \
         VALUES ($1, $2, $3, $4, 'eur', $5, 'web', 'ak_synthetic', $6, $7, $8, 0, $9)",
    )
    .bind(synthetic::random_id(rng, "use"))
    .bind(pm)
    .bind(customer)
    .bind(rng.random_range(100..100_000_i64))
    .bind(synthetic::random_id(rng, "ord"))
    .bind(status)
    .bind(step_up)
    .bind(factor)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn transition(conn: &mut AnyConnection, pm: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO payment_method_transitions (payment_method, from_status, to_status, \
         reason, actor, at) VALUES ($1, 'active', 'expiring', 'expiry_window', 'service', $2)",
    )
    .bind(pm)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn link(
    conn: &mut AnyConnection,
    rng: &mut impl Rng,
    pm: &str,
    customer: &str,
    at: i64,
) -> Result<(), StoreError> {
    let mut hash = [0u8; 32];
    rng.fill(&mut hash);
    sqlx::query(
        "INSERT INTO customer_links (id, customer, purpose, created_at, expires_at, \
         payment_method) VALUES ($1, $2, 'reverify', $3, $4, $5)",
    )
    .bind(hex::encode(hash))
    .bind(customer)
    .bind(at)
    .bind(at + 7 * DAY_MS)
    .bind(pm)
    .execute(conn)
    .await?;
    Ok(())
}

async fn mandate(
    conn: &mut AnyConnection,
    rng: &mut impl Rng,
    pm: &str,
    customer: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO mandates (id, payment_method, customer, channel, client, reference, \
         currency, initial_use, status, created_at) \
         VALUES ($1, $2, $3, 'web', 'ak_synthetic', $4, 'eur', $5, 'active', $6)",
    )
    .bind(synthetic::random_id(rng, "mdt"))
    .bind(pm)
    .bind(customer)
    .bind(synthetic::random_id(rng, "sub"))
    .bind(synthetic::random_id(rng, "use"))
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn delivery(
    conn: &mut AnyConnection,
    rng: &mut impl Rng,
    endpoint: &str,
    pm: &str,
    customer: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, status, \
         attempts, next_attempt_at, created_at, delivered_at, customer, payment_method) \
         VALUES ($1, $2, $3, 'payment_method.expiring', '{}', 'delivered', 1, $4, $4, $4, $5, $6)",
    )
    .bind(synthetic::random_id(rng, "whd"))
    .bind(endpoint)
    .bind(synthetic::random_id(rng, "evt"))
    .bind(at)
    .bind(customer)
    .bind(pm)
    .execute(conn)
    .await?;
    Ok(())
}
