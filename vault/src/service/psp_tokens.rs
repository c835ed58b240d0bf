//! Vaulting a stored card at a PSP through the relay with its connector (Stripe, Braintree),
//! and keeping the PSP's token beside ours. The connector writes placeholders only; the card
//! details are filled in by the forward, inside the CDE.

use crate::access::{ForwardPaymentMethod, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::error::VaultError;
use crate::relay::connectors::{Next, PspToken, connector, plausible_token};
use crate::service::{PM, Vault, grant_actor};
use crate::store;
use crate::store::psp_tokens::PspTokenRow;
use serde::Deserialize;

/// The most requests one connector may take (tokenize, then vault).
const MAX_STEPS: usize = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PspTokenBody {
    connection: Option<String>,
    provider: Option<String>,
}

/// What became of one PSP token when its method was deleted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PspTokenDeletion {
    pub provider: String,
    pub connection: String,
    pub token: String,
    /// The PSP confirmed it deleted its copy (otherwise the token is kept, to try again).
    pub deleted: bool,
}

impl Vault {
    /// Asks each PSP holding a token for method `id` to delete its copy (Stripe: detach;
    /// Braintree: `deletePaymentMethodFromVault`) through the relay, and forgets the tokens the
    /// PSP confirmed. Scope `payment_methods:forward`; each request is a forward; audit
    /// `payment_method.psp_token_delete` per token, success or failure. A PSP that fails does
    /// not stop the others.
    pub async fn delete_psp_tokens(
        &self,
        grant: &Grant<ForwardPaymentMethod>,
        id: &str,
        origin: &Origin,
    ) -> Result<Vec<PspTokenDeletion>, VaultError> {
        let actor = grant_actor(grant);
        let mut conn = self.store.reader().acquire().await?;
        let owner = store::payment_methods::find(&mut conn, id).await?;
        let tokens = store::psp_tokens::of_method(&mut conn, id).await?;
        drop(conn);
        let Some(owner) = owner else {
            return Err(VaultError::NotFound);
        };
        self.reach(
            actor,
            &owner.channel,
            "payment_method.psp_token_delete",
            (PM, id),
            origin,
        )
        .await?;
        let mut out = Vec::new();
        for t in tokens {
            let Some(psp) = connector(&t.provider) else {
                continue;
            };
            let step = psp.delete(&t.token);
            let deleted = match self.forward_step(grant, &t.connection, &step, origin).await {
                Ok(answer) => psp.deleted(answer.status, &answer.body),
                Err(VaultError::Invalid(_) | VaultError::Upstream(_) | VaultError::Denied(_)) => {
                    false
                }
                Err(e) => return Err(e),
            };
            let outcome = if deleted {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let event = AuditEvent::new(actor, "payment_method.psp_token_delete", outcome, origin)
                .resource(PM, id)
                .detail(serde_json::json!({
                    "provider": t.provider, "connection": t.connection, "token": t.token,
                }));
            if deleted {
                let mut tx = self.store.writer().begin().await?;
                store::psp_tokens::delete(&mut tx, &t.id).await?;
                event.write(&mut tx).await?;
                let gone = serde_json::json!({ "psp_token": t.clone().shown() });
                let now = crate::clock::now_millis();
                self.enqueue_method_event(
                    &mut tx,
                    &owner,
                    "payment_method.psp_token_deleted",
                    gone,
                    now,
                )
                .await?;
                tx.commit().await?;
            } else {
                self.audit_alone(&event).await?;
            }
            out.push(PspTokenDeletion {
                provider: t.provider,
                connection: t.connection,
                token: t.token,
                deleted,
            });
        }
        Ok(out)
    }

    /// Vaults card `id` at the PSP behind `connection` with `provider`'s connector and records
    /// the PSP's token. Scope `payment_methods:forward` (each request is a forward, audited as
    /// one); audit `payment_method.psp_token_create` (the token, the provider, the connection),
    /// or its failure with the PSP's code.
    pub async fn create_psp_token(
        &self,
        grant: &Grant<ForwardPaymentMethod>,
        id: &str,
        body: &[u8],
        origin: &Origin,
    ) -> Result<PspToken, VaultError> {
        let actor = grant_actor(grant);
        let de = &mut serde_json::Deserializer::from_slice(body);
        let b: PspTokenBody =
            serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
        let connection = b
            .connection
            .ok_or_else(|| IntakeError::missing("connection"))?;
        let provider = b.provider.ok_or_else(|| IntakeError::missing("provider"))?;
        let Some(psp) = connector(&provider) else {
            return Err(IntakeError::invalid_because("provider", "stripe or braintree").into());
        };
        let mut conn = self.store.reader().acquire().await?;
        let row = store::payment_methods::find(&mut conn, id).await?;
        drop(conn);
        // Another channel's method is unknown here too (audited), before anything about it shows.
        if let Some(row) = &row {
            self.reach(
                actor,
                &row.channel,
                "payment_method.psp_token_create",
                (PM, id),
                origin,
            )
            .await?;
        }
        if row.as_ref().is_some_and(|r| r.kind != "card") {
            return Err(IntakeError::invalid_because(
                "payment_method",
                "only cards can be vaulted at a PSP",
            )
            .into());
        }
        let mut step = psp.first(id);
        for n in 0..MAX_STEPS {
            let answer = self.forward_step(grant, &connection, &step, origin).await?;
            match psp.next(n, answer.status, &answer.body) {
                Next::Then(s) => step = s,
                Next::Token(token) => {
                    let Some(method) = &row else {
                        return Err(VaultError::NotFound);
                    };
                    let made = (provider.as_str(), connection.as_str(), token.as_str());
                    return self.record_psp_token(actor, method, made, origin).await;
                }
                Next::Failed(code) => {
                    let code = code.filter(|c| plausible_token(c) && c.len() <= 40);
                    let event = AuditEvent::new(
                        actor,
                        "payment_method.psp_token_create",
                        Outcome::Failure,
                        origin,
                    )
                    .resource(PM, id)
                    .detail(serde_json::json!({
                        "provider": provider, "connection": connection,
                        "status": answer.status, "psp_code": code,
                    }));
                    self.audit_alone(&event).await?;
                    return Err(VaultError::PspRefused(code));
                }
            }
        }
        Err(VaultError::PspRefused(None))
    }

    /// Keeps the PSP's token for `method`, audits it and announces it to the method's channel
    /// (`payment_method.psp_token_created`), in one transaction.
    async fn record_psp_token(
        &self,
        actor: &crate::access::Actor,
        method: &store::PaymentMethodRow,
        (provider, connection, token): (&str, &str, &str),
        origin: &Origin,
    ) -> Result<PspToken, VaultError> {
        let id = method.id.as_str();
        let row = PspTokenRow {
            id: crate::token::random_id("pspt"),
            payment_method: id.to_owned(),
            provider: provider.to_owned(),
            connection: connection.to_owned(),
            token: token.to_owned(),
            created_at: crate::clock::now_millis(),
        };
        let mut tx = self.store.writer().begin().await?;
        store::psp_tokens::insert(&mut tx, &row).await?;
        AuditEvent::new(
            actor,
            "payment_method.psp_token_create",
            Outcome::Success,
            origin,
        )
        .resource(PM, id)
        .detail(serde_json::json!({
            "provider": provider, "connection": connection, "token": token,
        }))
        .write(&mut tx)
        .await?;
        let created_at = row.created_at;
        let shown = row.shown();
        let made = serde_json::json!({ "psp_token": shown });
        self.enqueue_method_event(
            &mut tx,
            method,
            "payment_method.psp_token_created",
            made,
            created_at,
        )
        .await?;
        tx.commit().await?;
        Ok(shown)
    }
}
