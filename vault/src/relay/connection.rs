//! A registered connection: the one destination a forward may go to, what may be sent there
//! (methods and paths), how Coffer authenticates to it (credentials sealed, never shown again),
//! which CA it trusts, its timeout, and which API keys may use it.

use super::client_cert::{ClientCertView, ClientCertificate};
use super::destination::{BaseUrl, HostPolicy};
use crate::cde::intake::IntakeError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The most routes one connection may list.
const MAX_ROUTES: usize = 50;
/// Timeout bounds, milliseconds.
const TIMEOUT_MS: std::ops::RangeInclusive<i64> = 100..=60_000;
/// The default timeout, milliseconds.
pub const DEFAULT_TIMEOUT_MS: i64 = 10_000;

/// One request shape a connection allows: an HTTP method and a path, exact or a prefix (`/v1/*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    fn check(self) -> Result<Route, IntakeError> {
        let method = self.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return Err(IntakeError::invalid("routes[method]"));
        }
        if !is_path(self.path.trim_end_matches('*')) {
            return Err(IntakeError::invalid("routes[path]"));
        }
        Ok(Route {
            method,
            path: self.path,
        })
    }

    /// Whether a request with `method` to `path` fits this route.
    pub fn allows(&self, method: &str, path: &str) -> bool {
        self.method == method
            && match self.path.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == self.path,
            }
    }
}

/// A path Coffer will send: starts with `/`, at most 512 characters, URL-safe characters only
/// (no spaces, no `..` segment, no query), and nothing card-like (a PAN never goes in a URL).
/// No percent-encoding either: `%2e%2e` would be a `..` the HTTP client resolves after the
/// route check, and `%34%32…` a card number the check cannot see.
pub fn is_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 512
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.~:@".contains(&b))
        && !path.contains("//")
        && !path.split('/').any(|seg| seg == ".." || seg == ".")
        && !coffer_dlp::contains_card_number(path)
}

/// How Coffer proves itself to the destination. Every value is secret.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Credentials {
    /// `Authorization: Bearer <token>` (Stripe's secret key).
    Bearer { token: SecretString },
    /// `Authorization: Basic base64(username:password)` (Braintree's public:private key pair).
    Basic {
        username: SecretString,
        password: SecretString,
    },
    /// A header of the destination's own (`X-Api-Key: …`).
    Header { name: String, value: SecretString },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.kind())
    }
}

impl Credentials {
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::Bearer { .. } => "bearer",
            Credentials::Basic { .. } => "basic",
            Credentials::Header { .. } => "header",
        }
    }

    /// The header name and value to send (the value stays in zeroizing memory).
    pub fn header(&self) -> (String, zeroize::Zeroizing<String>) {
        use base64::Engine;
        match self {
            Credentials::Bearer { token } => (
                "authorization".into(),
                zeroize::Zeroizing::new(format!("Bearer {}", token.expose_secret())),
            ),
            Credentials::Basic { username, password } => {
                let pair = zeroize::Zeroizing::new(format!(
                    "{}:{}",
                    username.expose_secret(),
                    password.expose_secret()
                ));
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
                (
                    "authorization".into(),
                    zeroize::Zeroizing::new(format!("Basic {encoded}")),
                )
            }
            Credentials::Header { name, value } => (
                name.to_ascii_lowercase(),
                zeroize::Zeroizing::new(value.expose_secret().to_owned()),
            ),
        }
    }

    /// The credentials as stored (sealed): a small JSON object in zeroizing memory.
    pub fn to_sealable(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let v = match self {
            Credentials::Bearer { token } => {
                serde_json::json!({ "type": "bearer", "token": token.expose_secret() })
            }
            Credentials::Basic { username, password } => serde_json::json!({
                "type": "basic", "username": username.expose_secret(),
                "password": password.expose_secret(),
            }),
            Credentials::Header { name, value } => {
                serde_json::json!({ "type": "header", "name": name, "value": value.expose_secret() })
            }
        };
        zeroize::Zeroizing::new(serde_json::to_vec(&v).unwrap_or_default())
    }

    fn check(self) -> Result<Credentials, IntakeError> {
        let fine = |s: &SecretString| {
            let s = s.expose_secret();
            (1..=4096).contains(&s.len()) && !s.chars().any(char::is_control)
        };
        let ok = match &self {
            Credentials::Bearer { token } => fine(token),
            Credentials::Basic { username, password } => {
                fine(username) && fine(password) && !username.expose_secret().contains(':')
            }
            Credentials::Header { name, value } => {
                is_header_name(name) && !is_reserved_header(name) && fine(value)
            }
        };
        ok.then_some(self)
            .ok_or_else(|| IntakeError::invalid("auth"))
    }
}

/// What a connection keeps sealed: its credentials and its client certificate's private key.
/// Stored as one JSON object `{"auth": …, "client_key_pem": …}`; a connection registered before
/// client certificates has its bare credentials object instead, which still opens.
pub struct Secrets {
    pub auth: Option<Credentials>,
    pub client_key_pem: Option<SecretString>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets(<hidden>)")
    }
}

/// Legacy first: bare credentials carry a `type`, which the new object never has.
#[derive(Deserialize)]
#[serde(untagged)]
enum Sealed {
    Legacy(Credentials),
    Both {
        auth: Option<Credentials>,
        client_key_pem: Option<SecretString>,
    },
}

/// The sealed form of `auth` and `client_key_pem` (a small JSON object in zeroizing memory),
/// or `None` when there is neither.
pub fn sealable(
    auth: Option<&Credentials>,
    client_key_pem: Option<&SecretString>,
) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    if auth.is_none() && client_key_pem.is_none() {
        return None;
    }
    let auth = auth.map(|c| {
        serde_json::from_slice::<serde_json::Value>(&c.to_sealable())
            .unwrap_or(serde_json::Value::Null)
    });
    let v = serde_json::json!({
        "auth": auth,
        "client_key_pem": client_key_pem.map(|k| k.expose_secret()),
    });
    Some(zeroize::Zeroizing::new(
        serde_json::to_vec(&v).unwrap_or_default(),
    ))
}

impl Secrets {
    /// Reads what `to_sealable` (or an older connection's bare credentials) wrote.
    pub fn from_opened(clear: &[u8]) -> Option<Secrets> {
        match serde_json::from_slice::<Sealed>(clear).ok()? {
            Sealed::Both {
                auth,
                client_key_pem,
            } => Some(Secrets {
                auth,
                client_key_pem,
            }),
            Sealed::Legacy(auth) => Some(Secrets {
                auth: Some(auth),
                client_key_pem: None,
            }),
        }
    }
}

/// An HTTP header name: 1–64 token characters.
pub fn is_header_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers a caller may not set on a forward: the connection or the HTTP client owns them.
pub fn is_reserved_header(name: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "authorization",
        "proxy-authorization",
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "cookie",
        "te",
        "upgrade",
        "expect",
        "forwarded",
    ];
    let lower = name.to_ascii_lowercase();
    RESERVED.contains(&lower.as_str()) || lower.starts_with("x-forwarded-")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecBody {
    name: Option<String>,
    base_url: Option<String>,
    routes: Option<Vec<Route>>,
    auth: Option<Credentials>,
    ca_pem: Option<String>,
    timeout_ms: Option<i64>,
    api_keys: Option<Vec<String>>,
    client_certificate: Option<ClientCertificate>,
    require_use: Option<bool>,
}

/// A connection as a security admin registers it, checked.
#[derive(Debug)]
pub struct ConnectionSpec {
    pub name: String,
    pub base_url: BaseUrl,
    pub routes: Vec<Route>,
    pub auth: Option<Credentials>,
    /// A PEM CA certificate: when set, the only root trusted for this destination.
    pub ca_pem: Option<String>,
    pub timeout_ms: i64,
    /// The API keys that may forward through it (`None`: any key with the forward scope).
    pub api_keys: Option<Vec<String>>,
    /// The certificate Coffer presents to the destination (mTLS).
    pub client_certificate: Option<ClientCertificate>,
    /// Every forward a channel writes must name an approved use (an order's amount passed
    /// through the customer step-up policy); connector steps (vaulting, deleting) are exempt.
    pub require_use: bool,
}

impl ConnectionSpec {
    /// What gets sealed (the credentials and the client certificate's key), if anything.
    pub fn sealable(&self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        sealable(
            self.auth.as_ref(),
            self.client_certificate.as_ref().map(|c| &c.key_pem),
        )
    }

    pub fn parse(body: &[u8], policy: &HostPolicy) -> Result<ConnectionSpec, IntakeError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        let b: SpecBody =
            serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
        let name = b.name.ok_or_else(|| IntakeError::missing("name"))?;
        let name_ok = (1..=100).contains(&name.chars().count())
            && !name.chars().any(char::is_control)
            && !coffer_dlp::contains_card_number(&name);
        if !name_ok {
            return Err(IntakeError::invalid("name"));
        }
        let base_url = BaseUrl::parse(
            &b.base_url.ok_or_else(|| IntakeError::missing("base_url"))?,
            policy,
        )?;
        let routes = b.routes.ok_or_else(|| IntakeError::missing("routes"))?;
        if routes.is_empty() || routes.len() > MAX_ROUTES {
            return Err(IntakeError::invalid("routes"));
        }
        let routes = routes
            .into_iter()
            .map(Route::check)
            .collect::<Result<Vec<_>, _>>()?;
        let auth = b.auth.map(Credentials::check).transpose()?;
        if let Some(pem) = &b.ca_pem
            && (pem.len() > 16_384
                || !reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                    .is_ok_and(|certs| certs.len() == 1))
        {
            return Err(IntakeError::invalid_because(
                "ca_pem",
                "give one PEM-encoded CA certificate",
            ));
        }
        let timeout_ms = b.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if !TIMEOUT_MS.contains(&timeout_ms) {
            return Err(IntakeError::invalid_because(
                "timeout_ms",
                "between 100 and 60000 milliseconds",
            ));
        }
        if let Some(keys) = &b.api_keys {
            let ok = keys.len() <= 100
                && keys.iter().all(|k| {
                    k.len() <= 64
                        && k.strip_prefix("ak_").is_some_and(|r| {
                            !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric())
                        })
                });
            if !ok {
                return Err(IntakeError::invalid("api_keys"));
            }
        }
        let client_certificate = b
            .client_certificate
            .map(|c| c.check(crate::clock::now_millis() / 1000))
            .transpose()?;
        Ok(ConnectionSpec {
            name,
            base_url,
            routes,
            auth,
            ca_pem: b.ca_pem,
            timeout_ms,
            api_keys: b.api_keys,
            client_certificate,
            require_use: b.require_use.unwrap_or(false),
        })
    }
}

/// A connection as operators and API clients see it: never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionView {
    pub id: String,
    pub object: &'static str,
    pub name: String,
    pub base_url: String,
    pub routes: Vec<Route>,
    /// `bearer`, `basic`, `header` or `none`: the kind only.
    pub auth: String,
    pub pinned_ca: bool,
    pub timeout_ms: i64,
    pub api_keys: Option<Vec<String>>,
    /// The certificate Coffer presents (mTLS): subject, expiry, fingerprint; never its key.
    pub client_certificate: Option<ClientCertView>,
    /// Forwards written by a channel must name an approved use.
    pub require_use: bool,
    pub created_by: String,
    /// Unix seconds.
    pub created: i64,
    /// When its settings last changed (unix seconds), if ever.
    pub updated: Option<i64>,
    pub status: &'static str,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> Result<ConnectionSpec, IntakeError> {
        ConnectionSpec::parse(v.to_string().as_bytes(), &HostPolicy::default())
    }

    fn stripe() -> serde_json::Value {
        json!({
            "name": "Stripe",
            "base_url": "https://api.stripe.com",
            "routes": [{"method": "post", "path": "/v1/payment_methods"}, {"method": "POST", "path": "/v1/payment_intents*"}],
            "auth": {"type": "bearer", "token": "sk_test_123"},
        })
    }

    #[test]
    fn a_connection_parses_with_its_defaults() {
        let s = spec(stripe()).unwrap();
        assert_eq!(s.name, "Stripe");
        assert_eq!(s.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(s.routes[0].method, "POST");
        assert!(s.routes[0].allows("POST", "/v1/payment_methods"));
        assert!(!s.routes[0].allows("POST", "/v1/payment_methods/pm_1/attach"));
        assert!(!s.routes[0].allows("GET", "/v1/payment_methods"));
        assert!(s.routes[1].allows("POST", "/v1/payment_intents/pi_1/confirm"));
        let (name, value) = s.auth.as_ref().unwrap().header();
        assert_eq!(
            (name.as_str(), value.as_str()),
            ("authorization", "Bearer sk_test_123")
        );
        assert!(!format!("{s:?}").contains("sk_test_123"));
    }

    #[test]
    fn basic_credentials_are_encoded() {
        let mut b = stripe();
        b["auth"] = json!({"type": "basic", "username": "pub", "password": "priv"});
        let (_, value) = spec(b).unwrap().auth.unwrap().header();
        assert_eq!(value.as_str(), "Basic cHViOnByaXY=");
    }

    #[test]
    fn bad_connections_name_the_field() {
        let cases = [
            ("name", json!(null)),
            ("base_url", json!("http://api.stripe.com")),
            ("routes", json!([])),
            ("routes[path]", json!([{"method": "POST", "path": "v1"}])),
            (
                "routes[path]",
                json!([{"method": "POST", "path": "/v1/../admin"}]),
            ),
            (
                "routes[path]",
                json!([{"method": "POST", "path": "/v1/4242424242424242"}]),
            ),
            (
                "routes[method]",
                json!([{"method": "TRACE", "path": "/v1"}]),
            ),
            (
                "auth",
                json!({"type": "header", "name": "Host", "value": "x"}),
            ),
            ("auth", json!({"type": "bearer", "token": ""})),
            ("ca_pem", json!("not a certificate")),
            ("timeout_ms", json!(5)),
            ("api_keys", json!(["key"])),
        ];
        for (field, value) in cases {
            let mut b = stripe();
            let key = field.split('[').next().unwrap();
            b[key] = value;
            let err = spec(b).unwrap_err();
            assert_eq!(err.param.as_deref(), Some(field), "{field}");
        }
    }

    #[test]
    fn sealed_secrets_round_trip_and_older_bare_credentials_still_open() {
        let auth = Credentials::Bearer {
            token: SecretString::from("sk_test_9"),
        };
        let key = SecretString::from("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----");
        let both = sealable(Some(&auth), Some(&key)).unwrap();
        let opened = Secrets::from_opened(&both).unwrap();
        let (_, value) = opened.auth.as_ref().unwrap().header();
        assert_eq!(value.as_str(), "Bearer sk_test_9");
        assert_eq!(
            opened.client_key_pem.as_ref().unwrap().expose_secret(),
            key.expose_secret()
        );
        assert!(!format!("{opened:?}").contains("sk_test_9"));
        let key_only = Secrets::from_opened(&sealable(None, Some(&key)).unwrap()).unwrap();
        assert!(key_only.auth.is_none() && key_only.client_key_pem.is_some());
        let legacy = Secrets::from_opened(&auth.to_sealable()).unwrap();
        assert_eq!(legacy.auth.unwrap().kind(), "bearer");
        assert!(legacy.client_key_pem.is_none());
        assert!(sealable(None, None).is_none());
        assert!(Secrets::from_opened(b"[1]").is_none());
    }

    #[test]
    fn reserved_headers_and_paths() {
        for h in [
            "Authorization",
            "host",
            "Content-Length",
            "X-Forwarded-For",
            "cookie",
        ] {
            assert!(is_reserved_header(h), "{h}");
        }
        assert!(!is_reserved_header("Stripe-Version"));
        assert!(is_path("/v1/customers/cus_1/sources"));
        assert!(!is_path("/v1/x?y=1"));
        assert!(!is_path("/v1/a b"));
        assert!(!is_path("/v1/payment_intents/%2e%2e/%2e%2e/v1/customers"));
        assert!(!is_path(
            "/v1/%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32"
        ));
        assert!(!is_path("//evil.example/x"));
    }
}
