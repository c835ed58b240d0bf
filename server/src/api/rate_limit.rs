//! Rate limiting by token bucket, one bucket per key (an API key's id, or a client address): a
//! caller over its budget gets `429 rate_limit_error` with `Retry-After`, before any work is
//! done for it. Used for every API key's requests, for each key's validations (a tighter budget:
//! probing numbers is what they would be abused for), and per address before authentication.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Sustained requests per second and burst size allowed to each API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    /// Tokens per second.
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Buckets kept before idle full ones are dropped (bounds memory under address churn).
const MAX_BUCKETS: usize = 100_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        RateLimiter::with(
            f64::from(limit.per_second.max(1)),
            f64::from(limit.burst.max(1)),
        )
    }

    /// `per_minute` sustained, bursts of up to `burst`.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        RateLimiter::with(f64::from(per_minute.max(1)) / 60.0, f64::from(burst.max(1)))
    }

    fn with(rate: f64, burst: f64) -> Self {
        RateLimiter {
            rate,
            burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client`, or says how long until one is available.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    /// Whether `client` has a token left, without taking it (for budgets spent only by
    /// failures: the check comes before the attempt, the spending after it fails).
    pub fn peek(&self, client: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let Some(b) = buckets.get(client) else {
            return Ok(());
        };
        let tokens = (b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * self.rate)
            .min(self.burst);
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / self.rate))
        }
    }

    fn check_at(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let (rate, burst) = (self.rate, self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            // Buckets that have refilled are indistinguishable from new ones.
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn allows_the_burst_then_refuses_until_tokens_refill() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 10,
            burst: 3,
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("ak_a", t0).is_ok());
        }
        let wait = limiter.check_at("ak_a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100));
        // Another client has its own bucket.
        let per_minute = RateLimiter::per_minute(60, 2);
        assert!(per_minute.check_at("ak_v", t0).is_ok());
        assert!(per_minute.check_at("ak_v", t0).is_ok());
        let wait = per_minute.check_at("ak_v", t0).unwrap_err();
        assert!(wait > Duration::from_millis(990) && wait <= Duration::from_secs(1));
        assert!(limiter.check_at("ak_b", t0).is_ok());
        // After 100 ms one token is back.
        assert!(
            limiter
                .check_at("ak_a", t0 + Duration::from_millis(100))
                .is_ok()
        );
        assert!(
            limiter
                .check_at("ak_a", t0 + Duration::from_millis(100))
                .is_err()
        );
    }
}
