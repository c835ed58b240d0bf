//! The Markdown rows the benchmark subcommands print: a call's name, the rows it returned and
//! its latency percentiles (nearest rank) over sequential runs.

/// Times one call `runs` times in a row (milliseconds), after the caller's warm-up.
pub struct Timings(Vec<f64>);

impl Timings {
    pub fn new(runs: usize) -> Timings {
        Timings(Vec::with_capacity(runs))
    }

    pub fn push(&mut self, elapsed: std::time::Duration) {
        self.0.push(elapsed.as_secs_f64() * 1000.0);
    }

    /// The `q` quantile by nearest rank (0 when nothing was timed).
    pub fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = (sorted.len() as f64 * q).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    /// `| name | rows | p50 | p95 | p99 | max |` (milliseconds, two decimals).
    pub fn row(&self, name: &str, rows: usize) -> String {
        format!(
            "| {name} | {rows} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.quantile(0.5),
            self.quantile(0.95),
            self.quantile(0.99),
            self.quantile(1.0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut t = Timings::new(100);
        for ms in 1..=100 {
            t.push(Duration::from_millis(ms));
        }
        assert_eq!(t.quantile(0.5), 50.0);
        assert_eq!(t.quantile(0.95), 95.0);
        assert_eq!(t.quantile(1.0), 100.0);
        assert_eq!(t.row("x", 3), "| x | 3 | 50.00 | 95.00 | 99.00 | 100.00 |");
        assert_eq!(Timings::new(0).quantile(0.5), 0.0);
    }
}
