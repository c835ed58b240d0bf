//! The relay's connections as the console shows them (never their credentials) and the form a
//! security admin registers one with.

use serde::{Deserialize, Serialize};

/// A connection as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    pub id: String,
    pub name: String,
    pub base_url: String,
    /// `POST /v1/payment_methods`, one per route.
    pub routes: Vec<String>,
    /// `bearer`, `basic`, `header` or `none`.
    pub auth: String,
    pub pinned_ca: bool,
    pub timeout_ms: i64,
    /// The API keys that may use it; empty: any key with the forward scope.
    pub api_keys: Vec<String>,
    /// The client certificate Coffer presents (mTLS): subject, expiry and fingerprint.
    pub client_certificate: Option<ClientCertificateSummary>,
    /// Forwards a channel writes must name an approved use.
    pub require_use: bool,
    pub created_by: String,
    pub created_at: String,
    /// When its settings last changed (RFC 3339), if ever.
    pub updated_at: Option<String>,
    /// `enabled` or `disabled`.
    pub status: String,
}

/// A client certificate as listed (never its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCertificateSummary {
    pub subject: String,
    /// RFC 3339.
    pub not_after: String,
    /// SHA-256 of the leaf, hex.
    pub sha256: String,
}

/// The registration form. Every credential field is secret: `Debug` shows none of them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConnectionRequest {
    pub name: String,
    pub base_url: String,
    /// One route a line: `METHOD /path` (a path may end in `*`).
    pub routes: String,
    /// `none`, `bearer`, `basic` or `header`.
    pub auth_type: String,
    pub token: String,
    pub username: String,
    pub password: String,
    pub header_name: String,
    pub header_value: String,
    pub ca_pem: String,
    /// The client certificate chain (PEM) for mTLS, and its key; both blank for none.
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub timeout_ms: String,
    /// Key ids (`ak_…`), comma- or space-separated; empty: any key with the forward scope.
    pub api_keys: String,
    pub require_use: bool,
    pub code: Option<String>,
}

impl std::fmt::Debug for NewConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NewConnectionRequest({}, {}, {}, <hidden>)",
            self.name, self.base_url, self.auth_type
        )
    }
}

/// The change form: every field blank or `keep` leaves that setting as it is. Credential fields
/// are secret: `Debug` shows none of them.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditConnectionRequest {
    pub id: String,
    pub name: String,
    /// One route a line; blank keeps the routes.
    pub routes: String,
    /// `keep`, `none`, `bearer`, `basic` or `header`.
    pub auth_type: String,
    pub token: String,
    pub username: String,
    pub password: String,
    pub header_name: String,
    pub header_value: String,
    /// A new pinned CA; blank keeps it.
    pub ca_pem: String,
    pub remove_ca: bool,
    /// A new client certificate and key; blank keeps it.
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub remove_client_certificate: bool,
    pub timeout_ms: String,
    /// Key ids; blank keeps them; `any` lets any key with the forward scope use it.
    pub api_keys: String,
    /// `keep`, `yes` or `no`.
    pub require_use: String,
    pub code: Option<String>,
}

impl std::fmt::Debug for EditConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EditConnectionRequest({}, {}, <hidden>)",
            self.id, self.auth_type
        )
    }
}
