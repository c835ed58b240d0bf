//! The console's view models: what crosses from the server to the browser. Masked data only
//! (BIN + last 4 at most, PCI DSS 3.4.1), except [`RevealedSecret`], the one type that carries a
//! clear number, returned once by the reveal server function and never cached.

use serde::{Deserialize, Serialize};

mod audit;
mod lifecycle;
mod relay;
mod timeline;

pub use audit::*;
pub use lifecycle::*;
pub use relay::*;
pub use timeline::*;

/// Where the signed-in (or half signed-in) staff member stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    /// No session: show the sign-in form.
    SignedOut,
    /// Password accepted; the TOTP (or a recovery code) is still due.
    NeedsMfa { email: String },
    /// An issued (one-time) password must be replaced before anything else (PCI DSS 8.3.5).
    NeedsPasswordChange { email: String },
    /// No authenticator yet: enrol one before anything else (PCI DSS 8.4.2).
    NeedsMfaEnrolment { email: String },
    /// Fully signed in.
    SignedIn(Me),
}

impl SessionState {
    /// The page this state belongs on (where a page for another state sends the user).
    pub fn home(&self) -> &'static str {
        match self {
            SessionState::SignedOut => "/login",
            SessionState::NeedsMfa { .. } => "/login/mfa",
            SessionState::NeedsPasswordChange { .. } => "/account/password",
            SessionState::NeedsMfaEnrolment { .. } => "/account/mfa",
            SessionState::SignedIn(_) => "/",
        }
    }
}

/// The signed-in staff member and what the console may offer them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    /// Role names: `support_agent`, `compliance_officer`, `security_admin`.
    pub roles: Vec<String>,
    /// Permission names the roles (and the separate reveal grant) give, e.g.
    /// `payment_methods.read`, `payment_methods.reveal`, `users.manage`, `api_keys.manage`,
    /// `audit.read`.
    pub permissions: Vec<String>,
    /// A step-up (fresh TOTP) is valid until this time (unix ms), if one was made recently.
    pub step_up_until: Option<i64>,
    /// The session ends after this many seconds without a request (PCI DSS 8.2.8).
    pub idle_timeout_secs: u64,
    /// Signed in with a recovery code minutes ago: may replace their own authenticator.
    #[serde(default)]
    pub can_replace_authenticator: bool,
}

impl Me {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }
}

/// A TOTP enrolment in progress: the authenticator's key as a QR code and as text, and the
/// recovery codes that become valid when the enrolment is confirmed (shown this once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub email: String,
    /// Base32 key for manual entry, grouped in fours.
    pub manual_key: String,
    /// The `otpauth://` URI the QR code encodes.
    pub otpauth_uri: String,
    /// The QR code: `size` × `size` modules; `path` is SVG path data drawing the dark modules
    /// in a `0 0 size size` view box (quiet zone included).
    pub qr_size: u32,
    pub qr_path: String,
    pub recovery_codes: Vec<String>,
}

/// One payment method as a console row: masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub id: String,
    pub customer: String,
    /// `card`, `sepa_debit`, `us_bank_account`, `alipay`.
    pub kind: String,
    /// E.g. "Visa", "SEPA Direct Debit", "Alipay".
    pub label: String,
    /// BIN + last 4 at most, e.g. "424242 •••• 4242", or "DE89 •••• 3000", or "•••• 6789".
    pub masked: String,
    /// "12/2030" for cards, `None` otherwise.
    pub expiry: Option<String>,
    /// The card has expired or ends within the vault's alert window (its longest lead time).
    pub expiring_soon: bool,
    /// `active` or `shredded`.
    pub status: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The channel (API client name) that stored it.
    pub channel: String,
}

/// What the search box found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    /// How the query was read: "customer", "token", "bin_last4", "last4".
    pub interpreted_as: String,
    pub methods: Vec<MethodSummary>,
    /// Results were cut at the limit.
    pub truncated: bool,
}

/// A customer's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub reference: String,
    pub methods: Vec<MethodSummary>,
    /// Re-verification links sent to this customer, newest first.
    #[serde(default)]
    pub reverifications: Vec<ReverifyItem>,
}

/// One line of a payment method's history (from the audit table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// RFC 3339 UTC.
    pub at: String,
    pub action: String,
    /// `success`, `denied`, `failure`.
    pub outcome: String,
    /// "staff ada@example.com", "api_client web-checkout", …
    pub actor: String,
    pub channel: Option<String>,
    pub reason: Option<String>,
    pub origin_ip: Option<String>,
}

/// A payment method's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDetail {
    pub summary: MethodSummary,
    /// Extra masked facts as (label, value): holder name, country, funding, BIC, …
    pub facts: Vec<(String, String)>,
    /// Newest first. Empty if the viewer may not read history.
    pub history: Vec<HistoryEntry>,
    pub can_reveal: bool,
    pub can_delete: bool,
    /// The details form's current values, when the viewer may edit them (a live method).
    #[serde(default)]
    pub editable: Option<MethodDetails>,
}

/// A method's non-secret details as the edit form shows and sends them (empty: not set).
/// Metadata is one `key=value` per line; the nickname is kept as metadata `nickname`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MethodDetails {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub nickname: String,
    pub metadata: String,
}

/// A card-collection link for a caller, shown to the agent once (it is the caller's key to the
/// card form; `Debug` hides it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionLink {
    pub url: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
}

impl std::fmt::Debug for CollectionLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CollectionLink(<hidden>, until {})", self.expires_at)
    }
}

/// Why a member changes a method's details: (code, label).
pub const EDIT_REASONS: [(&str, &str); 3] = [
    ("customer_request", "The customer asked"),
    ("correction", "Correcting wrong details"),
    ("fraud_review", "Fraud or dispute review"),
];

/// The clear details of a payment method, returned once by `reveal_payment_method`: each value
/// in zeroizing memory, wiped when the panel lets go of it. `Debug` never prints the values.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealedSecret {
    /// (label, value) pairs such as ("Card number", the full number), labelled by the vault.
    pub fields: Vec<(String, zeroize::Zeroizing<String>)>,
}

impl std::fmt::Debug for RevealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RevealedSecret(<{} hidden fields>)", self.fields.len())
    }
}

/// A staff account as security admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub roles: Vec<String>,
    pub can_reveal: bool,
    pub mfa_enrolled: bool,
    /// `active`, `locked`, `disabled`, `password_change_required`.
    pub status: String,
    pub locked_until: Option<String>,
    pub disabled_reason: Option<String>,
    pub last_active_at: Option<String>,
    pub created_at: String,
}

/// An account just created or reset: its one-time password, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedPassword {
    pub user_id: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for IssuedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedPassword({}, <hidden>)", self.email)
    }
}

/// The customer step-up policy as security admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpPolicyView {
    /// "web, ≥ 500.00 EUR", in the order they are checked.
    pub rules: Vec<String>,
    /// `decline` or `approve`: a use that needs a step-up from a customer with no factor.
    pub unenrolled: String,
    pub merchant_name: String,
    pub public_url: String,
    /// Whether passkeys can be offered (the public URL has a domain name).
    pub passkeys: bool,
}

/// An API key as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
    /// `active`, `pending_approval` (a reveal or OMS-wide key waiting for a second security
    /// admin), `expired` or `revoked`.
    pub status: String,
    /// Who issued it (a staff email, or `coffer-cli`).
    pub created_by: Option<String>,
    pub approved_by: Option<String>,
    pub expires_at: Option<String>,
    /// CIDRs it may be used from; empty: anywhere.
    pub allowed_ips: Vec<String>,
    /// Waiting, and issued by someone else: the viewer may approve it.
    pub can_approve: bool,
}

/// What the issuing form sends.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKeyRequest {
    pub name: String,
    pub scopes: Vec<String>,
    /// Days until it stops working; `None`: no expiry.
    pub expires_days: Option<u32>,
    /// CIDRs, comma- or space-separated; empty: anywhere.
    pub allowed_ips: String,
    pub code: Option<String>,
}

impl std::fmt::Debug for NewApiKeyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewApiKeyRequest({}, {:?})", self.name, self.scopes)
    }
}

/// A new API key with its secret, shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedApiKey {
    pub id: String,
    pub name: String,
    pub secret: String,
    /// It works only once another security admin approves it.
    pub pending_approval: bool,
}

impl std::fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedApiKey({}, <hidden>)", self.id)
    }
}

/// The roles a security admin can grant, with what each is for (one place for the UI).
pub const ROLES: [(&str, &str); 3] = [
    (
        "support_agent",
        "Support agent: find customers and their payment methods (masked)",
    ),
    (
        "compliance_officer",
        "Compliance officer: audit history and posture, no card numbers",
    ),
    (
        "security_admin",
        "Security admin: staff accounts, roles and API keys",
    ),
];

/// The API-key scopes a security admin can give a channel.
pub const SCOPES: [&str; 9] = [
    "payment_methods:read",
    "payment_methods:write",
    "payment_methods:reveal",
    "payment_methods:use",
    "customers:mfa",
    "webhooks:manage",
    "channels:all",
    "payment_methods:forward",
    "connections:manage",
];
