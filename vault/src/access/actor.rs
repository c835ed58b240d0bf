//! Who is acting. An `Actor` is made only inside the vault, by the step that authenticated it
//! (an API key checked, a staff session's account read, a customer's link redeemed), so code
//! outside cannot make up a staff member with the reveal grant or a key with more scopes. The
//! two values anyone may name are harmless (`SERVICE`, `ANONYMOUS`: no action is granted to
//! them), and the host's command line has one loudly named way in.
//!
//! Outside the vault, a staff member with the reveal grant cannot be made up…
//!
//! ```compile_fail
//! use coffer_vault::access::{Actor, StaffActor};
//! let forged = Actor::staff(StaffActor {
//!     user_id: "usr_x".into(),
//!     email: "x@example.com".into(),
//!     roles: vec![],
//!     can_reveal: true,
//!     stepped_up: true,
//! });
//! ```
//!
//! …nor a key with a scope it was not issued:
//!
//! ```compile_fail
//! use coffer_vault::access::{Actor, Scope};
//! let forged = Actor::api_client("ak_x".into(), "web".into(), vec![Scope::AllChannels]);
//! ```

use super::{Permission, Role, Scope};

/// Who is acting (opaque outside the vault; see the module's note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub(crate) Who);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Who {
    /// An OMS channel system authenticated by API key.
    ApiClient {
        key_id: String,
        name: String,
        scopes: Vec<Scope>,
    },
    /// A person signed in to the console with password and MFA.
    Staff(StaffActor),
    /// A customer holding one of their links (possession of the link is their credential; the
    /// reference is the OMS's). Customers act only through the vault's customer methods.
    Customer { reference: String },
    /// Someone with shell access to the host, running the `coffer` command line (bootstrap
    /// tasks such as creating the first API key). Never reachable over HTTP.
    HostOperator,
    /// Coffer itself (start and stop of the service, scheduled jobs).
    Service,
    /// A caller whose credentials were missing or wrong (recorded on failed authentication).
    Anonymous,
}

/// A signed-in staff member as the access check sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub user_id: String,
    pub email: String,
    pub roles: Vec<Role>,
    /// The separate, personal grant to see full PANs.
    pub can_reveal: bool,
    /// A fresh TOTP code was verified within the step-up window.
    pub stepped_up: bool,
}

impl StaffActor {
    /// Every permission the roles and the reveal grant give.
    pub fn permissions(&self) -> Vec<Permission> {
        let mut out: Vec<Permission> = self
            .roles
            .iter()
            .flat_map(|r| r.permissions().iter().copied())
            .collect();
        if self.can_reveal {
            out.push(Permission::PaymentMethodsReveal);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl Actor {
    /// Coffer itself: scheduled jobs, start and stop. Granted no action.
    pub const SERVICE: Actor = Actor(Who::Service);
    /// Failed authentication. Granted no action.
    pub const ANONYMOUS: Actor = Actor(Who::Anonymous);

    /// The operator at the host's shell, for the `coffer` subcommands that may create API
    /// keys and staff accounts or rotate keys. Only `main` of the command line may call this:
    /// nothing that serves a request ever does.
    pub fn host_shell_operator() -> Actor {
        Actor(Who::HostOperator)
    }

    pub(crate) fn api_client(key_id: String, name: String, scopes: Vec<Scope>) -> Actor {
        Actor(Who::ApiClient {
            key_id,
            name,
            scopes,
        })
    }

    pub(crate) fn staff(staff: StaffActor) -> Actor {
        Actor(Who::Staff(staff))
    }

    pub(crate) fn customer(reference: impl Into<String>) -> Actor {
        Actor(Who::Customer {
            reference: reference.into(),
        })
    }

    /// The staff member, if a staff member is acting.
    pub fn as_staff(&self) -> Option<&StaffActor> {
        match &self.0 {
            Who::Staff(s) => Some(s),
            _ => None,
        }
    }

    /// The key's scopes, if an API client is acting.
    pub fn scopes(&self) -> Option<&[Scope]> {
        match &self.0 {
            Who::ApiClient { scopes, .. } => Some(scopes),
            _ => None,
        }
    }

    pub fn is_api_client(&self) -> bool {
        matches!(self.0, Who::ApiClient { .. })
    }

    pub fn is_host_shell_operator(&self) -> bool {
        matches!(self.0, Who::HostOperator)
    }

    pub fn kind(&self) -> &'static str {
        match &self.0 {
            Who::ApiClient { .. } => "api_client",
            Who::Staff(_) => "staff",
            Who::Customer { .. } => "customer",
            Who::HostOperator => "system",
            Who::Anonymous => "anonymous",
            Who::Service => "service",
        }
    }

    pub fn id(&self) -> &str {
        match &self.0 {
            Who::ApiClient { key_id, .. } => key_id,
            Who::Staff(staff) => &staff.user_id,
            Who::Customer { reference } => reference,
            Who::HostOperator => "coffer-cli",
            Who::Anonymous => "-",
            Who::Service => "coffer",
        }
    }

    /// The channel an action came through (the API client's name, or the console).
    pub fn channel(&self) -> &str {
        match &self.0 {
            Who::ApiClient { name, .. } => name,
            Who::Staff(_) => "console",
            Who::Customer { .. } => "customer",
            Who::HostOperator => "cli",
            Who::Anonymous => "unknown",
            Who::Service => "coffer",
        }
    }
}
