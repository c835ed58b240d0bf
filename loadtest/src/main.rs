//! `coffer-loadtest`: drives a running Coffer server (meant to be a local or test instance) over HTTP.
//!
//! Closed loop: `coffer-loadtest --op tokenize --mode closed --concurrency 64 --duration 20s`
//! Open loop:   `coffer-loadtest --op tokenize --mode open --rate 2500 --duration 20s`
//! Suite:       `coffer-loadtest --suite` (prints the Markdown table for BENCHMARKS.md)

mod cards;
mod closed;
mod open;
mod ops;
mod report;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};

use ops::{Op, Target, TargetConfig};
use report::RunResult;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// N workers, each sending its next request when the previous one answers.
    Closed,
    /// Requests at a fixed rate regardless of responses; latency from the scheduled send time.
    Open,
}

/// Load generator for Coffer's payment-method API.
///
/// Point it only at a local or dedicated test server you run yourself: it creates many payment methods
/// (with generated, Luhn-valid test card numbers) and calls reveal. Runs are bounded by --warmup + --duration
/// (plus at most one --timeout to drain). It never prints card numbers or the API key.
#[derive(Parser, Debug)]
#[command(name = "coffer-loadtest", version)]
struct Cli {
    /// Base URL of the Coffer server under test (a local server).
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    base_url: String,

    /// API key, sent as `Authorization: Bearer <key>`.
    #[arg(long, env = "COFFER_API_KEY", hide_env_values = true)]
    api_key: String,

    /// Operation to drive.
    #[arg(long, value_enum, default_value_t = Op::Tokenize)]
    op: Op,

    /// Load model.
    #[arg(long, value_enum, default_value_t = Mode::Closed)]
    mode: Mode,

    /// Closed loop: number of workers. Both modes: connection-pool size.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,

    /// Open loop: requests per second.
    #[arg(long, default_value_t = 2500)]
    rate: u64,

    /// Open loop: cap on requests in flight; sends beyond it are dropped and counted as errors.
    #[arg(long, default_value_t = 10_000)]
    max_in_flight: usize,

    /// Measured duration of each run (e.g. 20s, 500ms, 1m).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,

    /// Unmeasured warm-up before each run.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,

    /// Per-request timeout (a timed-out request counts as a "timeout" error).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,

    /// get/reveal: payment methods to tokenize first, whose ids the measured run uses.
    #[arg(long, default_value_t = 2000)]
    seed: usize,

    /// Size of the pool of customer ids (cus_0 .. cus_{N-1}) used by tokenize.
    #[arg(long, default_value_t = 10_000)]
    customers: u32,

    /// Print one JSON object per run on stdout (human-readable lines go to stderr).
    #[arg(long)]
    json: bool,

    /// Run the standard set (closed tokenize c=64, open tokenize --rate, closed get c=64, closed reveal c=16)
    /// and print a Markdown table; --op, --mode and --concurrency are ignored.
    #[arg(long)]
    suite: bool,
}

/// Parses "20s", "500ms", "1.5s", "2m" or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit_secs) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else {
        (s, 1.0)
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (use e.g. 20s, 500ms, 1m)"))?;
    if !value.is_finite() || value < 0.0 || value * unit_secs > 86_400.0 {
        return Err(format!("duration {s:?} out of range (0 to 24h)"));
    }
    Ok(Duration::from_secs_f64(value * unit_secs))
}

/// Rejects non-HTTP URLs and warns when the host does not look local.
fn check_base_url(base_url: &str) -> Result<()> {
    let url = reqwest::Url::parse(base_url)
        .with_context(|| format!("invalid --base-url {base_url:?}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("--base-url must be http:// or https://");
    }
    let host = url.host_str().unwrap_or_default();
    let local = host == "localhost"
        || match host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        {
            Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private(),
            Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback(),
            Err(_) => false,
        };
    if !local {
        eprintln!(
            "warning: {base_url} does not look like a local server; only run this against a test instance"
        );
    }
    Ok(())
}

struct Runner {
    cfg: TargetConfig,
    warmup: Duration,
    duration: Duration,
    max_in_flight: usize,
    seed: usize,
    json: bool,
}

impl Runner {
    async fn seed_ids(&self) -> Result<Arc<Vec<String>>> {
        eprintln!("seeding {} payment methods for get/reveal...", self.seed);
        let target = Target::new(&self.cfg, 64)?;
        let ids = ops::seed_ids(&target, self.seed.max(1), 64).await?;
        eprintln!("seeded {} ids", ids.len());
        Ok(Arc::new(ids))
    }

    async fn run(
        &self,
        op: Op,
        mode: Mode,
        concurrency: usize,
        rate: u64,
        ids: &Arc<Vec<String>>,
    ) -> Result<RunResult> {
        let target = Target::new(&self.cfg, concurrency.max(1))?;
        let ids = Arc::clone(ids);
        let result = match mode {
            Mode::Closed => {
                closed::run(target, op, ids, concurrency, self.warmup, self.duration).await?
            }
            Mode::Open => {
                open::run(
                    target,
                    op,
                    ids,
                    rate,
                    self.max_in_flight,
                    self.warmup,
                    self.duration,
                )
                .await?
            }
        };
        if self.json {
            eprintln!("{}", result.human_line());
            println!("{}", result.to_json());
        } else {
            println!("{}", result.human_line());
        }
        Ok(result)
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    check_base_url(&cli.base_url)?;
    if cli.duration.is_zero() {
        bail!("--duration must be positive");
    }
    let runner = Runner {
        cfg: TargetConfig {
            base_url: cli.base_url.clone(),
            api_key: cli.api_key.clone(),
            timeout: cli.timeout,
            customers: cli.customers,
        },
        warmup: cli.warmup,
        duration: cli.duration,
        max_in_flight: cli.max_in_flight,
        seed: cli.seed,
        json: cli.json,
    };
    let no_ids = Arc::new(Vec::new());

    if cli.suite {
        let mut results = Vec::new();
        results.push(
            runner
                .run(Op::Tokenize, Mode::Closed, 64, 0, &no_ids)
                .await?,
        );
        results.push(
            runner
                .run(Op::Tokenize, Mode::Open, 64, cli.rate, &no_ids)
                .await?,
        );
        let ids = runner.seed_ids().await?;
        results.push(runner.run(Op::Get, Mode::Closed, 64, 0, &ids).await?);
        results.push(runner.run(Op::Reveal, Mode::Closed, 16, 0, &ids).await?);
        results.push(runner.run(Op::Use, Mode::Closed, 64, 0, &ids).await?);
        let table = report::markdown_table(&results);
        if cli.json {
            eprint!("{table}");
        } else {
            print!("\n{table}");
        }
        return Ok(());
    }

    let ids = if cli.op.needs_ids() {
        runner.seed_ids().await?
    } else {
        no_ids
    };
    runner
        .run(cli.op, cli.mode, cli.concurrency, cli.rate, &ids)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("2d").is_err());
    }

    #[test]
    fn cli_parses_and_base_url_is_checked() -> Result<()> {
        let cli = Cli::try_parse_from([
            "coffer-loadtest",
            "--api-key",
            "k",
            "--op",
            "reveal",
            "--mode",
            "open",
            "--rate",
            "100",
        ])?;
        assert_eq!(cli.op, Op::Reveal);
        assert_eq!(cli.mode, Mode::Open);
        assert_eq!(cli.duration, Duration::from_secs(20));
        assert_eq!(cli.warmup, Duration::from_secs(2));
        assert_eq!(cli.base_url, "http://127.0.0.1:3000");
        check_base_url(&cli.base_url)?;
        assert!(check_base_url("ftp://127.0.0.1").is_err());
        assert!(check_base_url("not a url").is_err());
        Ok(())
    }
}
