//! The lifecycle in the console: the expiry dashboard and its list (support agents and
//! compliance officers, `payment_methods.read`) and re-verification links (same permission).

use super::errors::map;
use super::{Req, VaultBackend, views};
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::ExpiryBackend;
use coffer_app::model::{
    BucketView, ExpiryDashboard, ExpiryQuery, ExpiryRow, LifecycleRunView, ReverifyItem,
    ReverifyLinkView,
};
use coffer_vault::access::{IssueReverification, ReadPaymentMethod, ViewExpiryDashboard};
use coffer_vault::clock::now_millis;
use coffer_vault::lifecycle::month_label;
use coffer_vault::service::{self as vs, ExpiryBucket, ExpiryOverview};

/// A filter value: at most 32 characters of letters, digits, `_`, `-`, `.` or a space.
fn plain(field: &str, value: &str) -> Result<Option<String>, ConsoleError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let ok = value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    if ok {
        Ok(Some(value.to_owned()))
    } else {
        Err(ConsoleError::field(field, "Choose a value from the list."))
    }
}

/// The vault's query for the console's filter (bucket defaults to 30 days).
pub fn checked(q: &ExpiryQuery) -> Result<vs::ExpiryQuery, ConsoleError> {
    let bucket = match q.bucket.trim() {
        "" => ExpiryBucket::Within30,
        b => ExpiryBucket::parse(b)
            .ok_or_else(|| ConsoleError::field("bucket", "Choose a period from the list."))?,
    };
    let after = q.after.trim();
    let after_ok = after.len() <= 512 && after.bytes().all(|b| b.is_ascii_hexdigit());
    if !after_ok {
        return Err(ConsoleError::field("after", "This page link is not valid."));
    }
    Ok(vs::ExpiryQuery {
        bucket,
        brand: plain("brand", &q.brand)?,
        channel: plain("channel", &q.channel)?,
        after: (!after.is_empty()).then(|| after.to_owned()),
    })
}

fn bucket_views(o: &ExpiryOverview) -> Vec<BucketView> {
    o.buckets
        .iter()
        .map(|b| BucketView {
            key: b.bucket.as_str().to_owned(),
            label: b.bucket.label().to_owned(),
            total: b.total,
            by_brand: b
                .by_brand
                .iter()
                .map(|(k, v)| (views::brand_label(k), *v))
                .collect(),
            by_channel: b.by_channel.clone(),
        })
        .collect()
}

fn run_summary(counts: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(counts).unwrap_or_default();
    let parts: Vec<String> = [
        ("expiring", "turned expiring"),
        ("alerts_sent", "alerts sent"),
        ("alerts_suppressed", "alerts suppressed"),
        ("expired", "expired"),
        ("archived_expired", "archived after expiry"),
        ("archived_unused", "archived unused"),
        ("shredded", "shredded"),
    ]
    .into_iter()
    .filter_map(|(k, label)| {
        let n = v[k].as_u64().unwrap_or(0);
        (n > 0).then(|| format!("{n} {label}"))
    })
    .collect();
    if parts.is_empty() {
        "nothing to do".into()
    } else {
        parts.join(", ")
    }
}

pub fn row(item: &vs::ExpiryItem) -> ExpiryRow {
    ExpiryRow {
        id: item.id.clone(),
        customer: item.customer.clone(),
        brand: views::brand_label(&item.brand),
        last4: item.last4.clone(),
        expiry: item.expiry.clone(),
        channel: item.channel.clone(),
        status: item.status.clone(),
    }
}

impl VaultBackend {
    /// The whole list for the filter as CSV (`expiry.csv`), at most 100,000 rows. Audit
    /// `lifecycle.expiry_export`.
    pub(in crate::console) async fn do_expiry_export(
        &self,
        req: Req,
        query: ExpiryQuery,
    ) -> Result<String, ConsoleError> {
        let mut checked = checked(&query)?;
        checked.after = None;
        let mut who = self.signed_in_from(req).await?;
        let grant = self
            .authorize_with::<ViewExpiryDashboard>(&mut who, None, None)
            .await?;
        let items = self
            .vault
            .expiry_export(&grant, &checked, now_millis(), &who.req.origin)
            .await
            .map_err(map)?;
        let mut out = String::from("payment_method,customer,brand,last4,expiry,channel,status\n");
        for item in &items {
            let r = row(item);
            let fields = [
                &r.id,
                &r.customer,
                &r.brand,
                &r.last4,
                &r.expiry,
                &r.channel,
                &r.status,
            ];
            coffer_vault::csv::line(&mut out, &fields);
        }
        Ok(out)
    }

    /// The customer's re-verification links (for the customer page).
    pub(super) async fn reverifications(
        &self,
        grant: &coffer_vault::access::Grant<ReadPaymentMethod>,
        customer: &str,
    ) -> Result<Vec<ReverifyItem>, ConsoleError> {
        let found = self
            .vault
            .reverification_status(grant, customer)
            .await
            .map_err(map)?;
        Ok(found
            .into_iter()
            .map(|s| ReverifyItem {
                payment_method: s.payment_method,
                state: s.state.to_owned(),
                sent_at: views::rfc3339(s.created_at),
                expires_at: views::rfc3339(s.expires_at),
            })
            .collect())
    }
}

#[async_trait]
impl ExpiryBackend for VaultBackend {
    async fn expiry_dashboard(&self, query: ExpiryQuery) -> Result<ExpiryDashboard, ConsoleError> {
        let checked = checked(&query)?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ViewExpiryDashboard>(&mut who, None, None)
            .await?;
        let now = now_millis();
        let overview = self
            .vault
            .expiry_overview(&grant, now, &who.req.origin)
            .await
            .map_err(map)?;
        let page = self
            .vault
            .expiry_list(&grant, &checked, now, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(ExpiryDashboard {
            as_of: views::rfc3339(now),
            buckets: bucket_views(&overview),
            months: overview
                .by_month
                .iter()
                .map(|(m, n)| (month_label(*m), *n))
                .collect(),
            brands: overview.brands.clone(),
            channels: overview.channels.clone(),
            runs: overview
                .runs
                .iter()
                .map(|r| LifecycleRunView {
                    at: views::rfc3339(r.clock),
                    node: r.node.clone(),
                    summary: run_summary(&r.counts),
                })
                .collect(),
            query: ExpiryQuery {
                bucket: checked.bucket.as_str().to_owned(),
                brand: checked.brand.clone().unwrap_or_default(),
                channel: checked.channel.clone().unwrap_or_default(),
                after: checked.after.clone().unwrap_or_default(),
            },
            rows: page.items.iter().map(row).collect(),
            next_after: page.next,
            lead_days: self.vault.lifecycle_policy().lead_days.clone(),
        })
    }

    async fn issue_reverification(&self, id: String) -> Result<ReverifyLinkView, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<IssueReverification>(&mut who, None, Some(("payment_method", &id)))
            .await?;
        let link = self
            .vault
            .issue_reverification(&grant, &id, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(ReverifyLinkView {
            url: link.url,
            expires_at: views::rfc3339(link.expires_at),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn filters_are_checked_before_they_reach_a_query() {
        let q = checked(&ExpiryQuery::default()).unwrap();
        assert_eq!(q.bucket, ExpiryBucket::Within30);
        let bad = |f: fn(&mut ExpiryQuery)| {
            let mut q = ExpiryQuery::default();
            f(&mut q);
            checked(&q).is_err()
        };
        assert!(bad(|q| q.bucket = "forever".into()));
        assert!(bad(|q| q.brand = "visa'; --".into()));
        assert!(bad(|q| q.after = "not hex".into()));
        assert!(!bad(|q| q.channel = "call-centre".into()));
    }

    #[test]
    fn a_run_reads_as_what_it_did() {
        assert_eq!(
            run_summary(r#"{"expiring":3,"alerts_sent":2,"shredded":0}"#),
            "3 turned expiring, 2 alerts sent"
        );
        assert_eq!(run_summary("{}"), "nothing to do");
    }
}
