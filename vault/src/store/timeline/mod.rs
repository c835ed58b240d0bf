//! A customer's timeline read from its sources (methods stored, status changes, uses, mandates,
//! customer links, webhook deliveries, audit events): one indexed, keyset-bounded query per
//! source, merged newest first. Nothing here holds card data: methods are read by their masked
//! columns only.

use super::{Dialect, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

#[cfg(any(test, feature = "dev-tools"))]
pub mod synthetic;

/// Where an entry comes from. The order of the variants breaks ties between entries of the
/// same millisecond (later variants first, newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Audit,
    Webhook,
    Link,
    Mandate,
    Use,
    Status,
    Method,
}

impl Source {
    pub const ALL: [Source; 7] = [
        Source::Method,
        Source::Status,
        Source::Use,
        Source::Mandate,
        Source::Link,
        Source::Webhook,
        Source::Audit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Method => "method",
            Source::Status => "status",
            Source::Use => "use",
            Source::Mandate => "mandate",
            Source::Link => "link",
            Source::Webhook => "webhook",
            Source::Audit => "audit",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A position in the timeline: entries strictly older than it come next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: i64,
    pub source: Source,
    pub key: String,
}

impl Cursor {
    /// `at.source.key`, as it travels in a page link.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.at, self.source.as_str(), self.key)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let mut parts = s.splitn(3, '.');
        let at = parts.next()?.parse().ok()?;
        let source = Source::parse(parts.next()?)?;
        let key = parts.next()?;
        let key_ok = !key.is_empty()
            && key.len() <= 80
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        key_ok.then(|| Cursor {
            at,
            source,
            key: key.to_owned(),
        })
    }
}

/// What happened, as each source records it (masked columns, ids and codes only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    MethodStored {
        method_type: String,
        brand: Option<String>,
        last4: String,
        channel: String,
    },
    StatusChanged {
        seq: i64,
        from: String,
        to: String,
        reason: String,
        actor: String,
    },
    Use {
        amount: i64,
        currency: String,
        order_ref: String,
        channel: String,
        status: String,
        step_up: Option<String>,
        failure_code: Option<String>,
        factor_kind: Option<String>,
    },
    Mandate {
        reference: String,
        channel: String,
        status: String,
    },
    Link {
        purpose: String,
        expires_at: i64,
        used_at: Option<i64>,
    },
    Webhook {
        event_type: String,
        endpoint_id: String,
        status: String,
        attempts: i64,
    },
    Audit {
        seq: Option<i64>,
        action: String,
        outcome: String,
        actor_type: String,
        actor_id: String,
        channel: Option<String>,
        reason: Option<String>,
    },
}

/// One entry: when, its source and tie-break key (an id), the method it is about, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: i64,
    pub source: Source,
    pub key: String,
    pub payment_method: Option<String>,
    pub event: Event,
}

impl Entry {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.at,
            source: self.source,
            key: self.key.clone(),
        }
    }
}

/// What to read: the customer, the sources shown, optionally one method, and where to start.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub customer: &'a str,
    pub sources: &'a [Source],
    pub payment_method: Option<&'a str>,
    pub before: Option<&'a Cursor>,
    /// Entries wanted; up to `limit + 1` come back so the caller knows if there are more.
    pub limit: i64,
}

/// One source's query: its table expression, time and key columns, the method column, the
/// customer condition, and the columns it selects.
struct Spec {
    source: Source,
    from: &'static str,
    at: &'static str,
    key: &'static str,
    method: &'static str,
    customer: &'static str,
    select: &'static str,
    /// The key is an integer (kept zero-padded in an entry, so that keys compare bytewise).
    int_key: bool,
}

const SPECS: [Spec; 7] = [
    Spec {
        source: Source::Method,
        from: "payment_methods",
        at: "created_at",
        key: "id",
        method: "id",
        customer: "customer = $1",
        select: "id AS k, created_at AS at, id AS pm, type, brand, last4, channel",
        int_key: false,
    },
    Spec {
        source: Source::Status,
        from: "payment_method_transitions t JOIN payment_methods p ON p.id = t.payment_method",
        at: "t.at",
        key: "t.seq",
        method: "t.payment_method",
        customer: "p.customer = $1",
        select: "t.seq AS k, t.at AS at, t.payment_method AS pm, t.from_status, t.to_status, \
                 t.reason, t.actor",
        int_key: true,
    },
    Spec {
        source: Source::Use,
        from: "payment_method_uses",
        at: "created_at",
        key: "id",
        method: "payment_method",
        customer: "customer = $1",
        select: "id AS k, created_at AS at, payment_method AS pm, amount, currency, order_ref, \
                 channel, status, step_up, failure_code, factor_kind",
        int_key: false,
    },
    Spec {
        source: Source::Mandate,
        from: "mandates",
        at: "created_at",
        key: "id",
        method: "payment_method",
        customer: "customer = $1",
        select: "id AS k, created_at AS at, payment_method AS pm, reference, channel, status",
        int_key: false,
    },
    Spec {
        source: Source::Link,
        from: "customer_links",
        at: "created_at",
        key: "id",
        method: "payment_method",
        customer: "customer = $1",
        select: "id AS k, created_at AS at, payment_method AS pm, purpose, expires_at, used_at",
        int_key: false,
    },
    Spec {
        source: Source::Webhook,
        from: "webhook_deliveries",
        at: "created_at",
        key: "id",
        method: "payment_method",
        customer: "customer = $1",
        select: "id AS k, created_at AS at, payment_method AS pm, event_type, endpoint_id, \
                 status, attempts",
        int_key: false,
    },
    Spec {
        source: Source::Audit,
        from: "audit_events",
        at: "occurred_at",
        key: "id",
        method: "resource_id",
        customer: "resource_id IN (SELECT id FROM payment_methods WHERE customer = $1 \
                   UNION ALL SELECT id FROM payment_method_uses WHERE customer = $1 \
                   UNION ALL SELECT id FROM mandates WHERE customer = $1 UNION ALL SELECT $1)",
        select: "id AS k, occurred_at AS at, resource_id AS pm, resource_type, seq, action, \
                 outcome, actor_type, actor_id, channel, reason",
        int_key: false,
    },
];

enum Bind {
    Int(i64),
    Text(String),
}

/// The condition "strictly older than `cursor`" for entries of `spec`'s source, in the order
/// (at, source, key) descending.
fn older_than(spec: &Spec, cursor: &Cursor, key: &str, binds: &mut Vec<Bind>) -> String {
    binds.push(Bind::Int(cursor.at));
    let at = binds.len() + 1;
    if spec.source < cursor.source {
        format!("{} <= ${at}", spec.at)
    } else if spec.source > cursor.source {
        format!("{} < ${at}", spec.at)
    } else {
        let key_bind = if spec.int_key {
            Bind::Int(cursor.key.parse().unwrap_or(i64::MAX))
        } else {
            Bind::Text(cursor.key.clone())
        };
        binds.push(key_bind);
        let k = binds.len() + 1;
        format!("({0} < ${at} OR ({0} = ${at} AND {key} < ${k}))", spec.at)
    }
}

async fn read_source(
    conn: &mut AnyConnection,
    dialect: Dialect,
    spec: &Spec,
    q: &Query<'_>,
) -> Result<Vec<Entry>, StoreError> {
    // Keys compare bytewise in both databases, as they do in the merge below.
    let key = match dialect {
        Dialect::Postgres if !spec.int_key => format!("{} COLLATE \"C\"", spec.key),
        _ => spec.key.to_owned(),
    };
    let mut binds = Vec::new();
    let mut conds = vec![spec.customer.to_owned()];
    if let Some(pm) = q.payment_method {
        binds.push(Bind::Text(pm.to_owned()));
        conds.push(format!("{} = ${}", spec.method, binds.len() + 1));
    }
    if let Some(cursor) = q.before {
        conds.push(older_than(spec, cursor, &key, &mut binds));
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {} DESC, {key} DESC LIMIT ${}",
        spec.select,
        spec.from,
        conds.join(" AND "),
        spec.at,
        binds.len() + 2,
    );
    let mut query = sqlx::query(&sql).bind(q.customer.to_owned());
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(v),
            Bind::Text(v) => query.bind(v),
        };
    }
    let rows = query.bind(q.limit + 1).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|row| entry(spec, row))
        .collect::<Result<_, _>>()?)
}

fn entry(spec: &Spec, r: &AnyRow) -> Result<Entry, sqlx::Error> {
    let source = spec.source;
    let event = match source {
        Source::Method => Event::MethodStored {
            method_type: r.try_get("type")?,
            brand: r.try_get("brand")?,
            last4: r.try_get("last4")?,
            channel: r.try_get("channel")?,
        },
        Source::Status => Event::StatusChanged {
            seq: r.try_get("k")?,
            from: r.try_get("from_status")?,
            to: r.try_get("to_status")?,
            reason: r.try_get("reason")?,
            actor: r.try_get("actor")?,
        },
        Source::Use => Event::Use {
            amount: r.try_get("amount")?,
            currency: r.try_get("currency")?,
            order_ref: r.try_get("order_ref")?,
            channel: r.try_get("channel")?,
            status: r.try_get("status")?,
            step_up: r.try_get("step_up")?,
            failure_code: r.try_get("failure_code")?,
            factor_kind: r.try_get("factor_kind")?,
        },
        Source::Mandate => Event::Mandate {
            reference: r.try_get("reference")?,
            channel: r.try_get("channel")?,
            status: r.try_get("status")?,
        },
        Source::Link => Event::Link {
            purpose: r.try_get("purpose")?,
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        },
        Source::Webhook => Event::Webhook {
            event_type: r.try_get("event_type")?,
            endpoint_id: r.try_get("endpoint_id")?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
        },
        Source::Audit => Event::Audit {
            seq: r.try_get("seq")?,
            action: r.try_get("action")?,
            outcome: r.try_get("outcome")?,
            actor_type: r.try_get("actor_type")?,
            actor_id: r.try_get("actor_id")?,
            channel: r.try_get("channel")?,
            reason: r.try_get("reason")?,
        },
    };
    // An audit event about the customer (not one of its methods) names no method.
    let pm: Option<String> = r.try_get("pm")?;
    let payment_method = match source {
        Source::Audit => {
            let kind: Option<String> = r.try_get("resource_type")?;
            pm.filter(|_| kind.as_deref() == Some("payment_method"))
        }
        _ => pm,
    };
    let key = if spec.int_key {
        format!("{:020}", r.try_get::<i64, _>("k")?)
    } else {
        r.try_get("k")?
    };
    Ok(Entry {
        at: r.try_get("at")?,
        source,
        key,
        payment_method,
        event,
    })
}

/// The newest `q.limit + 1` entries older than `q.before` from the chosen sources.
pub async fn page(
    conn: &mut AnyConnection,
    dialect: Dialect,
    q: &Query<'_>,
) -> Result<Vec<Entry>, StoreError> {
    let mut all = Vec::new();
    for spec in SPECS.iter().filter(|s| q.sources.contains(&s.source)) {
        all.extend(read_source(conn, dialect, spec, q).await?);
    }
    all.sort_by(|a, b| (b.at, b.source, b.key.as_bytes()).cmp(&(a.at, a.source, a.key.as_bytes())));
    all.truncate(usize::try_from(q.limit + 1).unwrap_or(usize::MAX));
    Ok(all)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::clock::now_millis;
    use crate::store::{Store, data_keys};

    fn query<'a>(
        customer: &'a str,
        sources: &'a [Source],
        before: Option<&'a Cursor>,
    ) -> Query<'a> {
        Query {
            customer,
            sources,
            payment_method: None,
            before,
            limit: 37,
        }
    }

    /// Paging through the whole timeline, with ties between sources and within one, returns
    /// exactly the entries of one unpaged read, in the same order, on each dialect; a filter by
    /// source or method keeps only its entries; another customer's entries never appear.
    async fn pages_cover_the_timeline_once(url: &str) {
        let db = Store::connect(url, 2).await.unwrap();
        db.migrate().await.unwrap();
        let key = data_keys::insert_placeholder(&db).await.unwrap();
        let now = now_millis();
        let seeded = synthetic::seed_customer(&db, &key, "cus_synth_tl_1", 40, 1_500, now)
            .await
            .unwrap();
        synthetic::seed_customer(&db, &key, "cus_synth_tl_2", 5, 300, now)
            .await
            .unwrap();
        let mut conn = db.reader().acquire().await.unwrap();
        let dialect = db.dialect();
        let customer = seeded.customer.as_str();
        let everything = Query {
            limit: 100_000,
            ..query(customer, &Source::ALL, None)
        };
        let all = page(&mut conn, dialect, &everything).await.unwrap();
        assert_eq!(all.len() as u64, seeded.entries);
        let ties = all.windows(2).filter(|w| w[0].at == w[1].at).count();
        assert!(ties > 100, "ties: {ties}");
        let mut paged: Vec<Entry> = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let q = query(customer, &Source::ALL, cursor.as_ref());
            let mut got = page(&mut conn, dialect, &q).await.unwrap();
            let more = got.len() > 37;
            got.truncate(37);
            cursor = got.last().map(Entry::cursor);
            paged.extend(got);
            if !more {
                break;
            }
        }
        assert_eq!(paged, all);
        // By source, and by method.
        let uses = Query {
            limit: 100_000,
            ..query(customer, &[Source::Use, Source::Audit], None)
        };
        let some = page(&mut conn, dialect, &uses).await.unwrap();
        assert!(!some.is_empty());
        assert!(
            some.iter()
                .all(|e| matches!(e.source, Source::Use | Source::Audit))
        );
        let pm = seeded.methods[0].as_str();
        let one = Query {
            payment_method: Some(pm),
            ..everything.clone()
        };
        let mine = page(&mut conn, dialect, &one).await.unwrap();
        assert_eq!(
            mine,
            all.iter()
                .filter(|e| e.payment_method.as_deref() == Some(pm))
                .cloned()
                .collect::<Vec<_>>()
        );
        drop(conn);
        db.close().await;
    }

    #[tokio::test]
    async fn keyset_pages_cover_the_timeline_once() {
        crate::store::test_support::on_each_database("timeline", |url| async move {
            pages_cover_the_timeline_once(&url).await;
        })
        .await;
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor {
            at: 1_700_000_000_123,
            source: Source::Status,
            key: format!("{:020}", 42),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for junk in [
            "",
            "1.audit",
            "x.audit.evt_1",
            "1.nope.evt_1",
            "1.audit.evt'--",
            "1.audit.",
        ] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }
}
