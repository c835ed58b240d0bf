//! Per-request middleware: a fresh request id, the origin (peer IP, user agent), an access log
//! line and metrics keyed by the route template. The raw URI is never logged: a careless client
//! could put card data in it.

use crate::api::extract::Ctx;
use crate::metrics::Metrics;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use coffer_vault::audit::Origin;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn request_context(
    State(metrics): State<Arc<Metrics>>,
    mut req: Request,
    next: Next,
) -> Response {
    let request_id = coffer_vault::token::random_id("req");
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let user_agent = req
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| {
            s.chars()
                .filter(|c| !c.is_control())
                .take(256)
                .collect::<String>()
        })
        .filter(|ua| !coffer_vault::pan_like::contains_pan_like(ua));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().clone();
    req.extensions_mut().insert(Ctx {
        request_id: request_id.clone(),
        origin: Origin {
            ip,
            user_agent,
            request_id: Some(request_id.clone()),
        },
    });
    let started = Instant::now();
    let mut response = next.run(req).await;
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", value);
    }
    let status = response.status().as_u16();
    metrics.observe(&route, method.as_str(), status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status,
        latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}
