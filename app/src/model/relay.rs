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
    pub created_by: String,
    pub created_at: String,
    /// `enabled` or `disabled`.
    pub status: String,
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
    pub timeout_ms: String,
    /// Key ids (`ak_…`), comma- or space-separated; empty: any key with the forward scope.
    pub api_keys: String,
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
