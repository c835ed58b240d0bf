//! Sends one filled request to a connection over TLS 1.2+ (the connection's pinned CA, or the
//! built-in roots), through the resolver that refuses private addresses, with no redirects and no
//! proxy, and reads back at most 1 MiB of the answer. The request body is handed to the HTTP
//! client as bytes that are wiped when the client drops them.

use crate::relay::HostPolicy;
use crate::relay::destination::CheckedResolver;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The largest answer read back.
pub const MAX_ANSWER: usize = 1024 * 1024;

/// A request ready to go.
pub struct Outgoing {
    pub url: String,
    pub method: reqwest::Method,
    /// Header names (lower case) and values; the connection's credentials among them.
    pub headers: Vec<(String, Zeroizing<String>)>,
    pub content_type: String,
    pub body: Zeroizing<Vec<u8>>,
    pub ca_pem: Option<String>,
    /// The client certificate chain and its key, PEM (mTLS), wiped on drop.
    pub identity: Option<Zeroizing<Vec<u8>>>,
    pub timeout: Duration,
}

/// What came back. No `Debug`: the body is the destination's raw, unmasked answer.
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    /// Raw bytes: mask before anyone sees them.
    pub body: Zeroizing<Vec<u8>>,
    pub latency: Duration,
}

/// Why nothing usable came back. None of these carries the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the destination did not answer in time")]
    Timeout,
    #[error("could not connect, or the TLS handshake failed")]
    Unreachable,
    #[error("the destination's answer is larger than 1 MiB")]
    TooLarge,
    #[error("the connection's settings could not be used")]
    Settings,
}

impl SendError {
    /// The stable code audited and answered.
    pub fn code(self) -> &'static str {
        match self {
            SendError::Timeout => "upstream_timeout",
            SendError::Unreachable => "upstream_unreachable",
            SendError::TooLarge => "upstream_answer_too_large",
            SendError::Settings => "connection_unusable",
        }
    }
}

/// Which settings of a connection a client was built with: its id and when its settings last
/// changed. A forward after an edit (made by this server or another sharing the database) reads
/// the new change time and so gets a new client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub connection: String,
    pub changed_at: i64,
}

/// One HTTP client per connection version, kept so forwards reuse its TLS connections (a
/// disabled connection is refused before sending).
#[derive(Default)]
pub struct Clients(std::sync::Mutex<std::collections::HashMap<Version, reqwest::Client>>);

impl Clients {
    /// Drops every client of `connection` (it was disabled or changed: its pooled TLS
    /// connections close).
    pub fn forget(&self, connection: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|v, _| v.connection != connection);
    }

    fn get(
        &self,
        version: &Version,
        policy: &Arc<HostPolicy>,
        out: &Outgoing,
    ) -> Result<reqwest::Client, SendError> {
        if let Some(c) = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(version)
        {
            return Ok(c.clone());
        }
        // Built outside the lock (loading roots and keys takes a while); the first one kept wins.
        let c = client(policy, out)?;
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|v, _| v.connection != version.connection || v == version);
        Ok(map.entry(version.clone()).or_insert(c).clone())
    }
}

fn client(policy: &Arc<HostPolicy>, out: &Outgoing) -> Result<reqwest::Client, SendError> {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .https_only(true)
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(out.timeout)
        .connect_timeout(out.timeout)
        .dns_resolver(Arc::new(CheckedResolver {
            policy: Arc::clone(policy),
        }));
    if let Some(pem) = &out.ca_pem {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|_| SendError::Settings)?;
        b = b.tls_built_in_root_certs(false).add_root_certificate(ca);
    }
    if let Some(pem) = &out.identity {
        b = b.identity(reqwest::Identity::from_pem(pem).map_err(|_| SendError::Settings)?);
    }
    b.build().map_err(|_| SendError::Settings)
}

/// Sends `out` over `connection`'s client and reads the answer.
pub async fn send(
    clients: &Clients,
    version: &Version,
    policy: &Arc<HostPolicy>,
    out: Outgoing,
) -> Result<Answer, SendError> {
    let client = clients.get(version, policy, &out)?;
    let mut req = client.request(out.method.clone(), &out.url);
    for (name, value) in &out.headers {
        let mut value =
            reqwest::header::HeaderValue::from_str(value).map_err(|_| SendError::Settings)?;
        value.set_sensitive(true);
        req = req.header(name.as_str(), value);
    }
    let body = bytes::Bytes::from_owner(out.body);
    let req = req
        .header(reqwest::header::CONTENT_TYPE, out.content_type.as_str())
        .body(body);
    let started = Instant::now();
    let classify = |e: reqwest::Error| {
        if e.is_timeout() {
            SendError::Timeout
        } else {
            SendError::Unreachable
        }
    };
    let mut response = req.send().await.map_err(classify)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect());
    let mut body = Zeroizing::new(Vec::new());
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(SendError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer {
        status,
        content_type,
        body,
        latency: started.elapsed(),
    })
}
