//! Measurements of a run (latency histogram, ok/error counts) and their output: a human line, JSON, a Markdown table.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result};
use hdrhistogram::Histogram;

use crate::ops::Outcome;

/// Highest latency the histogram tracks exactly, in microseconds (larger values are clamped).
const MAX_LATENCY_US: u64 = 120_000_000;

/// Latencies (µs) of successful requests plus ok/error counts.
pub struct Recorder {
    hist: Histogram<u64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
}

impl Recorder {
    pub fn new() -> Result<Self> {
        Ok(Self {
            hist: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .context("creating latency histogram")?,
            ok: 0,
            errors: BTreeMap::new(),
        })
    }

    /// Counts one request; only successes go into the latency histogram.
    pub fn record(&mut self, outcome: Outcome, latency: Duration) {
        match outcome {
            Outcome::Ok => {
                let us = u64::try_from(latency.as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                self.hist.saturating_record(us);
                self.ok += 1;
            }
            Outcome::Error(bucket) => *self.errors.entry(bucket).or_default() += 1,
        }
    }

    pub fn merge(&mut self, other: Recorder) -> Result<()> {
        self.hist.add(&other.hist).context("merging histograms")?;
        self.ok += other.ok;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        Ok(())
    }
}

/// How the load was applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    Closed { concurrency: usize },
    Open { rate: u64, max_in_flight: usize },
}

/// Open-loop scheduler health: how late sends started relative to their scheduled time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SchedulerLag {
    pub max: Duration,
    pub late_sends: u64,
    pub total_sends: u64,
}

/// The summary of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    pub op: &'static str,
    pub load: Load,
    /// The measured window (excludes warm-up).
    pub duration: Duration,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    /// Successful requests per second.
    pub throughput: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub lag: Option<SchedulerLag>,
}

fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

impl RunResult {
    /// `elapsed` is the time throughput is computed over.
    pub fn from_recorder(
        op: &'static str,
        load: Load,
        duration: Duration,
        elapsed: Duration,
        rec: &Recorder,
        lag: Option<SchedulerLag>,
    ) -> Self {
        let secs = elapsed.as_secs_f64();
        let q = |p: f64| us_to_ms(rec.hist.value_at_quantile(p));
        Self {
            op,
            load,
            duration,
            ok: rec.ok,
            errors: rec.errors.clone(),
            throughput: if secs > 0.0 {
                rec.ok as f64 / secs
            } else {
                0.0
            },
            p50_ms: q(0.50),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            max_ms: us_to_ms(rec.hist.max()),
            lag,
        }
    }

    pub fn error_total(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn mode(&self) -> &'static str {
        match self.load {
            Load::Closed { .. } => "closed",
            Load::Open { .. } => "open",
        }
    }

    /// "c=64" or "2500/s".
    pub fn load_label(&self) -> String {
        match self.load {
            Load::Closed { concurrency } => format!("c={concurrency}"),
            Load::Open { rate, .. } => format!("{rate}/s"),
        }
    }

    /// "0" or "12 (503: 10, timeout: 2)".
    pub fn errors_label(&self) -> String {
        let total = self.error_total();
        if total == 0 {
            return "0".to_owned();
        }
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{total} ({})", parts.join(", "))
    }

    pub fn human_line(&self) -> String {
        format!(
            "{} {} {} for {}: ok={} errors={} throughput={:.1} req/s latency ms p50={:.2} p95={:.2} p99={:.2} max={:.2}",
            self.op,
            self.mode(),
            self.load_label(),
            fmt_duration(self.duration),
            self.ok,
            self.errors_label(),
            self.throughput,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms,
        )
    }

    pub fn to_json(&self) -> serde_json::Value {
        let (concurrency, rate, max_in_flight) = match self.load {
            Load::Closed { concurrency } => (Some(concurrency), None, None),
            Load::Open {
                rate,
                max_in_flight,
            } => (None, Some(rate), Some(max_in_flight)),
        };
        let mut v = serde_json::json!({
            "op": self.op,
            "mode": self.mode(),
            "concurrency": concurrency,
            "rate": rate,
            "max_in_flight": max_in_flight,
            "duration_s": self.duration.as_secs_f64(),
            "ok": self.ok,
            "errors": self.error_total(),
            "errors_by_kind": self.errors,
            "throughput_rps": round2(self.throughput),
            "latency_ms": {
                "p50": self.p50_ms,
                "p95": self.p95_ms,
                "p99": self.p99_ms,
                "max": self.max_ms,
            },
        });
        if let (Some(lag), Some(obj)) = (self.lag, v.as_object_mut()) {
            obj.insert(
                "scheduler".to_owned(),
                serde_json::json!({
                    "max_lag_ms": round2(lag.max.as_secs_f64() * 1000.0),
                    "late_sends": lag.late_sends,
                    "total_sends": lag.total_sends,
                }),
            );
        }
        v
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The Markdown table of a suite (the body of BENCHMARKS.md).
pub fn markdown_table(results: &[RunResult]) -> String {
    let mut out = String::from(
        "| Op | Mode | Load | Duration | OK | Errors | Throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |\n\
         |---|---|---|---|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            r.op,
            r.mode(),
            r.load_label(),
            fmt_duration(r.duration),
            r.ok,
            r.errors_label(),
            r.throughput,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.max_ms,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Result<RunResult> {
        let mut rec = Recorder::new()?;
        for ms in 1..=1000u64 {
            rec.record(Outcome::Ok, Duration::from_millis(ms));
        }
        for _ in 0..3 {
            rec.record(Outcome::Error("503".into()), Duration::from_millis(1));
        }
        rec.record(Outcome::Error("timeout".into()), Duration::from_secs(10));
        Ok(RunResult::from_recorder(
            "tokenize",
            Load::Closed { concurrency: 64 },
            Duration::from_secs(20),
            Duration::from_secs(10),
            &rec,
            None,
        ))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= b * 0.002 + 0.001
    }

    #[test]
    fn percentiles_from_histogram() -> Result<()> {
        let r = sample()?;
        assert_eq!(r.ok, 1000);
        assert_eq!(r.error_total(), 4);
        assert!(close(r.p50_ms, 500.0), "p50 {}", r.p50_ms);
        assert!(close(r.p95_ms, 950.0), "p95 {}", r.p95_ms);
        assert!(close(r.p99_ms, 990.0), "p99 {}", r.p99_ms);
        assert!(close(r.max_ms, 1000.0), "max {}", r.max_ms);
        assert!(close(r.throughput, 100.0));
        Ok(())
    }

    #[test]
    fn merge_adds_up() -> Result<()> {
        let mut a = Recorder::new()?;
        let mut b = Recorder::new()?;
        a.record(Outcome::Ok, Duration::from_millis(2));
        b.record(Outcome::Ok, Duration::from_millis(4));
        b.record(Outcome::Error("500".into()), Duration::ZERO);
        a.merge(b)?;
        assert_eq!(a.ok, 2);
        assert_eq!(a.errors.get("500"), Some(&1));
        assert_eq!(a.hist.len(), 2);
        Ok(())
    }

    #[test]
    fn human_line_and_json() -> Result<()> {
        let r = sample()?;
        let line = r.human_line();
        assert!(
            line.starts_with("tokenize closed c=64 for 20s: ok=1000 errors=4 (503: 3, timeout: 1)")
        );
        assert!(line.contains("throughput=100.0 req/s"));
        assert!(line.contains("p99=990."));
        let j = r.to_json();
        assert_eq!(j["mode"], "closed");
        assert_eq!(j["concurrency"], 64);
        assert!(j["rate"].is_null());
        assert_eq!(j["errors"], 4);
        assert_eq!(j["errors_by_kind"]["503"], 3);
        assert!(j.get("scheduler").is_none());
        Ok(())
    }

    #[test]
    fn markdown_rows() -> Result<()> {
        let mut open = sample()?;
        open.load = Load::Open {
            rate: 2500,
            max_in_flight: 10_000,
        };
        open.errors.clear();
        let table = markdown_table(&[sample()?, open]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("| Op | Mode | Load |"));
        assert!(lines[2].starts_with(
            "| tokenize | closed | c=64 | 20s | 1000 | 4 (503: 3, timeout: 1) | 100.0 |"
        ));
        assert!(lines[3].starts_with("| tokenize | open | 2500/s | 20s | 1000 | 0 |"));
        Ok(())
    }

    #[test]
    fn durations_print_compactly() {
        assert_eq!(fmt_duration(Duration::from_secs(20)), "20s");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1500ms");
    }
}
