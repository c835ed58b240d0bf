//! `coffer-console-bench`: times console pages of a running (local, test) Coffer server for a
//! signed-in support agent. It completes the agent's first sign-in (new password, TOTP
//! enrolment from the manual key), then requests a page and a server function `n` times each,
//! sequentially, and prints latency percentiles as a Markdown table.

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::time::{Duration, Instant};
use totp_rs::{Algorithm, Builder, Secret};

#[derive(Parser, Debug)]
#[command(name = "coffer-console-bench")]
struct Cli {
    #[arg(long, default_value = "http://127.0.0.1:3460")]
    base_url: String,
    /// A support agent's email and the one-time password `coffer user create` printed.
    #[arg(long)]
    email: String,
    #[arg(long, env = "COFFER_BENCH_PASSWORD", hide_env_values = true)]
    password: String,
    /// The customer whose page is timed.
    #[arg(long, default_value = "cus_demo_big")]
    customer: String,
    #[arg(long, default_value_t = 200)]
    requests: usize,
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<serde_json::Value> {
    let res = client
        .post(format!("{base}/console/api/{endpoint}"))
        .form(form)
        .send()
        .await?;
    let status = res.status();
    let body: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
    if !status.is_success() {
        bail!("{endpoint}: {status} {body}");
    }
    Ok(body)
}

fn code(key: &[u8], at: u64) -> Result<String> {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::from(key.to_vec()))
        .build()
        .context("totp")?;
    Ok(totp.generate(at).to_string())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn time_it<F, Fut>(n: usize, mut f: F) -> Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await?;
        out.push(started.elapsed());
    }
    out.sort();
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let base = cli.base_url.trim_end_matches('/').to_owned();
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    // Nine wrong passwords (below the lockout) against the real account and nine against an
    // unknown one: both run argon2id, so both should take the same time.
    let mut refusals = Vec::new();
    for email in [cli.email.as_str(), "nobody-here@example.com"] {
        let times = time_it(9, || async {
            let res = client
                .post(format!("{base}/console/api/sign_in"))
                .form(&[("email", email), ("password", "not-the-password-1")])
                .send()
                .await?;
            if res.status() != reqwest::StatusCode::UNAUTHORIZED {
                bail!("a wrong password was not refused: {}", res.status());
            }
            Ok(())
        })
        .await?;
        refusals.push(times);
    }
    post(
        &client,
        &base,
        "sign_in",
        &[("email", &cli.email), ("password", &cli.password)],
    )
    .await?;
    let chosen = "console-bench-password-2026";
    post(
        &client,
        &base,
        "change_password",
        &[
            ("current", &cli.password),
            ("new_password", chosen),
            ("confirm", chosen),
        ],
    )
    .await?;
    let enrolment = post(&client, &base, "mfa_enrolment", &[]).await?;
    let manual: String = enrolment["manual_key"]
        .as_str()
        .context("manual key")?
        .split_whitespace()
        .collect();
    let key = Secret::try_from_base32(manual).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    post(
        &client,
        &base,
        "confirm_mfa",
        &[("code", &code(key.as_bytes(), now)?)],
    )
    .await?;

    let page_url = format!("{base}/customers/{}", cli.customer);
    let page = time_it(cli.requests, || async {
        let res = client.get(&page_url).send().await?;
        if !res.status().is_success() {
            bail!("page: {}", res.status());
        }
        let html = res.text().await?;
        if html.matches("•••• ").count() < 50 {
            bail!("the page does not list the customer's methods");
        }
        Ok(())
    })
    .await?;
    let call = time_it(cli.requests, || async {
        post(&client, &base, "customer", &[("reference", &cli.customer)]).await?;
        Ok(())
    })
    .await?;
    println!(
        "| Console request ({} sequential, 1 agent) | p50 ms | p95 ms | p99 ms | max ms |",
        cli.requests
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, sorted) in [
        (
            "`POST /console/api/sign_in`, wrong password (9, argon2id)".to_owned(),
            &refusals[0],
        ),
        (
            "`POST /console/api/sign_in`, unknown account (9, dummy argon2id)".to_owned(),
            &refusals[1],
        ),
        (
            format!(
                "`GET /customers/{}` (server-rendered page, 50 methods)",
                cli.customer
            ),
            &page,
        ),
        (
            "`POST /console/api/customer` (server function, JSON)".to_owned(),
            &call,
        ),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
            percentile(sorted, 0.50),
            percentile(sorted, 0.95),
            percentile(sorted, 0.99),
            percentile(sorted, 1.0)
        );
    }
    Ok(())
}
