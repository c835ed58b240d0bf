//! Per-request middleware: a fresh request id, the origin (the client address, from
//! `X-Forwarded-For` only when the peer is a trusted proxy; the user agent), an access log line
//! and metrics keyed by the route template and a bounded method name; and the limits every
//! request runs under (a timeout, and a cap on requests in flight that sheds the rest). The raw
//! URI is never logged: a careless client could put card data in it.

use crate::api::extract::Ctx;
use crate::guard_config::GuardConfig;
use crate::metrics::Metrics;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use coffer_vault::audit::Origin;
use coffer_vault::net::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use tower::layer::util::{Identity, Stack};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::timeout::TimeoutLayer;
use tower::{BoxError, ServiceBuilder};

/// What the request-context middleware needs.
pub struct ContextState {
    pub metrics: Arc<Metrics>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
/// nearest address in `X-Forwarded-For` (read from the right) that is not itself a trusted
/// proxy. Anything unparseable stops the walk at the last address that could be trusted.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// The method as a metric label: one of the standard ones or `other` (a label set the caller
/// cannot grow).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn request_context(
    State(context): State<Arc<ContextState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let request_id = coffer_vault::token::random_id("req");
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| client_address(c.0.ip(), req.headers(), &context.trusted_proxies).to_string());
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
        .filter(|ua| !coffer_dlp::contains_card_number(ua));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = method_label(req.method());
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
    crate::api::error::ApiError::stamp(&mut response, &request_id);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("request-id", value);
    }
    let status = response.status().as_u16();
    context.metrics.observe(&route, method, status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method,
        route = %route,
        status,
        latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// The error handler of [`bounded`]: a refusal becomes a `503` answer.
type Refuse = fn(BoxError) -> std::future::Ready<Response>;

/// The layers of [`bounded`], outermost first: errors to answers, shedding, the cap, the timeout.
type Bounded = ServiceBuilder<
    Stack<TimeoutLayer, Stack<GlobalConcurrencyLimitLayer, Stack<LoadShedLayer, Around>>>,
>;
type Around = Stack<HandleErrorLayer<Refuse, ()>, Identity>;

/// Every request runs for at most the configured time, and at most the configured number run at
/// once; the rest are answered `503` at once instead of queueing without bound. The cap is one
/// semaphore for the whole router: `Router::layer` wraps each route on its own, and a per-route
/// limit would let every route take the whole number.
pub fn bounded(guards: &GuardConfig) -> Bounded {
    let handle: Refuse = |e| std::future::ready(refused(&e));
    ServiceBuilder::new()
        .layer(HandleErrorLayer::new(handle))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::new(guards.max_in_flight))
        .timeout(guards.request_timeout)
}

fn refused(e: &BoxError) -> Response {
    let (code, message) = if e.is::<tower::timeout::error::Elapsed>() {
        (
            "request_timeout",
            "The request took too long and was stopped.",
        )
    } else {
        ("server_busy", "The server is busy. Retry in a moment.")
    };
    let body = serde_json::json!({ "error": {
        "type": "api_error", "code": code, "message": message,
    }});
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = vec![IpNet::parse("10.0.0.0/8").unwrap()];
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let outsider: IpAddr = "198.51.100.9".parse().unwrap();
        // An untrusted peer's header is ignored: it cannot choose its own audit address.
        let spoofed = headers(&["203.0.113.1"]);
        assert_eq!(client_address(outsider, &spoofed, &trusted), outsider);
        // Through the proxy: the nearest untrusted hop, not a forged one further left.
        let forwarded = headers(&["203.0.113.66, 198.51.100.7, 10.0.0.9"]);
        assert_eq!(
            client_address(proxy, &forwarded, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(proxy, &headers(&[]), &trusted), proxy);
        assert_eq!(
            client_address(proxy, &headers(&["junk, 198.51.100.7"]), &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // With no trusted proxies configured, the header never counts.
        assert_eq!(client_address(proxy, &forwarded, &[]), proxy);
    }

    /// A slow request is stopped at the timeout, and once the cap is reached a request to any
    /// route is refused at once (the cap is shared by every route, not one per route).
    #[tokio::test]
    async fn slow_requests_time_out_and_the_cap_covers_every_route() {
        use axum::Router;
        use axum::body::Body;
        use axum::routing::get;
        use std::time::Duration;
        use tower::ServiceExt;

        let guards = GuardConfig {
            request_timeout: Duration::from_secs(2),
            max_in_flight: 1,
            ..GuardConfig::default()
        };
        let gate = Arc::new(tokio::sync::Notify::new());
        let entered = Arc::new(tokio::sync::Notify::new());
        let (held, inside) = (gate.clone(), entered.clone());
        let app = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    "late"
                }),
            )
            .route(
                "/held",
                get(move || async move {
                    inside.notify_one();
                    held.notified().await;
                    "released"
                }),
            )
            .route("/quick", get(|| async { "quick" }))
            .layer(bounded(&guards));
        let get = |path: &str| Request::get(path).body(Body::empty()).unwrap();
        let code = |r: &Response| r.status();

        let slow = app.clone().oneshot(get("/slow")).await.unwrap();
        assert_eq!(code(&slow), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(slow.into_body(), 4096).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("request_timeout"));

        // Held within the timeout: the second request comes while the first is inside.
        let first = tokio::spawn(app.clone().oneshot(get("/held")));
        entered.notified().await;
        let shed = app.clone().oneshot(get("/quick")).await.unwrap();
        assert_eq!(code(&shed), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(shed.into_body(), 4096).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("server_busy"));

        gate.notify_one();
        assert_eq!(code(&first.await.unwrap().unwrap()), StatusCode::OK);
        let after = app.oneshot(get("/quick")).await.unwrap();
        assert_eq!(code(&after), StatusCode::OK);
    }

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"4242424242424242").unwrap()),
            "other"
        );
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap()),
            "other"
        );
    }
}
