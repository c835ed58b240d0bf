//! The four operations (tokenize, get, reveal, use): HTTP client setup, request builders and outcome classification.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use rand::Rng;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Client, RequestBuilder, StatusCode};

use crate::cards;

/// Which API call a run drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Op {
    /// `POST /api/v1/payment_methods` with a fresh test card.
    Tokenize,
    /// `GET /api/v1/payment_methods/{id}` on ids made by a seeding phase.
    Get,
    /// `POST /api/v1/payment_methods/{id}/reveal` on ids made by a seeding phase.
    Reveal,
    /// `POST /api/v1/payment_methods/{id}/uses` below the step-up threshold (the approved path:
    /// policy, the customer's factors and preference, the use row and its audit event).
    Use,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Tokenize => "tokenize",
            Op::Get => "get",
            Op::Reveal => "reveal",
            Op::Use => "use",
        }
    }

    /// Whether the op needs existing payment-method ids.
    pub fn needs_ids(self) -> bool {
        !matches!(self, Op::Tokenize)
    }
}

/// What one request came to: success, or the error bucket it is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// An error bucket: an HTTP status code ("503"), or "timeout", "connect", "transport", "body", "dropped".
    Error(String),
}

/// Connection settings shared by every run.
#[derive(Clone, Debug)]
pub struct TargetConfig {
    pub base_url: String,
    pub api_key: String,
    pub timeout: Duration,
    pub customers: u32,
}

/// A client bound to one Coffer server.
pub struct Target {
    client: Client,
    base: String,
    auth: HeaderValue,
    customers: u32,
    exp_year: i32,
}

impl Target {
    /// A keep-alive HTTP/1.1 client whose idle pool holds `pool` connections.
    ///
    /// No proxies and no redirects: requests only ever go to `base_url`.
    pub fn new(cfg: &TargetConfig, pool: usize) -> Result<Arc<Self>> {
        let client = Client::builder()
            .http1_only()
            .pool_max_idle_per_host(pool)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(5))
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .context("building HTTP client")?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", cfg.api_key))
            .context("API key is not a valid header value")?;
        auth.set_sensitive(true);
        Ok(Arc::new(Self {
            client,
            base: cfg.base_url.trim_end_matches('/').to_owned(),
            auth,
            customers: cfg.customers.max(1),
            exp_year: time::OffsetDateTime::now_utc().year() + 3,
        }))
    }

    /// Sends one request of `op`; `ids` supplies the payment method for get/reveal.
    pub async fn send(&self, op: Op, ids: &[String]) -> Outcome {
        let (req, ok) = match op {
            Op::Tokenize => (
                self.tokenize_request(),
                &[StatusCode::CREATED, StatusCode::OK][..],
            ),
            Op::Get | Op::Reveal | Op::Use => {
                if ids.is_empty() {
                    return Outcome::Error("no_ids".into());
                }
                let id = &ids[rand::rng().random_range(0..ids.len())];
                match op {
                    Op::Get => (self.get_request(id), &[StatusCode::OK][..]),
                    Op::Use => (self.use_request(id), &[StatusCode::CREATED][..]),
                    _ => (self.reveal_request(id), &[StatusCode::OK][..]),
                }
            }
        };
        match self.execute(req, ok).await {
            Ok(_) => Outcome::Ok,
            Err(bucket) => Outcome::Error(bucket),
        }
    }

    /// Tokenizes one test card and returns the new payment method's id (used for seeding).
    pub async fn tokenize_for_id(&self) -> Result<String, String> {
        let body = self
            .execute(
                self.tokenize_request(),
                &[StatusCode::CREATED, StatusCode::OK],
            )
            .await?;
        let json: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| "bad_json".to_owned())?;
        match json.get("id").and_then(|v| v.as_str()) {
            Some(id) if is_safe_id(id) => Ok(id.to_owned()),
            _ => Err("bad_id".to_owned()),
        }
    }

    fn tokenize_request(&self) -> RequestBuilder {
        let (pan, customer) = {
            let mut rng = rand::rng();
            (
                cards::visa_test_number(&mut rng),
                rng.random_range(0..self.customers),
            )
        };
        self.authed(
            self.client
                .post(format!("{}/api/v1/payment_methods", self.base)),
        )
        .json(&tokenize_body(&pan, customer, self.exp_year))
    }

    fn get_request(&self, id: &str) -> RequestBuilder {
        self.authed(
            self.client
                .get(format!("{}/api/v1/payment_methods/{id}", self.base)),
        )
    }

    fn reveal_request(&self, id: &str) -> RequestBuilder {
        self.authed(
            self.client
                .post(format!("{}/api/v1/payment_methods/{id}/reveal", self.base)),
        )
        .json(&serde_json::json!({ "reason": "load test" }))
    }

    fn use_request(&self, id: &str) -> RequestBuilder {
        self.authed(
            self.client
                .post(format!("{}/api/v1/payment_methods/{id}/uses", self.base)),
        )
        .json(&serde_json::json!({
            "amount": 2_500, "currency": "eur", "order_reference": "load-test"
        }))
    }

    fn authed(&self, req: RequestBuilder) -> RequestBuilder {
        req.header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, "application/json")
    }

    /// Sends, reads the whole body (so the connection returns to the pool) and classifies.
    async fn execute(&self, req: RequestBuilder, ok: &[StatusCode]) -> Result<Vec<u8>, String> {
        let resp = req.send().await.map_err(|e| error_bucket(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                "timeout".to_owned()
            } else {
                "body".to_owned()
            }
        })?;
        if ok.contains(&status) {
            Ok(body.to_vec())
        } else {
            Err(status.as_u16().to_string())
        }
    }
}

/// The tokenize request body.
pub fn tokenize_body(pan: &str, customer: u32, exp_year: i32) -> serde_json::Value {
    serde_json::json!({
        "customer": format!("cus_{customer}"),
        "type": "card",
        "card": {
            "number": pan,
            "exp_month": 12,
            "exp_year": exp_year,
            "cvc": "123",
            "name": "Load Test",
        }
    })
}

fn error_bucket(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else {
        "transport"
    }
    .to_owned()
}

/// Ids go into URL paths unescaped, so accept only a plain token alphabet.
fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Makes `count` payment methods with `concurrency` workers and returns their ids.
pub async fn seed_ids(
    target: &Arc<Target>,
    count: usize,
    concurrency: usize,
) -> Result<Vec<String>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency.clamp(1, count.max(1)) {
        let target = Arc::clone(target);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            let mut errors = std::collections::BTreeMap::<String, u64>::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                match target.tokenize_for_id().await {
                    Ok(id) => ids.push(id),
                    Err(bucket) => *errors.entry(bucket).or_default() += 1,
                }
            }
            (ids, errors)
        }));
    }
    let mut ids = Vec::with_capacity(count);
    let mut errors = std::collections::BTreeMap::<String, u64>::new();
    for w in workers {
        let (i, e) = w.await.context("seeding worker failed")?;
        ids.extend(i);
        for (k, v) in e {
            *errors.entry(k).or_default() += v;
        }
    }
    if !errors.is_empty() {
        eprintln!(
            "warning: seeding: {} of {count} tokenizes failed: {errors:?}",
            count - ids.len()
        );
    }
    if ids.is_empty() {
        bail!(
            "seeding produced no payment-method ids (errors: {errors:?}); is the server up and the API key right?"
        );
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let b = tokenize_body("4242424242424242", 7, 2030);
        assert_eq!(b["customer"], "cus_7");
        assert_eq!(b["type"], "card");
        assert_eq!(b["card"]["exp_month"], 12);
        assert_eq!(b["card"]["exp_year"], 2030);
        assert_eq!(b["card"]["cvc"], "123");
    }

    #[test]
    fn ids_are_checked_before_going_into_paths() {
        assert!(is_safe_id("pm_1a2B3c"));
        assert!(!is_safe_id(""));
        assert!(!is_safe_id("pm/../x"));
        assert!(!is_safe_id("pm?x=1"));
    }
}
