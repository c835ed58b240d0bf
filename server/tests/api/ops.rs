//! Health, readiness, metrics, the OpenAPI document and the console page.

use crate::helpers::spawn_app;
use serde_json::Value;

/// The `/metrics` text.
async fn metrics(app: &crate::helpers::TestApp) -> String {
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    res.text().await.unwrap()
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["database"], "ok");
    assert_eq!(ready["hsm"], "ok");
    app.tokenize_card("cus_m", "4242424242424242").await;
    let metrics = metrics(&app).await;
    assert!(metrics.contains("coffer_http_requests_total{route=\"/api/v1/payment_methods\",method=\"POST\",status=\"201\"} 1"));
    assert!(!metrics.contains("pm_"), "no ids in metric labels");
}

#[tokio::test]
async fn every_route_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = [
        ("/api/v1/payment_methods", "post"),
        ("/api/v1/payment_methods/validate", "post"),
        ("/api/v1/payment_methods/{id}", "get"),
        ("/api/v1/payment_methods/{id}", "delete"),
        ("/api/v1/payment_methods/{id}/reveal", "post"),
        ("/api/v1/customers/{customer}/payment_methods", "get"),
        ("/api/v1/payment_methods/{id}/uses", "post"),
        ("/api/v1/payment_methods/{id}/uses/{use_id}", "get"),
        ("/api/v1/customers/{customer}/mfa/enrollments", "post"),
        ("/api/v1/webhook_endpoints", "get"),
        ("/api/v1/webhook_endpoints", "post"),
        ("/api/v1/webhook_endpoints/{id}", "delete"),
        ("/api/v1/payment_methods/{id}/reverifications", "post"),
        ("/api/v1/customers/{customer}/wallet", "get"),
        (
            "/api/v1/customers/{customer}/default_payment_method",
            "post",
        ),
        ("/api/v1/payment_methods/{id}/mandates", "post"),
        ("/api/v1/mandates/{id}", "get"),
        ("/api/v1/mandates/{id}", "delete"),
        ("/api/v1/mandates/{id}/confirm", "post"),
        ("/api/v1/mandates/{id}/uses", "post"),
        ("/api/v1/connections", "get"),
        ("/api/v1/connections", "post"),
        ("/api/v1/connections/{id}", "delete"),
        ("/api/v1/forward", "post"),
        ("/api/v1/payment_methods/{id}/psp_tokens", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ];
    for (path, method) in routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is undocumented"
        );
    }
}

#[tokio::test]
async fn the_console_home_page_is_server_rendered() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(html.contains("Coffer"));
}

/// Without a session, a protected page is a real redirect to sign-in, for a browser (which sends
/// `Accept: text/html`) and for a script alike: `303` with an empty body, never a `200` page
/// that only carries a `Location` header.
#[tokio::test]
async fn protected_pages_redirect_to_sign_in_with_303() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, next) in [
        ("/search", "%2Fsearch"),
        ("/search?q=cus_1", "%2Fsearch%3Fq%3Dcus_1"),
        ("/admin/users", "%2Fadmin%2Fusers"),
        ("/console/audit", "%2Fconsole%2Faudit"),
        ("/console/expiry", "%2Fconsole%2Fexpiry"),
        ("/", "%2F"),
    ] {
        for accept in [None, Some("text/html,application/xhtml+xml")] {
            let mut req = client.get(app.url(path));
            if let Some(accept) = accept {
                req = req.header("accept", accept);
            }
            let res = req.send().await.unwrap();
            assert_eq!(
                res.status(),
                303,
                "{path} with accept {accept:?}: {:?}",
                res.headers()
            );
            let location = res.headers()["location"].to_str().unwrap().to_owned();
            // Signing in returns to the page asked for.
            assert_eq!(location, format!("/login?next={next}"), "{path}");
            assert!(res.text().await.unwrap().is_empty());
        }
    }
    // The sign-in page itself is a page.
    let res = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn start_is_audited() {
    let app = spawn_app().await;
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "service.start" && e.actor_type == "service")
    );
}

/// Behind TLS (the default): Secure session cookies and HSTS on every answer; a caller's odd
/// HTTP method does not become a metric label; a caller with wrong keys is stopped before it can
/// fill the audit log.
#[tokio::test]
async fn secure_by_default_bounded_labels_and_a_budget_for_failed_keys() {
    let app = crate::helpers::spawn_configured(|c| {
        c.console.secure_cookies = true;
        c.guards.failed_auth_per_minute = 3;
    })
    .await;
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert!(
        res.headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().starts_with("max-age=31536000"))
    );
    let password = crate::console::bootstrap(
        &app,
        "secure@example.com",
        &[coffer_vault::access::Role::SupportAgent],
    )
    .await;
    let res = app
        .client
        .post(app.url("/console/api/sign_in"))
        .form(&[
            ("email", "secure@example.com"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert!(!cookies.is_empty());
    for cookie in cookies {
        assert!(cookie.to_str().unwrap().contains("Secure"), "{cookie:?}");
    }
    let odd = reqwest::Method::from_bytes(b"PURGE4242424242424242").unwrap();
    let _ = app.client.request(odd, app.url("/healthz")).send().await;
    let metrics = metrics(&app).await;
    assert!(
        // The whole number: a latency sum may hold "4242" by chance.
        !metrics.contains("PURGE") && !metrics.contains("4242424242424242"),
        "{metrics}"
    );
    assert!(metrics.contains("method=\"other\""));

    // Wrong keys from one address: three are checked and audited, then 429 without either.
    let before = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.api_key'")
        .await;
    let mut statuses = Vec::new();
    for i in 0..10 {
        let res = app
            .get(
                &format!("ak_wrong{i}.secret"),
                "/api/v1/customers/c/payment_methods",
            )
            .await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..3], &[401, 401, 401]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let after = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.api_key'")
        .await;
    assert_eq!(after - before, 3);
    // A good key from the same address is stopped too until the minute refills: the budget is
    // the address's, and a guesser cannot tell its guesses apart from a correct one.
    let res = app
        .get(&app.admin_key, "/api/v1/customers/c/payment_methods")
        .await;
    assert_eq!(res.status(), 429);
}
