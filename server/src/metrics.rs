//! Prometheus metrics: request counts and latency histograms by route template, method and
//! status, and the relay's forwards by outcome and the destination's status class. Labels are
//! fixed words and route templates only, never ids or user input.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
    forwards: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl Metrics {
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = series
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    /// One forward: `outcome` is `answered`, `refused` or a failure code (`upstream_timeout`,
    /// …); `status` is the destination's status class (`2xx`…`5xx`) or `none`.
    pub fn forward(&self, outcome: &'static str, status: &'static str) {
        let mut forwards = self.forwards.lock().unwrap_or_else(|p| p.into_inner());
        *forwards.entry((outcome, status)).or_default() += 1;
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        {
            let forwards = self.forwards.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str("# HELP coffer_relay_forwards_total Relay forwards by outcome and the destination's status class.\n");
            out.push_str("# TYPE coffer_relay_forwards_total counter\n");
            for ((outcome, status), n) in forwards.iter() {
                let _ = writeln!(
                    out,
                    "coffer_relay_forwards_total{{outcome=\"{outcome}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP coffer_http_requests_total HTTP requests by route template, method and status.\n");
        out.push_str("# TYPE coffer_http_requests_total counter\n");
        for ((route, method, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "coffer_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP coffer_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE coffer_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in series.iter() {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "coffer_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "coffer_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "coffer_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "coffer_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn counts_and_buckets_accumulate() {
        let m = Metrics::default();
        m.observe(
            "/api/v1/payment_methods",
            "POST",
            201,
            Duration::from_micros(700),
        );
        m.observe(
            "/api/v1/payment_methods",
            "POST",
            201,
            Duration::from_millis(30),
        );
        let text = m.render();
        assert!(text.contains("coffer_http_requests_total{route=\"/api/v1/payment_methods\",method=\"POST\",status=\"201\"} 2"));
        assert!(text.contains("le=\"0.001\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
    }
}
