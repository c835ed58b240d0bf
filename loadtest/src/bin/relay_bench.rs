//! `coffer-relay-bench`: what the relay adds. It starts a PSP double over TLS (a CA made at start,
//! answering Stripe's `POST /v1/payment_methods` the way a fast PSP would), registers it as a
//! connection on a running local Coffer, stores one card, and then, in one run, drives the same
//! request closed-loop at the double directly (A) and through `POST /api/v1/forward` (B), and
//! prints both and their difference as a Markdown table. Point it only at a local test server.

use anyhow::{Context, Result, bail};
use clap::Parser;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(name = "coffer-relay-bench")]
struct Cli {
    #[arg(long, default_value = "http://127.0.0.1:3460")]
    base_url: String,
    /// A key with `payment_methods:write` and `payment_methods:forward`.
    #[arg(long, env = "COFFER_BENCH_KEY", hide_env_values = true)]
    key: String,
    /// A key with `connections:manage`.
    #[arg(long, env = "COFFER_BENCH_ADMIN_KEY", hide_env_values = true)]
    admin_key: String,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value = "10")]
    seconds: u64,
    #[arg(long, default_value = "2")]
    warmup: u64,
}

const PSP_KEY: &str = "sk_test_relay_bench";
/// A test card: a Visa BIN with its Luhn digit computed at start (no card number in the source).
fn test_card() -> String {
    coffer_dlp::with_check_digit("424242424242424")
}

/// The double: checks the key, answers a PaymentMethod.
async fn psp(req: hyper::Request<hyper::body::Incoming>) -> Result<hyper::Response<Full<Bytes>>> {
    let authorised = req
        .headers()
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("Bearer {PSP_KEY}").as_bytes());
    let body = req.into_body().collect().await?.to_bytes();
    let ok = authorised && body.starts_with(b"type=card&card[number]=4");
    let (status, text) = if ok {
        (
            200,
            r#"{"id":"pm_1QbenchDouble","object":"payment_method","card":{"brand":"visa","last4":"4242"}}"#,
        )
    } else {
        (
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_invalid"}}"#,
        )
    };
    Ok(hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(text.as_bytes())))?)
}

/// Starts the double on 127.0.0.1; its base URL and CA certificate (PEM).
async fn start_psp() -> Result<(String, String)> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])?;
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse()?));
    let key = rcgen::KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca, &ca_key)?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(
                            hyper_util::rt::TokioIo::new(tls),
                            hyper::service::service_fn(psp),
                        )
                        .await;
                }
            });
        }
    });
    Ok((format!("https://127.0.0.1:{port}"), ca.pem()))
}

/// `concurrency` workers send `make()` requests for warm-up plus the measured seconds.
async fn closed_loop<F>(cli: &Cli, make: F) -> Result<(Histogram<u64>, u64, u64)>
where
    F: Fn() -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for _ in 0..cli.concurrency {
        let (make, measuring, stop, errors) = (
            make.clone(),
            measuring.clone(),
            stop.clone(),
            errors.clone(),
        );
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let ok = match make().send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        let us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                        let _ = h.record(us.max(1));
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            h
        }));
    }
    tokio::time::sleep(Duration::from_secs(cli.warmup)).await;
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(cli.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for w in workers {
        if let Ok(h) = w.await {
            let _ = all.add(&h);
        }
    }
    let ok = all.len();
    Ok((all, ok, errors.load(Ordering::Relaxed)))
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let (psp_url, ca_pem) = start_psp().await?;
    let coffer = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(cli.concurrency)
        .tcp_nodelay(true)
        .build()?;
    let base = cli.base_url.trim_end_matches('/').to_owned();
    let res = coffer
        .post(format!("{base}/api/v1/connections"))
        .bearer_auth(&cli.admin_key)
        .json(&serde_json::json!({
            "name": "bench PSP double", "base_url": psp_url,
            "routes": [{"method": "POST", "path": "/v1/payment_methods"}],
            "auth": {"type": "bearer", "token": PSP_KEY}, "ca_pem": ca_pem,
        }))
        .send()
        .await?;
    if res.status() != 201 {
        bail!(
            "registering the connection: {} {}",
            res.status(),
            res.text().await?
        );
    }
    let connection = res.json::<serde_json::Value>().await?["id"]
        .as_str()
        .context("connection id")?
        .to_owned();
    let year = time::OffsetDateTime::now_utc().year() + 2;
    let card = test_card();
    let res = coffer
        .post(format!("{base}/api/v1/payment_methods"))
        .bearer_auth(&cli.key)
        .json(
            &serde_json::json!({"customer": "cus_relay_bench", "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": year, "cvc": "123"}}),
        )
        .send()
        .await?;
    let pm = res.json::<serde_json::Value>().await?["id"]
        .as_str()
        .context("payment method id")?
        .to_owned();

    // A: the same request straight to the double, over its own pooled TLS connections.
    let direct = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(cli.concurrency)
        .tcp_nodelay(true)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes())?)
        .build()?;
    let form = format!("type=card&card[number]={card}&card[exp_month]=12&card[exp_year]={year}");
    let url = format!("{psp_url}/v1/payment_methods");
    let (a, a_ok, a_err) = closed_loop(&cli, move || {
        direct
            .post(&url)
            .bearer_auth(PSP_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone())
    })
    .await?;

    // B: through the relay.
    let body = serde_json::json!({
        "connection": connection, "path": "/v1/payment_methods",
        "content_type": "application/x-www-form-urlencoded",
        "body": format!("type=card&card[number]={{{{ {pm}:number }}}}&card[exp_month]={{{{ {pm}:exp_month }}}}&card[exp_year]={{{{ {pm}:exp_year }}}}"),
    });
    let (key, forward_url) = (cli.key.clone(), format!("{base}/api/v1/forward"));
    let relay = coffer.clone();
    let (b, b_ok, b_err) = closed_loop(&cli, move || {
        relay.post(&forward_url).bearer_auth(&key).json(&body)
    })
    .await?;

    let secs = cli.seconds as f64;
    println!("| Path | c | OK | Errors | Throughput (req/s) | p50 (ms) | p95 (ms) | p99 (ms) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, h, ok, err) in [
        ("A: straight to the PSP double", &a, a_ok, a_err),
        ("B: through POST /api/v1/forward", &b, b_ok, b_err),
    ] {
        println!(
            "| {name} | {} | {ok} | {err} | {:.1} | {:.2} | {:.2} | {:.2} |",
            cli.concurrency,
            ok as f64 / secs,
            ms(h.value_at_quantile(0.5)),
            ms(h.value_at_quantile(0.95)),
            ms(h.value_at_quantile(0.99)),
        );
    }
    println!();
    println!(
        "Added by the relay at c={}: p50 +{:.2} ms, p95 +{:.2} ms; throughput B/A = {:.2}.",
        cli.concurrency,
        ms(b.value_at_quantile(0.5)) - ms(a.value_at_quantile(0.5)),
        ms(b.value_at_quantile(0.95)) - ms(a.value_at_quantile(0.95)),
        (b_ok as f64) / (a_ok.max(1) as f64),
    );
    Ok(())
}
