//! Customers' second factors for high-value uses of their stored methods: the step-up policy,
//! the single-use links a customer opens, and the settings that name the merchant and the site.

pub mod csp;
pub mod link;
pub mod passkey;
pub mod policy;

pub use link::{LinkPurpose, LinkToken};
pub use policy::{Amount, Channel, Currency, StepUpPolicy, StepUpRule, Unenrolled};

/// What the customer-facing side of the vault needs to know.
#[derive(Debug, Clone)]
pub struct CustomerSettings {
    /// The step-up rules.
    pub policy: StepUpPolicy,
    /// The site's public base URL (`https://vault.example.com`): links are built on it, and a
    /// passkey is bound to its host (the relying party) and origin.
    pub public_url: String,
    /// The name customers see on their pages.
    pub merchant_name: String,
    /// API clients must name an approved use in every reveal (so every card an OMS receives
    /// passed the step-up policy).
    pub reveal_requires_use: bool,
    /// Accept webhook URLs over plain HTTP or on loopback and private addresses (development
    /// and tests only: in production such an endpoint could point the vault at internal hosts).
    pub insecure_webhooks: bool,
}

impl Default for CustomerSettings {
    fn default() -> Self {
        CustomerSettings {
            policy: StepUpPolicy::default(),
            public_url: "http://localhost:3000".into(),
            merchant_name: "Coffer demo shop".into(),
            reveal_requires_use: false,
            insecure_webhooks: false,
        }
    }
}
