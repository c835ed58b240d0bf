//! The expiry dashboard: counts of live cards already expired, expiring this month and within
//! 30/60/90 days (by brand and by channel), the filtered, paged list behind each count, and its
//! CSV export. Masked data only; every view is audited.

use super::Vault;
use crate::access::{Grant, ViewExpiryDashboard};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::error::VaultError;
use crate::lifecycle::{calendar, days_ms};
use crate::store::expiry::{self, ExpiryCursor, ExpiryFilter};
use crate::store::lifecycle::{self as lc, RunRow};
use std::collections::BTreeMap;

/// Rows per page of the list.
pub const EXPIRY_PAGE: i64 = 50;
/// Rows at most in one CSV export.
pub const EXPIRY_EXPORT_LIMIT: usize = 100_000;

/// A count on the dashboard. The windows are cumulative: "within 60 days" includes "within 30".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpiryBucket {
    /// Past its expiry and still on file (not yet archived or re-verified).
    Expired,
    /// Valid through the end of the current month.
    ThisMonth,
    Within30,
    Within60,
    Within90,
}

impl ExpiryBucket {
    pub const ALL: [ExpiryBucket; 5] = [
        ExpiryBucket::Expired,
        ExpiryBucket::ThisMonth,
        ExpiryBucket::Within30,
        ExpiryBucket::Within60,
        ExpiryBucket::Within90,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryBucket::Expired => "expired",
            ExpiryBucket::ThisMonth => "this_month",
            ExpiryBucket::Within30 => "30d",
            ExpiryBucket::Within60 => "60d",
            ExpiryBucket::Within90 => "90d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExpiryBucket::Expired => "Expired",
            ExpiryBucket::ThisMonth => "This month",
            ExpiryBucket::Within30 => "Within 30 days",
            ExpiryBucket::Within60 => "Within 60 days",
            ExpiryBucket::Within90 => "Within 90 days",
        }
    }

    pub fn parse(s: &str) -> Option<ExpiryBucket> {
        ExpiryBucket::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The expiry months (inclusive; `None`: no lower bound) this bucket covers at `now`.
    pub fn months(self, now: i64) -> (Option<i64>, i64) {
        let current = calendar::month_index(now);
        let within = |days| (Some(current), calendar::ended_by(now + days_ms(days)));
        match self {
            ExpiryBucket::Expired => (None, current - 1),
            ExpiryBucket::ThisMonth => (Some(current), current),
            ExpiryBucket::Within30 => within(30),
            ExpiryBucket::Within60 => within(60),
            ExpiryBucket::Within90 => within(90),
        }
    }

    fn holds(self, month: i64, now: i64) -> bool {
        let (from, to) = self.months(now);
        month <= to && from.is_none_or(|f| month >= f)
    }
}

/// One count with its breakdowns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketCounts {
    pub bucket: ExpiryBucket,
    pub total: i64,
    pub by_brand: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
}

/// The dashboard's numbers at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryOverview {
    pub as_of: i64,
    pub buckets: Vec<BucketCounts>,
    /// Live cards by expiry month from the current month on (the 90-day horizon).
    pub by_month: Vec<(i64, i64)>,
    pub brands: Vec<String>,
    pub channels: Vec<String>,
    /// The latest runs of the lifecycle job, newest first.
    pub runs: Vec<RunRow>,
}

/// What the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryQuery {
    pub bucket: ExpiryBucket,
    pub brand: Option<String>,
    pub channel: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

/// One masked row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryItem {
    pub id: String,
    pub customer: String,
    pub brand: String,
    pub last4: String,
    pub expiry: String,
    pub channel: String,
    pub status: String,
    /// Unix ms: when the card stops being valid.
    pub expires_at: i64,
}

/// A page of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryPage {
    pub items: Vec<ExpiryItem>,
    /// Pass as `after` for the next page.
    pub next: Option<String>,
}

fn encode_cursor(c: &ExpiryCursor) -> String {
    hex::encode(serde_json::json!([c.month, c.brand, c.channel, c.id]).to_string())
}

fn decode_cursor(s: &str) -> Result<ExpiryCursor, IntakeError> {
    let bad = || IntakeError::invalid("after");
    let bytes = hex::decode(s).map_err(|_| bad())?;
    let (month, brand, channel, id): (i64, String, String, String) =
        serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok(ExpiryCursor {
        month,
        brand,
        channel,
        id,
    })
}

impl Vault {
    /// The dashboard's counts at `now`. Permission `payment_methods.read`; audit
    /// `lifecycle.dashboard`.
    pub async fn expiry_overview(
        &self,
        grant: &Grant<ViewExpiryDashboard>,
        now: i64,
        origin: &Origin,
    ) -> Result<ExpiryOverview, VaultError> {
        let horizon = ExpiryBucket::Within90.months(now).1;
        let mut conn = self.store.reader().acquire().await?;
        let counts = expiry::counts_through(&mut conn, horizon).await?;
        let runs = lc::recent_runs(&mut conn, 5).await?;
        drop(conn);
        let current = calendar::month_index(now);
        let mut buckets = Vec::new();
        for bucket in ExpiryBucket::ALL {
            let mut brand: BTreeMap<&str, i64> = BTreeMap::new();
            let mut channel: BTreeMap<&str, i64> = BTreeMap::new();
            for c in counts.iter().filter(|c| bucket.holds(c.month, now)) {
                *brand.entry(&c.brand).or_default() += c.count;
                *channel.entry(&c.channel).or_default() += c.count;
            }
            buckets.push(BucketCounts {
                bucket,
                total: brand.values().sum(),
                by_brand: owned(brand),
                by_channel: owned(channel),
            });
        }
        let mut by_month: BTreeMap<i64, i64> =
            (current..=horizon.max(current)).map(|m| (m, 0)).collect();
        for c in counts.iter().filter(|c| c.month >= current) {
            *by_month.entry(c.month).or_default() += c.count;
        }
        let mut brands: Vec<String> = counts.iter().map(|c| c.brand.clone()).collect();
        let mut channels: Vec<String> = counts.iter().map(|c| c.channel.clone()).collect();
        for v in [&mut brands, &mut channels] {
            v.sort();
            v.dedup();
        }
        self.audit_alone(&AuditEvent::new(
            grant.actor(),
            "lifecycle.dashboard",
            Outcome::Success,
            origin,
        ))
        .await?;
        Ok(ExpiryOverview {
            as_of: now,
            buckets,
            by_month: by_month.into_iter().collect(),
            brands,
            channels,
            runs,
        })
    }

    /// One page of the list at `now`. Permission `payment_methods.read`; audit
    /// `lifecycle.expiry_list` with the filter.
    pub async fn expiry_list(
        &self,
        grant: &Grant<ViewExpiryDashboard>,
        query: &ExpiryQuery,
        now: i64,
        origin: &Origin,
    ) -> Result<ExpiryPage, VaultError> {
        let page = self.expiry_rows(query, now, EXPIRY_PAGE).await?;
        self.audit_alone(
            &AuditEvent::new(
                grant.actor(),
                "lifecycle.expiry_list",
                Outcome::Success,
                origin,
            )
            .detail(filter_detail(query, page.items.len())),
        )
        .await?;
        Ok(page)
    }

    /// Every row of the list (up to [`EXPIRY_EXPORT_LIMIT`]) for a CSV file. Audit
    /// `lifecycle.expiry_export` with the filter and the number of rows.
    pub async fn expiry_export(
        &self,
        grant: &Grant<ViewExpiryDashboard>,
        query: &ExpiryQuery,
        now: i64,
        origin: &Origin,
    ) -> Result<Vec<ExpiryItem>, VaultError> {
        let mut all = Vec::new();
        let mut q = query.clone();
        q.after = None;
        loop {
            let page = self.expiry_rows(&q, now, 1000).await?;
            all.extend(page.items);
            match page.next {
                Some(next) if all.len() < EXPIRY_EXPORT_LIMIT => q.after = Some(next),
                _ => break,
            }
        }
        all.truncate(EXPIRY_EXPORT_LIMIT);
        self.audit_alone(
            &AuditEvent::new(
                grant.actor(),
                "lifecycle.expiry_export",
                Outcome::Success,
                origin,
            )
            .detail(filter_detail(query, all.len())),
        )
        .await?;
        Ok(all)
    }

    async fn expiry_rows(
        &self,
        query: &ExpiryQuery,
        now: i64,
        limit: i64,
    ) -> Result<ExpiryPage, VaultError> {
        let after = query.after.as_deref().map(decode_cursor).transpose()?;
        let (from_month, to_month) = query.bucket.months(now);
        let filter = ExpiryFilter {
            from_month,
            to_month,
            brand: query.brand.clone(),
            channel: query.channel.clone(),
        };
        let mut conn = self.store.reader().acquire().await?;
        let rows = expiry::list(&mut conn, &filter, after.as_ref(), limit + 1).await?;
        drop(conn);
        let more = i64::try_from(rows.len()).unwrap_or(0) > limit;
        let items: Vec<ExpiryItem> = rows
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|r| ExpiryItem {
                expiry: calendar::month_label(r.month),
                expires_at: calendar::expires_at(r.month),
                brand: r.brand.unwrap_or_default(),
                id: r.id,
                customer: r.customer,
                last4: r.last4,
                channel: r.channel,
                status: r.status,
            })
            .collect();
        let next = more.then(|| items.last()).flatten().map(|last| {
            encode_cursor(&ExpiryCursor {
                month: calendar::month_index(last.expires_at) - 1,
                brand: last.brand.clone(),
                channel: last.channel.clone(),
                id: last.id.clone(),
            })
        });
        Ok(ExpiryPage { items, next })
    }
}

fn owned(m: BTreeMap<&str, i64>) -> Vec<(String, i64)> {
    m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn filter_detail(q: &ExpiryQuery, rows: usize) -> serde_json::Value {
    serde_json::json!({
        "bucket": q.bucket.as_str(), "brand": q.brand, "channel": q.channel, "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn buckets_cover_the_months_their_names_say() {
        // 2026-12-10T00:00:00Z: December cards end on 1 January, in 22 days.
        let now = 1_796_083_200_000 + days_ms(9);
        let dec = 2026 * 12 + 11;
        assert_eq!(ExpiryBucket::Expired.months(now), (None, dec - 1));
        assert_eq!(ExpiryBucket::ThisMonth.months(now), (Some(dec), dec));
        assert_eq!(ExpiryBucket::Within30.months(now), (Some(dec), dec));
        // January cards end on 1 February (53 days): within 60, and February's within 90.
        assert_eq!(ExpiryBucket::Within60.months(now), (Some(dec), dec + 1));
        assert_eq!(ExpiryBucket::Within90.months(now), (Some(dec), dec + 2));
        assert!(ExpiryBucket::Within60.holds(dec + 1, now));
        assert!(!ExpiryBucket::Within30.holds(dec + 1, now));
        assert!(ExpiryBucket::Expired.holds(dec - 7, now));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = ExpiryCursor {
            month: 24_300,
            brand: "visa".into(),
            channel: "web".into(),
            id: "pm_1".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&c)).unwrap(), c);
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor(&hex::encode("[1]")).is_err());
    }
}
