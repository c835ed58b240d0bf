//! Health, readiness, metrics, the OpenAPI document and the console page.

use crate::helpers::spawn_app;
use serde_json::Value;

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
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
