//! Who may do what. `authorize` is the only way to obtain a `Grant`, and every privileged vault
//! operation takes one, so a handler cannot reach card data without passing the check.

mod actor;
mod channel;
mod roles;

pub(crate) use actor::Who;
pub use actor::{Actor, StaffActor};
pub use channel::Reach;
pub use roles::{Permission, Role, format_roles, parse_roles};

use std::fmt;
use std::marker::PhantomData;

/// A permission an API client can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    PaymentMethodsRead,
    PaymentMethodsWrite,
    PaymentMethodsReveal,
    /// Ask to use a stored method (and so, above the policy's threshold, for a step-up).
    PaymentMethodsUse,
    /// Issue customers' MFA enrolment links.
    CustomersMfa,
    /// Register webhook endpoints.
    WebhooksManage,
    /// OMS-wide: reach every channel's methods, uses, mandates and endpoints (each such access
    /// audited as cross-channel). Issued by a security admin only with a second one's approval.
    AllChannels,
    /// Send stored methods' details to a registered connection (the relay) without seeing them.
    PaymentMethodsForward,
    /// Register and disable the relay's connections. Issued only with a second security admin's
    /// approval: with it and the forward scope, a key could send card data anywhere.
    ConnectionsManage,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::PaymentMethodsRead,
        Scope::PaymentMethodsWrite,
        Scope::PaymentMethodsReveal,
        Scope::PaymentMethodsUse,
        Scope::CustomersMfa,
        Scope::WebhooksManage,
        Scope::AllChannels,
        Scope::PaymentMethodsForward,
        Scope::ConnectionsManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PaymentMethodsRead => "payment_methods:read",
            Scope::PaymentMethodsWrite => "payment_methods:write",
            Scope::PaymentMethodsReveal => "payment_methods:reveal",
            Scope::PaymentMethodsUse => "payment_methods:use",
            Scope::CustomersMfa => "customers:mfa",
            Scope::WebhooksManage => "webhooks:manage",
            Scope::AllChannels => "channels:all",
            Scope::PaymentMethodsForward => "payment_methods:forward",
            Scope::ConnectionsManage => "connections:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }

    /// Scopes that reach card data beyond a channel's own masked view: a key holding one is
    /// issued from the console only once a second security admin approves it.
    pub fn needs_second_approval(self) -> bool {
        matches!(
            self,
            Scope::PaymentMethodsReveal | Scope::AllChannels | Scope::ConnectionsManage
        )
    }
}

/// An action that needs authorisation: its audit name, the scope an API client needs (if API
/// clients may do it at all), the permission a staff member needs (likewise), and whether staff
/// must have stepped up with a fresh TOTP code.
pub trait Action {
    const NAME: &'static str;
    const SCOPE: Option<Scope>;
    const STAFF: Option<Permission>;
    const STEP_UP: bool;
}

macro_rules! actions {
    ($($(#[$doc:meta])* $ty:ident => $name:literal, $scope:expr, $staff:expr, $step_up:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty;
        impl Action for $ty {
            const NAME: &'static str = $name;
            const SCOPE: Option<Scope> = $scope;
            const STAFF: Option<Permission> = $staff;
            const STEP_UP: bool = $step_up;
        }
    )*};
}

use Permission as P;
use Scope as S;

actions! {
    /// Store a new payment method (channels only).
    Tokenize => "payment_method.create", Some(S::PaymentMethodsWrite), None, false;
    /// Validate a payment method without storing it (channels only).
    Validate => "payment_method.validate", Some(S::PaymentMethodsWrite), None, false;
    /// Read (search, list) masked payment methods.
    ReadPaymentMethod => "payment_method.read", Some(S::PaymentMethodsRead), Some(P::PaymentMethodsRead), false;
    /// Read a payment method's audit history.
    ReadPaymentMethodHistory => "payment_method.history", None, Some(P::PaymentMethodsHistory), false;
    /// Read a customer's timeline (methods, uses, mandates, links, webhooks, audit events).
    ReadCustomerTimeline => "customer.timeline", None, Some(P::PaymentMethodsHistory), false;
    /// Read a full PAN (or IBAN, account number) in clear.
    RevealPaymentMethod => "payment_method.reveal", Some(S::PaymentMethodsReveal), Some(P::PaymentMethodsReveal), true;
    /// Change a method's billing details, metadata or nickname (staff, with a reason code).
    EditPaymentMethod => "payment_method.update", None, Some(P::PaymentMethodsEdit), false;
    /// Send a caller a card-collection link (MOTO: the caller types the card, not the agent).
    IssueCardCollection => "customer.card_collection_create", None, Some(P::PaymentMethodsReverify), false;
    /// Crypto-shred a payment method.
    DeletePaymentMethod => "payment_method.delete", Some(S::PaymentMethodsWrite), Some(P::PaymentMethodsDelete), true;
    /// List staff accounts.
    ListUsers => "user.list", None, Some(P::UsersManage), false;
    /// Create a staff account.
    CreateUser => "user.create", None, Some(P::UsersManage), true;
    /// Change an account's roles or reveal grant.
    GrantAccess => "user.access_change", None, Some(P::UsersManage), true;
    /// Disable or re-enable an account.
    DisableUser => "user.disable", None, Some(P::UsersManage), true;
    /// Remove an account's authenticator.
    ResetMfa => "user.mfa_reset", None, Some(P::UsersManage), true;
    /// Issue an account a new one-time password (optionally resetting its authenticator too).
    ResetPassword => "user.password_reset", None, Some(P::UsersManage), true;
    /// List API keys.
    ListApiKeys => "api_key.list", None, Some(P::ApiKeysManage), false;
    /// Create an API key.
    CreateApiKey => "api_key.create", None, Some(P::ApiKeysManage), true;
    /// Revoke an API key.
    RevokeApiKey => "api_key.revoke", None, Some(P::ApiKeysManage), true;
    /// Approve a reveal or OMS-wide key another security admin issued (dual control).
    ApproveApiKey => "api_key.approve", None, Some(P::ApiKeysManage), true;
    /// Search and read the audit log, its chain status and the review queue.
    ReadAuditLog => "audit.search", None, Some(P::AuditRead), false;
    /// Export audit search results (signed files leave the system).
    ExportAuditLog => "audit.export", None, Some(P::AuditRead), true;
    /// Ask to use a stored method for an order (the step-up policy decides).
    UsePaymentMethod => "payment_method.use", Some(S::PaymentMethodsUse), None, false;
    /// Read a use's status.
    ReadPaymentMethodUse => "payment_method.use_read", Some(S::PaymentMethodsUse), None, false;
    /// Issue a customer an MFA enrolment link.
    CreateEnrolmentLink => "customer_mfa.link_create", Some(S::CustomersMfa), None, false;
    /// Register a webhook endpoint (its signing secret is shown once).
    ManageWebhooks => "webhook_endpoint.create", Some(S::WebhooksManage), None, false;
    /// See the customer step-up policy (security admins).
    ReadStepUpPolicy => "step_up_policy.read", None, Some(P::UsersManage), false;
    /// Mark a daily-review flag reviewed.
    ReviewAuditFlag => "audit.flag_review", None, Some(P::AuditRead), false;
    /// See the expiry dashboard and its list (masked), and export it.
    ViewExpiryDashboard => "lifecycle.dashboard", None, Some(P::PaymentMethodsRead), false;
    /// Send a customer a re-verification link for a card (support agents, not compliance).
    IssueReverification => "payment_method.reverification_create", Some(S::PaymentMethodsWrite), Some(P::PaymentMethodsReverify), false;
    /// List dead webhook deliveries and replay them.
    ManageWebhookDeliveries => "webhook_delivery.replay", None, Some(P::ApiKeysManage), false;
    /// List webhook endpoints with their queues, and disable one (channels and security admins).
    ManageWebhookEndpoints => "webhook_endpoint.manage", Some(S::WebhooksManage), Some(P::ApiKeysManage), false;
    /// Set a customer's default method.
    SetDefaultPaymentMethod => "payment_method.default_set", Some(S::PaymentMethodsWrite), None, false;
    /// Register a relay connection (its credentials are never shown again).
    CreateConnection => "connection.create", Some(S::ConnectionsManage), Some(P::ApiKeysManage), true;
    /// Change a relay connection's settings or replace its credentials (never its destination).
    EditConnection => "connection.update", Some(S::ConnectionsManage), Some(P::ApiKeysManage), true;
    /// List relay connections and disable one.
    ManageConnections => "connection.manage", Some(S::ConnectionsManage), Some(P::ApiKeysManage), false;
    /// Forward a request with stored methods' details substituted to a registered connection.
    ForwardPaymentMethod => "payment_method.forward", Some(S::PaymentMethodsForward), None, false;
}

/// Proof that `actor` passed the check for action `A`. Only this module can make one.
pub struct Grant<A: Action> {
    actor: Actor,
    _action: PhantomData<fn() -> A>,
}

impl<A: Action> Grant<A> {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

impl<A: Action> fmt::Debug for Grant<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Grant<{}>({} {})",
            A::NAME,
            self.actor.kind(),
            self.actor.id()
        )
    }
}

/// The check failed: the actor lacks what the action requires (a scope, a permission, or a
/// fresh step-up).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} requires {required}")]
pub struct Denied {
    pub action: &'static str,
    pub required: &'static str,
    /// Only the step-up was missing: the permission is there.
    pub step_up: bool,
}

/// What a denial says is missing when only the step-up is.
pub const STEP_UP: &str = "a fresh MFA step-up";

/// Default deny: grants `A` only if the actor holds exactly what `A` requires.
pub fn authorize<A: Action>(actor: &Actor) -> Result<Grant<A>, Denied> {
    let missing = |required: &'static str, step_up: bool| Denied {
        action: A::NAME,
        required,
        step_up,
    };
    let none = "a permission no one holds";
    let result = match &actor.0 {
        Who::ApiClient { scopes, .. } => match A::SCOPE {
            Some(scope) if scopes.contains(&scope) => Ok(()),
            Some(scope) => Err(missing(scope.as_str(), false)),
            None => Err(missing(none, false)),
        },
        Who::Staff(staff) => match A::STAFF {
            Some(p) if !staff.has(p) => Err(missing(p.as_str(), false)),
            Some(_) if A::STEP_UP && !staff.stepped_up => Err(missing(STEP_UP, true)),
            Some(_) => Ok(()),
            None => Err(missing(none, false)),
        },
        Who::HostOperator | Who::Anonymous | Who::Service | Who::Customer { .. } => {
            Err(missing(none, false))
        }
    };
    result.map(|()| Grant {
        actor: actor.clone(),
        _action: PhantomData,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn client(scopes: &[Scope]) -> Actor {
        Actor::api_client("ak_1".into(), "web".into(), scopes.to_vec())
    }

    fn allowed<A: Action>(actor: &Actor) -> bool {
        authorize::<A>(actor).is_ok()
    }

    #[test]
    fn every_action_against_every_single_scope() {
        // (scope held, tokenize, validate, read, reveal, delete)
        let table = [
            (
                Scope::PaymentMethodsRead,
                [false, false, true, false, false],
            ),
            (Scope::PaymentMethodsWrite, [true, true, false, false, true]),
            (
                Scope::PaymentMethodsReveal,
                [false, false, false, true, false],
            ),
        ];
        for (scope, expected) in table {
            let actor = client(&[scope]);
            let got = [
                allowed::<Tokenize>(&actor),
                allowed::<Validate>(&actor),
                allowed::<ReadPaymentMethod>(&actor),
                allowed::<RevealPaymentMethod>(&actor),
                allowed::<DeletePaymentMethod>(&actor),
            ];
            assert_eq!(got, expected, "scope {scope:?}");
        }
    }

    fn staff(roles: &[Role], can_reveal: bool, stepped_up: bool) -> Actor {
        Actor::staff(StaffActor {
            user_id: "usr_1".into(),
            email: "a@example.com".into(),
            roles: roles.to_vec(),
            can_reveal,
            stepped_up,
        })
    }

    /// Every action, in a fixed order, with whether `actor` may do it.
    fn walk(actor: &Actor) -> Vec<(&'static str, bool)> {
        macro_rules! each {
            ($($a:ident),*) => { vec![$((<$a as Action>::NAME, allowed::<$a>(actor))),*] };
        }
        each!(
            Tokenize,
            Validate,
            ReadPaymentMethod,
            ReadPaymentMethodHistory,
            ReadCustomerTimeline,
            EditPaymentMethod,
            IssueCardCollection,
            RevealPaymentMethod,
            DeletePaymentMethod,
            ListUsers,
            CreateUser,
            GrantAccess,
            DisableUser,
            ResetMfa,
            ResetPassword,
            ListApiKeys,
            CreateApiKey,
            RevokeApiKey,
            ReadAuditLog,
            ExportAuditLog,
            ReviewAuditFlag,
            CreateConnection,
            EditConnection,
            ManageConnections
        )
    }

    /// (profile, actor, the same stepped up, allowed without step-up, allowed only stepped up)
    type Profile = (
        &'static str,
        Actor,
        Actor,
        &'static [&'static str],
        &'static [&'static str],
    );

    /// The role × action table as the product specifies it, written out independently of
    /// `Role::permissions`: for each staff profile, the actions allowed without a step-up and
    /// the further ones allowed once stepped up. Everything else must be denied.
    #[test]
    fn the_whole_role_by_action_table_allowed_and_denied() {
        let table: [Profile; 6] = [
            (
                "support_agent",
                staff(&[Role::SupportAgent], false, false),
                staff(&[Role::SupportAgent], false, true),
                &[
                    "payment_method.read",
                    "payment_method.history",
                    "customer.timeline",
                    "payment_method.update",
                    "customer.card_collection_create",
                ],
                &["payment_method.delete"],
            ),
            (
                "support_agent + reveal grant",
                staff(&[Role::SupportAgent], true, false),
                staff(&[Role::SupportAgent], true, true),
                &[
                    "payment_method.read",
                    "payment_method.history",
                    "customer.timeline",
                    "payment_method.update",
                    "customer.card_collection_create",
                ],
                &["payment_method.delete", "payment_method.reveal"],
            ),
            (
                "compliance_officer",
                staff(&[Role::ComplianceOfficer], false, false),
                staff(&[Role::ComplianceOfficer], false, true),
                &[
                    "payment_method.read",
                    "payment_method.history",
                    "customer.timeline",
                    "audit.search",
                    "audit.flag_review",
                ],
                &["audit.export"],
            ),
            (
                "security_admin",
                staff(&[Role::SecurityAdmin], false, false),
                staff(&[Role::SecurityAdmin], false, true),
                &["user.list", "api_key.list", "connection.manage"],
                &[
                    "user.create",
                    "user.access_change",
                    "user.disable",
                    "user.mfa_reset",
                    "user.password_reset",
                    "api_key.create",
                    "api_key.revoke",
                    "connection.create",
                    "connection.update",
                ],
            ),
            (
                "no role, reveal grant only",
                staff(&[], true, false),
                staff(&[], true, true),
                &[],
                &["payment_method.reveal"],
            ),
            (
                "no role",
                staff(&[], false, false),
                staff(&[], false, true),
                &[],
                &[],
            ),
        ];
        for (profile, plain, stepped, without_step_up, with_step_up_only) in table {
            for (name, ok) in walk(&plain) {
                assert_eq!(ok, without_step_up.contains(&name), "{profile}: {name}");
            }
            for (name, ok) in walk(&stepped) {
                let expected = without_step_up.contains(&name) || with_step_up_only.contains(&name);
                assert_eq!(ok, expected, "{profile} (stepped up): {name}");
            }
        }
    }

    #[test]
    fn a_missing_step_up_is_told_apart_from_a_missing_permission() {
        let denied = authorize::<RevealPaymentMethod>(&staff(&[], true, false)).unwrap_err();
        assert!(denied.step_up);
        let denied = authorize::<RevealPaymentMethod>(&staff(&[Role::SupportAgent], false, true))
            .unwrap_err();
        assert!(!denied.step_up);
        assert_eq!(denied.required, "payment_methods.reveal");
    }

    #[test]
    fn no_role_grants_reveal_and_roles_round_trip() {
        for role in Role::ALL {
            assert!(
                !role
                    .permissions()
                    .contains(&Permission::PaymentMethodsReveal)
            );
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(
            parse_roles("security_admin bogus support_agent support_agent"),
            vec![Role::SupportAgent, Role::SecurityAdmin]
        );
        assert_eq!(
            format_roles(&[Role::SecurityAdmin, Role::SupportAgent]),
            "security_admin support_agent"
        );
    }

    #[test]
    fn api_clients_never_get_staff_only_actions() {
        let all = client(&Scope::ALL);
        for (name, ok) in walk(&all) {
            let channel_action = matches!(
                name,
                "payment_method.create"
                    | "payment_method.validate"
                    | "payment_method.read"
                    | "payment_method.reveal"
                    | "payment_method.delete"
                    | "connection.create"
                    | "connection.update"
                    | "connection.manage"
            );
            assert_eq!(ok, channel_action, "{name}");
        }
    }

    #[test]
    fn no_scopes_and_the_system_operator_are_denied_everything() {
        for actor in [
            client(&[]),
            Actor::host_shell_operator(),
            Actor::ANONYMOUS,
            Actor::SERVICE,
        ] {
            assert!(!allowed::<Tokenize>(&actor));
            assert!(!allowed::<ReadPaymentMethod>(&actor));
            assert!(!allowed::<RevealPaymentMethod>(&actor));
        }
    }

    #[test]
    fn denial_names_the_missing_scope() {
        let denied =
            authorize::<RevealPaymentMethod>(&client(&[Scope::PaymentMethodsRead])).unwrap_err();
        assert_eq!(denied.required, "payment_methods:reveal");
        assert_eq!(denied.action, "payment_method.reveal");
    }

    #[test]
    fn scopes_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("payment_methods:*"), None);
    }
}
