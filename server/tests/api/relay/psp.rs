//! Local PSP doubles over real TLS (a CA made at test time): one speaks Stripe's form-encoded
//! `POST /v1/payment_methods`, one Braintree's GraphQL `tokenizeCreditCard` and
//! `vaultPaymentMethod`. Each checks what the
//! real one checks (its auth header, the body's encoding and shape, the card number's Luhn) and
//! records what it received, so a test can see the card number arrived here and nowhere else.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// One request as the PSP received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// A running double: its base URL, the CA that signed its certificate, what it received.
pub struct Psp {
    pub base_url: String,
    pub ca_pem: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

pub const STRIPE_KEY: &str = "sk_test_coffer_relay_4eC39HqLyjWDarjtT1zdp7dc";
pub const BRAINTREE_PUBLIC: &str = "pub_coffer";
pub const BRAINTREE_PRIVATE: &str = "priv_coffer_secret";

fn luhn(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 {
                    if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
                } else {
                    d
                }
            })
            .sum::<u32>()
            % 10
            == 0
}

type Log = Arc<Mutex<Vec<Received>>>;

fn record(log: &Log, path: &str, headers: &HeaderMap, body: &Bytes) {
    log.lock().unwrap().push(Received {
        path: path.to_owned(),
        headers: headers.clone(),
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

fn stripe_error(status: StatusCode, kind: &str, code: &str, param: Option<&str>) -> Response {
    let body = json!({ "error": { "type": kind, "code": code, "param": param, "message": code } });
    (status, axum::Json(body)).into_response()
}

/// Stripe's `POST /v1/payment_methods` (type=card).
async fn stripe_payment_method(
    State(log): State<Log>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&log, "/v1/payment_methods", &headers, &body);
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {STRIPE_KEY}")) {
        return stripe_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "api_key_invalid",
            None,
        );
    }
    let form = headers.get("content-type").and_then(|v| v.to_str().ok());
    if form != Some("application/x-www-form-urlencoded") {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "parameter_invalid",
            None,
        );
    }
    let fields: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let number = fields.get("card[number]").cloned().unwrap_or_default();
    if fields.get("type").map(String::as_str) != Some("card") {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "parameter_missing",
            Some("type"),
        );
    }
    if !luhn(&number) || !(12..=19).contains(&number.len()) {
        return stripe_error(
            StatusCode::PAYMENT_REQUIRED,
            "card_error",
            "incorrect_number",
            Some("card[number]"),
        );
    }
    let month: u32 = fields
        .get("card[exp_month]")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let year: u32 = fields
        .get("card[exp_year]")
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    if !(1..=12).contains(&month) || year < 2000 {
        return stripe_error(
            StatusCode::PAYMENT_REQUIRED,
            "card_error",
            "invalid_expiry_month",
            Some("card[exp_month]"),
        );
    }
    let brand = if number.starts_with('4') {
        "visa"
    } else {
        "mastercard"
    };
    let body = json!({
        "id": "pm_1QstripeDouble",
        "object": "payment_method",
        "type": "card",
        "billing_details": { "name": fields.get("billing_details[name]") },
        "card": { "brand": brand, "last4": &number[number.len() - 4..], "exp_month": month, "exp_year": year,
                  "fingerprint": "Xt5EWLLDS7FJjR1c" },
        // A careless PSP that echoes the number: Coffer must mask it before the caller sees it.
        "debug": { "number_received": number },
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Stripe's `POST /v1/payment_methods/{id}/detach`: the double knows the one it made.
async fn stripe_detach(
    State(log): State<Log>,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(
        &log,
        &format!("/v1/payment_methods/{id}/detach"),
        &headers,
        &body,
    );
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {STRIPE_KEY}")) {
        return stripe_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "api_key_invalid",
            None,
        );
    }
    if id != "pm_1QstripeDouble" {
        return stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "resource_missing",
            Some("id"),
        );
    }
    let body = json!({ "id": id, "object": "payment_method", "customer": null });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Braintree's GraphQL endpoint: `tokenizeCreditCard`, and `vaultPaymentMethod` of the
/// single-use payment method it made.
async fn braintree_graphql(State(log): State<Log>, headers: HeaderMap, body: Bytes) -> Response {
    use base64::Engine;
    record(&log, "/graphql", &headers, &body);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{BRAINTREE_PUBLIC}:{BRAINTREE_PRIVATE}"))
    );
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, "").into_response();
    }
    if headers.get("braintree-version").is_none() {
        let errors = json!({ "errors": [{ "message": "Braintree-Version header required" }] });
        return (StatusCode::OK, axum::Json(errors)).into_response();
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "").into_response();
    };
    let query = v["query"].as_str().unwrap_or_default();
    if query.contains("deletePaymentMethodFromVault") {
        let known = v["variables"]["input"]["paymentMethodId"].as_str()
            == Some("cGF5bWVudG1ldGhvZF9idF92YXVsdGVk");
        let body = if known {
            json!({ "data": { "deletePaymentMethodFromVault": { "clientMutationId": null } } })
        } else {
            json!({ "errors": [{ "message": "Unknown payment method.", "extensions": { "errorClass": "NOT_FOUND" } }] })
        };
        return (StatusCode::OK, axum::Json(body)).into_response();
    }
    if query.contains("vaultPaymentMethod") {
        let single_use = v["variables"]["input"]["paymentMethodId"].as_str();
        if single_use != Some("tokencc_bt_double") {
            let errors = json!({ "errors": [{ "message": "Unknown payment method.",
                "extensions": { "errorClass": "NOT_FOUND" } }] });
            return (StatusCode::OK, axum::Json(errors)).into_response();
        }
        let body = json!({ "data": { "vaultPaymentMethod": { "paymentMethod": {
            "id": "cGF5bWVudG1ldGhvZF9idF92YXVsdGVk", "usage": "MULTI_USE" } } } });
        return (StatusCode::OK, axum::Json(body)).into_response();
    }
    let card = &v["variables"]["input"]["creditCard"];
    let number = card["number"].as_str().unwrap_or_default();
    let ok_query = v["query"]
        .as_str()
        .is_some_and(|q| q.contains("tokenizeCreditCard"));
    if !ok_query || !luhn(number) {
        let errors = json!({ "data": null, "errors": [{ "message": "Credit card number is invalid.",
            "extensions": { "errorClass": "VALIDATION", "legacyCode": "81715" } }] });
        return (StatusCode::OK, axum::Json(errors)).into_response();
    }
    let body = json!({ "data": { "tokenizeCreditCard": { "paymentMethod": {
        "id": "tokencc_bt_double",
        "details": { "brandCode": "VISA", "last4": &number[number.len() - 4..],
                     "expirationMonth": card["expirationMonth"], "expirationYear": card["expirationYear"] },
    } } }, "extensions": { "requestId": "req-bt-1" } });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// Answers after three seconds (longer than the tests' connection timeout).
async fn slow() -> Response {
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    (StatusCode::OK, "late").into_response()
}

/// A CA for client certificates (mutual TLS), made at test time.
pub use crate::certs::TestCa as ClientCa;

/// Starts the double on 127.0.0.1 with a fresh CA and a certificate for `localhost` and
/// 127.0.0.1.
pub async fn start() -> Psp {
    start_with(None).await
}

/// The double that accepts only clients presenting a certificate `clients` signed (mTLS).
pub async fn start_mtls(clients: &ClientCa) -> Psp {
    start_with(Some(clients)).await
}

async fn start_with(clients: Option<&ClientCa>) -> Psp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Coffer test PSP CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match clients {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.cert.der().clone()).unwrap();
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let received: Log = Arc::default();
    let app = Router::new()
        .route("/v1/payment_methods", post(stripe_payment_method))
        .route("/v1/payment_methods/{id}/detach", post(stripe_detach))
        .route("/graphql", post(braintree_graphql))
        .route("/slow", post(slow))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    Psp {
        base_url: format!("https://127.0.0.1:{port}"),
        ca_pem: ca.pem(),
        received,
    }
}
