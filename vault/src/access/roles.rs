//! Staff roles and what each may do: the role × permission table, in one place (PCI DSS 7.2.1,
//! 7.2.2: least privilege by job function, default deny). Revealing a full PAN is deliberately
//! in no role: it is a separate grant made on purpose to a named person.

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Finds customers and their payment methods (masked); deletes on a customer's request.
    SupportAgent,
    /// Audit history and posture; no card numbers.
    ComplianceOfficer,
    /// Staff accounts, roles and API keys; no card data.
    SecurityAdmin,
}

/// Something a staff member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Search and read payment methods, masked (BIN + last 4 at most).
    PaymentMethodsRead,
    /// Read a payment method's audit history.
    PaymentMethodsHistory,
    /// See a full PAN (IBAN, account number). Never part of a role.
    PaymentMethodsReveal,
    /// Crypto-shred a payment method.
    PaymentMethodsDelete,
    /// Send a customer a link to re-verify or replace a card (an agent's task: it contacts the
    /// customer, which a read-only compliance role must not do).
    PaymentMethodsReverify,
    /// Change a method's non-secret details: billing details, metadata, nickname.
    PaymentMethodsEdit,
    /// Read the audit log.
    AuditRead,
    /// Create, disable and change staff accounts and their roles.
    UsersManage,
    /// Create, list and revoke the channels' API keys.
    ApiKeysManage,
}

impl Role {
    pub const ALL: [Role; 3] = [
        Role::SupportAgent,
        Role::ComplianceOfficer,
        Role::SecurityAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SupportAgent => "support_agent",
            Role::ComplianceOfficer => "compliance_officer",
            Role::SecurityAdmin => "security_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role allows: the role × permission table.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::SupportAgent => &[
                PaymentMethodsRead,
                PaymentMethodsHistory,
                PaymentMethodsDelete,
                PaymentMethodsReverify,
                PaymentMethodsEdit,
            ],
            Role::ComplianceOfficer => &[PaymentMethodsRead, PaymentMethodsHistory, AuditRead],
            Role::SecurityAdmin => &[UsersManage, ApiKeysManage],
        }
    }
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::PaymentMethodsRead,
        Permission::PaymentMethodsHistory,
        Permission::PaymentMethodsReveal,
        Permission::PaymentMethodsDelete,
        Permission::PaymentMethodsReverify,
        Permission::PaymentMethodsEdit,
        Permission::AuditRead,
        Permission::UsersManage,
        Permission::ApiKeysManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::PaymentMethodsRead => "payment_methods.read",
            Permission::PaymentMethodsHistory => "payment_methods.history",
            Permission::PaymentMethodsReveal => "payment_methods.reveal",
            Permission::PaymentMethodsDelete => "payment_methods.delete",
            Permission::PaymentMethodsReverify => "payment_methods.reverify",
            Permission::PaymentMethodsEdit => "payment_methods.edit",
            Permission::AuditRead => "audit.read",
            Permission::UsersManage => "users.manage",
            Permission::ApiKeysManage => "api_keys.manage",
        }
    }
}

/// Parses a space-separated role list as stored; unknown names are dropped (default deny).
pub fn parse_roles(stored: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = stored.split_whitespace().filter_map(Role::parse).collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// The stored form of a role list.
pub fn format_roles(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(" ")
}
