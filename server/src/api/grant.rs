//! A handler's first step: the vault's grant for one action on the resource the request names.
//! Only a well-formed id reaches the audit row (see [`super::id_param`]).

use super::error::ApiError;
use super::extract::Ctx;
use crate::state::AppState;
use coffer_vault::access::{Action, Actor, Grant};

/// The resource a request acts on, as its audit row names it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// An action on no one resource (register, list all).
    Any,
    PaymentMethod(&'a str),
    Mandate(&'a str),
    WebhookEndpoint(&'a str),
    Connection(&'a str),
    /// A customer reference already parsed with `CustomerRef`.
    Customer(&'a str),
}

impl<'a> Target<'a> {
    /// The audit row's resource: kind and a well-formed id (or the kind's `*_malformed`).
    fn audited(self) -> Option<(&'static str, &'a str)> {
        match self {
            Target::Any => None,
            Target::PaymentMethod(id) => Some(("payment_method", super::token_param(id))),
            Target::Mandate(id) => Some(("mandate", super::id_param(id, "mdt_", "mdt_malformed"))),
            Target::WebhookEndpoint(id) => Some((
                "webhook_endpoint",
                super::id_param(id, "we_", "we_malformed"),
            )),
            Target::Connection(id) => {
                Some(("connection", super::id_param(id, "conn_", "conn_malformed")))
            }
            Target::Customer(customer) => Some(("customer", customer)),
        }
    }
}

/// Asks the vault for `A` on `target` for this client; a denial is audited there and answered
/// `403 insufficient_scope`.
pub async fn grant<A: Action>(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    target: Target<'_>,
) -> Result<Grant<A>, ApiError> {
    Ok(state
        .vault
        .authorize::<A>(actor, &ctx.origin, target.audited())
        .await?)
}
