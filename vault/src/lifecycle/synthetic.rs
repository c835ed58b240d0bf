//! Synthetic card methods for the expiry dashboard's benchmark: expiries spread evenly over the
//! months from six before the current one to sixty after it, statuses as the lifecycle job would
//! have left them at that date, a few archived, replaced and shredded, brands by market share,
//! six channels, about three cards per customer. The ciphertext is random bytes (no PAN exists
//! anywhere), the display the masked view of a made-up card.
//!
//! Every customer id starts with [`CUSTOMER_PREFIX`], and seeding refuses a database holding any
//! other payment method, so it never runs against a real vault.

use crate::store::payment_methods::COLUMNS;
use crate::store::{self, Dialect, Store, StoreError};
use coffer_dlp::calendar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{AnyConnection, Connection};

/// Every synthetic customer id starts with this.
pub const CUSTOMER_PREFIX: &str = "cus_synth_";
/// Expiry months relative to the current one, inclusive.
pub const MONTHS: (i64, i64) = (-6, 60);
/// Brands and their share of cards in percent (sums to 100).
pub const BRANDS: [(&str, u32); 6] = [
    ("visa", 50),
    ("mastercard", 30),
    ("amex", 10),
    ("discover", 5),
    ("jcb", 3),
    ("unionpay", 2),
];
/// Channels and their share of cards in percent (sums to 100).
pub const CHANNELS: [(&str, u32); 6] = [
    ("web", 35),
    ("ios", 20),
    ("android", 20),
    ("pos", 10),
    ("marketplace", 10),
    ("call-centre", 5),
];
/// Rows per INSERT statement (22 columns: 11,000 parameters, within both dialects' limits).
const PER_STATEMENT: usize = 500;
/// Rows per transaction.
const PER_TRANSACTION: usize = 20_000;
/// SQLite: truncate the WAL every this many rows (see `audit::synthetic`).
const WAL_TRUNCATE_EVERY: u64 = 200_000;
use coffer_dlp::calendar::DAY_MS;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(
        "the database holds payment methods that are not synthetic (customer not {CUSTOMER_PREFIX}…); \
         seed a fresh database"
    )]
    NotSynthetic,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The entry of `table` a roll in `0..100` falls on (shares in percent, summing to 100).
pub fn by_share(table: &[(&'static str, u32)], roll: u32) -> &'static str {
    let mut acc = 0;
    for (name, share) in table {
        acc += share;
        if roll < acc {
            return name;
        }
    }
    table.last().map_or("", |(name, _)| name)
}

/// The status the lifecycle job gives a live card of expiry month `month` at `now`: expired once
/// its month has ended, expiring once it ends within `window_days`, else active.
pub fn live_status(month: i64, now: i64, window_days: u32) -> &'static str {
    if month <= calendar::ended_by(now) {
        "expired"
    } else if month <= calendar::ended_by(now + i64::from(window_days) * DAY_MS) {
        "expiring"
    } else {
        "active"
    }
}

/// What became of a card, by a roll in `0..1000`: 1 % archived, 0.5 % replaced by the
/// customer's next card, 0.5 % shredded; the rest are live.
pub fn retired_status(roll: u32) -> Option<&'static str> {
    match roll {
        0..10 => Some("archived"),
        10..15 => Some("replaced"),
        15..20 => Some("shredded"),
        _ => None,
    }
}

/// `n` random decimal digits.
fn digits(rng: &mut impl Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A made-up BIN (first six digits) of `brand` and the card number's length.
fn bin(rng: &mut impl Rng, brand: &str) -> (String, usize) {
    match brand {
        "visa" => (format!("4{}", digits(rng, 5)), 16),
        "mastercard" => {
            let second = rng.random_range(1..=5);
            (format!("5{second}{}", digits(rng, 4)), 16)
        }
        "amex" => {
            let second = if rng.random_bool(0.5) { 4 } else { 7 };
            (format!("3{second}{}", digits(rng, 4)), 15)
        }
        "discover" => (format!("6011{}", digits(rng, 2)), 16),
        "jcb" => {
            let range = rng.random_range(28..=89);
            (format!("35{range}{}", digits(rng, 2)), 16)
        }
        _ => (format!("62{}", digits(rng, 4)), 16),
    }
}

/// One synthetic card row (the `payment_methods` columns plus `archived_at` and `replaced_by`).
#[derive(Debug, Clone)]
pub struct SyntheticCard {
    pub row: store::PaymentMethodRow,
    pub archived_at: Option<i64>,
    pub replaced_by: Option<String>,
}

pub(crate) fn random_id(rng: &mut impl Rng, prefix: &str) -> String {
    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(prefix.len() + 25);
    out.push_str(prefix);
    out.push('_');
    for _ in 0..24 {
        out.push(char::from(BASE62[rng.random_range(0..62)]));
    }
    out
}

/// One synthetic card of `customer` with id `id` at `now`. `next` is the id of the customer's
/// next card, which a replaced card names as its successor (without one it is archived instead).
pub fn card(
    rng: &mut impl Rng,
    id: String,
    customer: &str,
    next: Option<&str>,
    key_id: &str,
    now: i64,
    window_days: u32,
) -> SyntheticCard {
    let current = calendar::month_index(now);
    let month = current + rng.random_range(MONTHS.0..=MONTHS.1);
    let brand = by_share(&BRANDS, rng.random_range(0..100));
    let channel = by_share(&CHANNELS, rng.random_range(0..100));
    let (bin6, len) = bin(rng, brand);
    let last4 = digits(rng, 4);
    let masked = format!("{bin6}{}{last4}", "*".repeat(len - 10));
    let mut fp = [0u8; 32];
    rng.fill(&mut fp);
    let fingerprint = hex::encode(fp);
    let (exp_year, exp_month) = (month.div_euclid(12), month.rem_euclid(12) + 1);
    let display = serde_json::json!({
        "brand": brand,
        "bin": bin6,
        "last4": last4,
        "masked_number": masked,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "alias": null,
    })
    .to_string();
    // Stored some time in the two years before the card ended (or before now).
    let ends = calendar::expires_at(month);
    let created_at = ends.min(now) - rng.random_range(DAY_MS..730 * DAY_MS);
    let mut status = live_status(month, now, window_days);
    let mut updated_at = match status {
        "expired" => ends,
        "expiring" => ends - i64::from(window_days) * DAY_MS,
        _ => created_at,
    }
    .clamp(created_at, now);
    let (mut archived_at, mut replaced_by, mut shredded_at) = (None, None, None);
    match retired_status(rng.random_range(0..1000)) {
        Some("replaced") if next.is_some() => {
            status = "replaced";
            replaced_by = next.map(str::to_owned);
            archived_at = Some(now - rng.random_range(0..30 * DAY_MS));
        }
        Some("shredded") => {
            status = "shredded";
            let shredded = now - rng.random_range(0..30 * DAY_MS);
            archived_at = Some(shredded - 30 * DAY_MS);
            shredded_at = Some(shredded);
        }
        Some(_) => {
            status = "archived";
            archived_at = Some(now - rng.random_range(0..30 * DAY_MS));
        }
        None => {}
    }
    if let Some(t) = shredded_at.or(archived_at) {
        updated_at = t.max(created_at);
    }
    let secret = shredded_at.is_none().then(|| {
        let mut nonce = vec![0u8; 12];
        let mut ciphertext = vec![0u8; 48];
        rng.fill(&mut nonce[..]);
        rng.fill(&mut ciphertext[..]);
        (nonce, ciphertext)
    });
    let (nonce, ciphertext) = secret.unzip();
    // Shredded methods keep no fingerprint, as `shred` leaves them.
    let (fingerprint, channel_fingerprint) = match shredded_at {
        Some(_) => (String::new(), None),
        None => {
            let mut scoped = [0u8; 32];
            rng.fill(&mut scoped);
            (fingerprint, Some(hex::encode(scoped)))
        }
    };
    SyntheticCard {
        row: store::PaymentMethodRow {
            id,
            customer: customer.to_owned(),
            kind: "card".into(),
            status: status.into(),
            fingerprint,
            display,
            brand: Some(brand.into()),
            last4,
            exp_month: Some(exp_month),
            exp_year: Some(exp_year),
            alias: None,
            billing_details: None,
            metadata: None,
            channel: channel.into(),
            // The key the ciphertext names; a shredded method names none (as `shred` leaves it).
            key_id: nonce.as_ref().map(|_| key_id.to_owned()),
            nonce,
            ciphertext,
            created_at,
            updated_at,
            shredded_at,
            channel_fingerprint,
        },
        archived_at,
        replaced_by,
    }
}

/// How a seeding went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub methods: u64,
    pub customers: u64,
}

/// Whether the table holds any payment method of a customer that is not synthetic.
pub(crate) async fn holds_real_methods(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    let found = sqlx::query(
        "SELECT id FROM payment_methods WHERE substr(customer, 1, 10) <> 'cus_synth_' LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    cards: &[SyntheticCard],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO payment_methods ({COLUMNS}, archived_at, replaced_by) VALUES {}",
        store::placeholders(conn, cards.len(), 23)
    );
    let mut query = sqlx::query(&sql);
    for c in cards {
        let r = &c.row;
        query = query
            .bind(&r.id)
            .bind(&r.customer)
            .bind(&r.kind)
            .bind(&r.status)
            .bind(&r.fingerprint)
            .bind(&r.display)
            .bind(&r.brand)
            .bind(&r.last4)
            .bind(r.exp_month)
            .bind(r.exp_year)
            .bind(&r.alias)
            .bind(&r.billing_details)
            .bind(&r.metadata)
            .bind(&r.channel)
            .bind(&r.key_id)
            .bind(&r.nonce)
            .bind(&r.ciphertext)
            .bind(r.created_at)
            .bind(r.updated_at)
            .bind(r.shredded_at)
            .bind(&r.channel_fingerprint)
            .bind(c.archived_at)
            .bind(&c.replaced_by);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Stores `count` synthetic card methods as they would stand at `now` (one to five per
/// customer, three on average), their ciphertexts naming data key `key_id`; in transactions of
/// 20,000 rows, 500 per statement, calling `progress` with the running total after each.
/// Refuses a database that holds any method of a non-synthetic customer.
pub async fn seed(
    db: &Store,
    key_id: &str,
    count: u64,
    now: i64,
    window_days: u32,
    mut progress: impl FnMut(u64),
) -> Result<SeedReport, SeedError> {
    let mut conn = db.writer().acquire().await.map_err(StoreError::from)?;
    if holds_real_methods(&mut conn).await? {
        return Err(SeedError::NotSynthetic);
    }
    let mut rng = StdRng::from_rng(&mut rand::rng());
    // A tag per seeding, so a second one adds customers instead of colliding with the first.
    let run = random_id(&mut rng, "")[1..7].to_owned();
    let mut report = SeedReport {
        methods: 0,
        customers: 0,
    };
    // The current customer's remaining card ids, generated ahead so a replaced card can name
    // the customer's next one.
    let mut pending: Vec<String> = Vec::new();
    let mut customer = String::new();
    while report.methods < count {
        let n = (count - report.methods).min(PER_TRANSACTION as u64) as usize;
        let mut cards = Vec::with_capacity(n);
        for _ in 0..n {
            if pending.is_empty() {
                report.customers += 1;
                customer = format!("{CUSTOMER_PREFIX}{run}_{:08}", report.customers);
                let k = rng.random_range(1..=5);
                pending = (0..k).map(|_| random_id(&mut rng, "pm")).collect();
                pending.reverse();
            }
            let Some(id) = pending.pop() else { break };
            let next = pending.last().map(String::as_str);
            cards.push(card(
                &mut rng,
                id,
                &customer,
                next,
                key_id,
                now,
                window_days,
            ));
        }
        let mut tx = conn.begin().await.map_err(StoreError::from)?;
        for chunk in cards.chunks(PER_STATEMENT) {
            insert(&mut tx, chunk).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        let before = report.methods;
        report.methods += cards.len() as u64;
        if db.dialect() == Dialect::Sqlite
            && report.methods / WAL_TRUNCATE_EVERY > before / WAL_TRUNCATE_EVERY
        {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *conn)
                .await
                .map_err(StoreError::from)?;
        }
        progress(report.methods);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn shares_sum_to_one_hundred_and_rolls_land_by_share() {
        for table in [&BRANDS, &CHANNELS] {
            assert_eq!(table.iter().map(|(_, s)| s).sum::<u32>(), 100);
            for (name, share) in table.iter() {
                let hits = (0..100).filter(|r| by_share(table, *r) == *name).count();
                assert_eq!(hits, *share as usize, "{name}");
            }
        }
        assert_eq!(by_share(&BRANDS, 0), "visa");
        assert_eq!(by_share(&BRANDS, 49), "visa");
        assert_eq!(by_share(&BRANDS, 50), "mastercard");
        assert_eq!(by_share(&BRANDS, 99), "unionpay");
    }

    #[test]
    fn live_status_follows_the_expiry_date() {
        // 2026-12-10: November cards have ended, December ones end on 1 January (in 22 days),
        // January ones on 1 February (53 days), February ones on 1 March (81 days).
        let now = 1_796_083_200_000 + 9 * DAY_MS;
        let dec = 2026 * 12 + 11;
        assert_eq!(live_status(dec - 1, now, 60), "expired");
        assert_eq!(live_status(dec - 6, now, 60), "expired");
        assert_eq!(live_status(dec, now, 60), "expiring");
        assert_eq!(live_status(dec + 1, now, 60), "expiring");
        assert_eq!(live_status(dec + 2, now, 60), "active");
        assert_eq!(live_status(dec + 1, now, 30), "active");
    }

    #[test]
    fn two_percent_are_retired() {
        let retired: Vec<_> = (0..1000).filter_map(retired_status).collect();
        assert_eq!(retired.len(), 20);
        assert_eq!(retired.iter().filter(|s| **s == "archived").count(), 10);
        assert_eq!(retired.iter().filter(|s| **s == "replaced").count(), 5);
        assert_eq!(retired.iter().filter(|s| **s == "shredded").count(), 5);
    }

    #[test]
    fn cards_are_consistent_and_spread_as_intended() {
        let now = 1_796_083_200_000 + 9 * DAY_MS;
        let current = calendar::month_index(now);
        let mut rng = StdRng::seed_from_u64(7);
        let n = 20_000;
        let cards: Vec<_> = (0..n)
            .map(|i| {
                card(
                    &mut rng,
                    format!("pm_{i}"),
                    "cus_synth_t_1",
                    Some("pm_next"),
                    "dek_1",
                    now,
                    60,
                )
            })
            .collect();
        let mut expired_live = 0;
        for c in &cards {
            let r = &c.row;
            let month = r.exp_year.unwrap() * 12 + r.exp_month.unwrap() - 1;
            assert!((current - 6..=current + 60).contains(&month));
            let display: serde_json::Value = serde_json::from_str(&r.display).unwrap();
            assert_eq!(display["last4"], r.last4.as_str());
            assert_eq!(display["brand"], r.brand.as_deref().unwrap());
            let masked = display["masked_number"].as_str().unwrap();
            let bin = display["bin"].as_str().unwrap();
            assert!(masked.starts_with(bin) && masked.ends_with(&r.last4));
            assert_eq!(bin.len(), 6);
            assert_eq!(
                masked.len(),
                if r.brand.as_deref() == Some("amex") {
                    15
                } else {
                    16
                }
            );
            assert!(r.created_at <= r.updated_at && r.updated_at <= now);
            match r.status.as_str() {
                "shredded" => {
                    assert!(r.ciphertext.is_none() && r.nonce.is_none() && r.key_id.is_none());
                    assert!(r.shredded_at.is_some() && c.archived_at.is_some());
                }
                s => {
                    assert_eq!(r.ciphertext.as_ref().unwrap().len(), 48);
                    assert_eq!(r.nonce.as_ref().unwrap().len(), 12);
                    assert_eq!(r.key_id.as_deref(), Some("dek_1"));
                    match s {
                        "archived" => assert!(c.archived_at.is_some()),
                        "replaced" => assert_eq!(c.replaced_by.as_deref(), Some("pm_next")),
                        live => {
                            assert_eq!(live, live_status(month, now, 60));
                            expired_live += usize::from(live == "expired");
                        }
                    }
                }
            }
        }
        // 6 of the 67 months have ended: about 9 % expired but still live.
        let share = expired_live as f64 / n as f64;
        assert!((0.07..0.11).contains(&share), "{share}");
        let visa = cards
            .iter()
            .filter(|c| c.row.brand.as_deref() == Some("visa"))
            .count();
        assert!((9_000..11_000).contains(&visa), "{visa}");
        let kept: Vec<_> = cards
            .iter()
            .filter(|c| c.row.shredded_at.is_none())
            .collect();
        let fingerprints: std::collections::HashSet<_> =
            kept.iter().map(|c| &c.row.fingerprint).collect();
        assert_eq!(fingerprints.len(), kept.len());
        assert!(
            cards
                .iter()
                .filter(|c| c.row.shredded_at.is_some())
                .all(|c| c.row.fingerprint.is_empty() && c.row.channel_fingerprint.is_none())
        );
    }

    #[test]
    fn a_replaced_card_without_a_successor_is_archived_instead() {
        let now = 1_796_083_200_000;
        let mut rng = StdRng::seed_from_u64(1);
        for i in 0..5_000 {
            let c = card(
                &mut rng,
                format!("pm_{i}"),
                "cus_synth_t_1",
                None,
                "dek_1",
                now,
                60,
            );
            assert_ne!(c.row.status, "replaced");
            assert!(c.replaced_by.is_none());
        }
    }

    #[tokio::test]
    async fn seeds_a_fresh_database_and_refuses_one_with_real_methods() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
        let db = Store::connect(&url, 1).await.unwrap();
        db.migrate().await.unwrap();
        let key = store::data_keys::insert_placeholder(&db).await.unwrap();
        let now = crate::clock::now_millis();
        let report = seed(&db, &key, 1_234, now, 60, |_| {}).await.unwrap();
        assert_eq!(report.methods, 1_234);
        assert!((250..=1_234).contains(&report.customers));
        // A second seeding adds customers of its own.
        seed(&db, &key, 10, now, 60, |_| {}).await.unwrap();
        let mut conn = db.reader().acquire().await.unwrap();
        let (n, customers): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT customer) FROM payment_methods")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(n, 1_244);
        assert!(customers > i64::try_from(report.customers).unwrap());
        let counted =
            store::expiry::counts_through(&mut conn, calendar::month_index(now) + 60).await;
        let live: i64 = counted.unwrap().iter().map(|c| c.count).sum();
        assert!((1_150..1_244).contains(&live), "{live}");
        drop(conn);
        let mut real = card(
            &mut rand::rng(),
            "pm_real".into(),
            "cus_1",
            None,
            &key,
            now,
            60,
        );
        real.row.customer = "cus_real".into();
        let mut conn = db.writer().acquire().await.unwrap();
        insert(&mut conn, &[real]).await.unwrap();
        drop(conn);
        assert!(matches!(
            seed(&db, &key, 10, now, 60, |_| {}).await,
            Err(SeedError::NotSynthetic)
        ));
        db.close().await;
    }
}
