//! Who may do what. `authorize` is the only way to obtain a `Grant`, and every privileged vault
//! operation takes one, so a handler cannot reach card data without passing the check.

use std::fmt;
use std::marker::PhantomData;

/// A permission an API client can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    PaymentMethodsRead,
    PaymentMethodsWrite,
    PaymentMethodsReveal,
}

impl Scope {
    pub const ALL: [Scope; 3] = [
        Scope::PaymentMethodsRead,
        Scope::PaymentMethodsWrite,
        Scope::PaymentMethodsReveal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PaymentMethodsRead => "payment_methods:read",
            Scope::PaymentMethodsWrite => "payment_methods:write",
            Scope::PaymentMethodsReveal => "payment_methods:reveal",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An OMS channel system authenticated by API key.
    ApiClient {
        key_id: String,
        name: String,
        scopes: Vec<Scope>,
    },
    /// Coffer itself, acting from the command line of someone with shell access to the host
    /// (bootstrap tasks such as creating the first API key). Never reachable over HTTP.
    SystemOperator,
    /// Coffer itself (start and stop of the service, scheduled jobs).
    Service,
    /// A caller whose credentials were missing or wrong (recorded on failed authentication).
    Anonymous,
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::ApiClient { .. } => "api_client",
            Actor::SystemOperator => "system",
            Actor::Anonymous => "anonymous",
            Actor::Service => "service",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Actor::ApiClient { key_id, .. } => key_id,
            Actor::SystemOperator => "coffer-cli",
            Actor::Anonymous => "-",
            Actor::Service => "coffer",
        }
    }

    /// The channel an action came through (the API client's name).
    pub fn channel(&self) -> &str {
        match self {
            Actor::ApiClient { name, .. } => name,
            Actor::SystemOperator => "cli",
            Actor::Anonymous => "unknown",
            Actor::Service => "coffer",
        }
    }

    fn has(&self, scope: Scope) -> bool {
        match self {
            Actor::ApiClient { scopes, .. } => scopes.contains(&scope),
            Actor::SystemOperator | Actor::Anonymous | Actor::Service => false,
        }
    }
}

/// An action that needs authorisation, with the scope it requires and its audit name.
pub trait Action {
    const NAME: &'static str;
    const SCOPE: Scope;
}

macro_rules! actions {
    ($($(#[$doc:meta])* $ty:ident => $name:literal, $scope:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty;
        impl Action for $ty {
            const NAME: &'static str = $name;
            const SCOPE: Scope = Scope::$scope;
        }
    )*};
}

actions! {
    /// Store a new payment method.
    Tokenize => "payment_method.create", PaymentMethodsWrite;
    /// Validate a payment method without storing it.
    Validate => "payment_method.validate", PaymentMethodsWrite;
    /// Read masked payment methods.
    ReadPaymentMethod => "payment_method.read", PaymentMethodsRead;
    /// Read a full PAN (or IBAN, account number) in clear.
    RevealPaymentMethod => "payment_method.reveal", PaymentMethodsReveal;
    /// Crypto-shred a payment method.
    DeletePaymentMethod => "payment_method.delete", PaymentMethodsWrite;
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

/// The check failed: the actor lacks the scope the action requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} requires scope {required}")]
pub struct Denied {
    pub action: &'static str,
    pub required: &'static str,
}

/// Default deny: grants `A` only if the actor holds exactly the scope `A` requires.
pub fn authorize<A: Action>(actor: &Actor) -> Result<Grant<A>, Denied> {
    if actor.has(A::SCOPE) {
        Ok(Grant {
            actor: actor.clone(),
            _action: PhantomData,
        })
    } else {
        Err(Denied {
            action: A::NAME,
            required: A::SCOPE.as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn client(scopes: &[Scope]) -> Actor {
        Actor::ApiClient {
            key_id: "ak_1".into(),
            name: "web".into(),
            scopes: scopes.to_vec(),
        }
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

    #[test]
    fn no_scopes_and_the_system_operator_are_denied_everything() {
        for actor in [
            client(&[]),
            Actor::SystemOperator,
            Actor::Anonymous,
            Actor::Service,
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
