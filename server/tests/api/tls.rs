//! TLS in the server (PCI DSS 4.2.1): the API over TLS 1.3 and 1.2 and never in plain HTTP,
//! TLS 1.0/1.1 and CBC suites refused (checked with `openssl s_client`, as an assessor would),
//! and a renewed certificate served without a restart while a broken one is not taken.

use crate::certs::TestCa;
use crate::helpers::{TestApp, card_body, client_trusting, spawn_configured};
use coffer_server::config::TlsSetting;
use coffer_server::tls::TlsFiles;
use std::path::Path;
use std::time::Duration;

async fn tls_app(dir: &Path) -> TestApp {
    let files = TlsFiles {
        cert: dir.join("chain.pem"),
        key: dir.join("key.pem"),
        reload_every: Duration::from_millis(100),
    };
    spawn_configured(move |c| c.tls = TlsSetting::Files(files)).await
}

/// The leaf certificate a fresh connection is served.
async fn served_leaf(app: &TestApp, dir: &Path) -> Vec<u8> {
    let res = client_trusting(&dir.join("chain.pem"))
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let info = res.extensions().get::<reqwest::tls::TlsInfo>().unwrap();
    info.peer_certificate().unwrap().to_vec()
}

#[tokio::test]
async fn the_api_answers_over_tls_1_3_and_1_2_and_never_in_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Coffer TLS test CA");
    let leaf = ca.issue_server(dir.path(), "coffer-test");
    let app = tls_app(dir.path()).await;
    assert!(app.address.starts_with("https://"));
    let res = app
        .post(
            &app.admin_key,
            "/api/v1/payment_methods",
            &card_body("cus_tls", "4242424242424242"),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(served_leaf(&app, dir.path()).await, leaf);
    let pem = std::fs::read(dir.path().join("chain.pem")).unwrap();
    let ca_cert = reqwest::Certificate::from_pem_bundle(&pem)
        .unwrap()
        .pop()
        .unwrap();
    let tls12 = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca_cert)
        .max_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .unwrap();
    let res = tls12.get(app.url("/healthz")).send().await.unwrap();
    assert!(res.status().is_success());
    // Plain HTTP to the same port gets no answer at all.
    let plain = app.address.replace("https://", "http://");
    let res = reqwest::Client::new()
        .get(format!("{plain}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(res.is_err() || !res.unwrap().status().is_success());
}

/// `openssl s_client` against the server with `args`; whether the handshake completed, and
/// what it printed.
fn s_client(port: u16, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new("openssl")
        .arg("s_client")
        .args([
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl (scripts/setup.sh installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let done = out.status.success() && text.contains("Cipher is") && !text.contains("(NONE)");
    (done, text)
}

#[tokio::test]
async fn old_protocols_and_cbc_suites_are_refused_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    TestCa::new("Coffer TLS test CA").issue_server(dir.path(), "coffer-test");
    let app = tls_app(dir.path()).await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let probe =
        move |args: Vec<&'static str>| tokio::task::spawn_blocking(move || s_client(port, &args));
    // What a modern client offers is accepted.
    let (ok, text) = probe(vec!["-tls1_3"]).await.unwrap();
    assert!(ok && text.contains("TLSv1.3"), "{text}");
    let (ok, text) = probe(vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
        .await
        .unwrap();
    assert!(
        ok && text.contains("ECDHE-ECDSA-AES128-GCM-SHA256"),
        "{text}"
    );
    // The client is allowed the old protocols and a CBC suite (security level 0): the server
    // still refuses them.
    for args in [
        vec!["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"],
        vec!["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA@SECLEVEL=0"],
        vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-SHA384@SECLEVEL=0"],
    ] {
        let shown = args.join(" ");
        let (ok, text) = probe(args).await.unwrap();
        assert!(!ok, "{shown} was accepted: {text}");
        // Refused by the server (an alert), not by the client before it asked.
        assert!(text.contains("alert"), "{shown}: {text}");
    }
}

#[tokio::test]
async fn a_renewed_certificate_is_served_without_a_restart_and_a_broken_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("Coffer TLS test CA");
    let first = ca.issue_server(dir.path(), "coffer-first");
    let app = tls_app(dir.path()).await;
    assert_eq!(served_leaf(&app, dir.path()).await, first);
    // A connection opened before the renewal, kept alive across it.
    let kept = client_trusting(&dir.path().join("chain.pem"));
    assert!(
        kept.get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    let renewed = ca.issue_server(dir.path(), "coffer-renewed");
    let mut served = Vec::new();
    for _ in 0..100 {
        served = served_leaf(&app, dir.path()).await;
        if served == renewed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served, renewed, "the renewed certificate is served");
    let res = kept.get(app.url("/healthz")).send().await.unwrap();
    assert!(res.status().is_success(), "the open connection still works");

    // A broken renewal (a key that is not the certificate's) is not taken: the renewed one stays.
    let other = rcgen::KeyPair::generate().unwrap();
    std::fs::write(dir.path().join("key.pem.new"), other.serialize_pem()).unwrap();
    std::fs::rename(dir.path().join("key.pem.new"), dir.path().join("key.pem")).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(served_leaf(&app, dir.path()).await, renewed);
}
