//! Forward: the relay's one operation. A channel names a registered connection, a method and
//! path it allows, and a body template; the vault fills the placeholders with stored methods'
//! details, audits the forward (before anything is sent: no audit, no send), sends it, audits the
//! answer (status, sizes, latency; never a body) and hands back the answer with any card number
//! in it masked. The caller never sees a detail it did not already have.

use crate::access::{Denied, ForwardPaymentMethod, Grant};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::cde::model::RevealedBody;
use crate::cde::relay::send::{self, Outgoing};
use crate::cde::relay::template::{Encoding, Template};
use crate::error::VaultError;
use crate::relay::connection::{Route, is_header_name, is_path, is_reserved_header};
use crate::relay::connectors::Step;
use crate::relay::destination::BaseUrl;
use crate::service::{PM, Vault, grant_actor};
use crate::store;
use crate::store::connections::ConnectionRow;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use zeroize::Zeroizing;

use crate::service::connections::CONNECTION;

/// A cross-channel reach's audit detail, per method (a `channels:all` key's forwards).
type Cross = HashMap<String, serde_json::Value>;
/// The most headers a caller may add.
const MAX_HEADERS: usize = 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForwardBody {
    connection: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    content_type: Option<String>,
    body: Option<String>,
    /// The use (an order's amount, passed through the customer step-up policy) this forward
    /// charges: it must be approved, the caller's, at most ten minutes old and not spent.
    #[serde(rename = "use", default)]
    use_id: Option<String>,
}

/// A forward's answer: the destination's status, content type and body (card numbers masked).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ForwardAnswer {
    pub id: String,
    pub object: &'static str,
    pub connection: String,
    pub payment_methods: Vec<String>,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    pub latency_ms: u64,
}

/// Who wrote a forward: a channel (its own template), or one of Coffer's connectors (a fixed
/// vaulting or deleting request, which moves no money, so a connection's use requirement does
/// not apply to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    Caller,
    Connector,
}

/// A checked forward request (no card data yet: the template only names methods).
struct Request<'a> {
    connection: String,
    method: reqwest::Method,
    path: String,
    headers: Vec<(String, Zeroizing<String>)>,
    content_type: String,
    encoding: Encoding,
    template: Template<'a>,
}

fn parse(b: &ForwardBody) -> Result<Request<'_>, IntakeError> {
    let connection = b
        .connection
        .clone()
        .ok_or_else(|| IntakeError::missing("connection"))?;
    let well_formed = connection.len() <= 64
        && connection
            .strip_prefix("conn_")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(IntakeError::invalid("connection"));
    }
    let method = b.method.as_deref().unwrap_or("POST").to_ascii_uppercase();
    let method = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .contains(&method.as_str())
        .then(|| reqwest::Method::from_bytes(method.as_bytes()).ok())
        .flatten()
        .ok_or_else(|| IntakeError::invalid("method"))?;
    let path = b.path.clone().ok_or_else(|| IntakeError::missing("path"))?;
    if !is_path(&path) {
        return Err(IntakeError::invalid("path"));
    }
    if b.headers.len() > MAX_HEADERS {
        return Err(IntakeError::invalid("headers"));
    }
    let mut headers = Vec::new();
    for (name, value) in &b.headers {
        let ok = is_header_name(name)
            && !is_reserved_header(name)
            && value.len() <= 1024
            && !value.chars().any(char::is_control)
            && !coffer_dlp::contains_card_number(value);
        if !ok {
            return Err(IntakeError::invalid("headers"));
        }
        headers.push((name.to_ascii_lowercase(), Zeroizing::new(value.clone())));
    }
    let content_type = b
        .content_type
        .clone()
        .unwrap_or_else(|| "application/json".to_owned());
    let encoding = Encoding::of(&content_type).ok_or_else(|| {
        IntakeError::invalid_because(
            "content_type",
            "application/json (or +json) or application/x-www-form-urlencoded",
        )
    })?;
    let template = Template::parse(b.body.as_deref().unwrap_or(""))?;
    Ok(Request {
        connection,
        method,
        path,
        headers,
        content_type,
        encoding,
        template,
    })
}

/// The destination's answer as the caller may see it: every card number masked, and every
/// value the forward filled in (six characters or more: numbers, IBANs, account numbers,
/// names) replaced where the destination echoed it verbatim.
fn mask_answer(text: &str, sent: &[Zeroizing<String>]) -> String {
    // Card numbers first (BIN and last four, as everywhere); then what is left of the rest.
    let mut out = coffer_dlp::mask_card_numbers(text);
    for v in sent.iter().filter(|v| v.chars().count() >= 6) {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), &"*".repeat(v.chars().count()));
        }
    }
    out
}

impl Vault {
    /// Forwards a request to a registered connection with stored methods' details filled in.
    /// Scope `payment_methods:forward`. Audit: one `payment_method.forward` per method named,
    /// committed before sending (if it cannot be written, nothing is sent), then
    /// `payment_method.forward_result` on the connection with the status, bytes and latency
    /// (or the failure's code). A method of another channel is answered as unknown, as
    /// everywhere; a shredded one is refused.
    pub async fn forward(
        &self,
        grant: &Grant<ForwardPaymentMethod>,
        body: &[u8],
        origin: &Origin,
    ) -> Result<ForwardAnswer, VaultError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        let raw: ForwardBody =
            serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
        self.forward_body(grant, &raw, Writer::Caller, origin).await
    }

    /// One connector step, sent as a forward (the same checks, audit and masking).
    pub(crate) async fn forward_step(
        &self,
        grant: &Grant<ForwardPaymentMethod>,
        connection: &str,
        step: &Step,
        origin: &Origin,
    ) -> Result<ForwardAnswer, VaultError> {
        let raw = ForwardBody {
            connection: Some(connection.to_owned()),
            method: Some(step.method.to_owned()),
            path: Some(step.path.clone()),
            headers: step
                .headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            content_type: Some(step.content_type.to_owned()),
            body: Some(step.body.clone()),
            use_id: None,
        };
        self.forward_body(grant, &raw, Writer::Connector, origin)
            .await
    }

    async fn forward_body(
        &self,
        grant: &Grant<ForwardPaymentMethod>,
        raw: &ForwardBody,
        writer: Writer,
        origin: &Origin,
    ) -> Result<ForwardAnswer, VaultError> {
        let actor = grant_actor(grant);
        let req = parse(raw)?;
        let refuse = |code: &'static str| {
            AuditEvent::new(actor, "payment_method.forward", Outcome::Failure, origin)
                .resource(CONNECTION, &req.connection)
                .detail(serde_json::json!({ "code": code }))
        };
        let mut conn = self.store.reader().acquire().await?;
        let row = store::connections::find_enabled(&mut conn, &req.connection).await?;
        drop(conn);
        let Some(row) = row else {
            self.audit_alone(&refuse("connection_missing")).await?;
            return Err(IntakeError::invalid_because(
                "connection",
                "no enabled connection has this id",
            )
            .into());
        };
        if let Some(keys) = &row.api_keys {
            let keys: Vec<String> = serde_json::from_str(keys).unwrap_or_default();
            if !keys.iter().any(|k| k == actor.id()) {
                let event = AuditEvent::new(
                    actor,
                    "payment_method.forward",
                    Outcome::Denied,
                    origin,
                )
                .resource(CONNECTION, &row.id)
                .detail(serde_json::json!({ "missing": "a connection that lists this API key" }));
                self.audit_alone(&event).await?;
                return Err(Denied {
                    action: "payment_method.forward",
                    required: "a connection that lists this API key",
                    step_up: false,
                }
                .into());
            }
        }
        let routes: Vec<Route> = serde_json::from_str(&row.routes).unwrap_or_default();
        if !routes
            .iter()
            .any(|r| r.allows(req.method.as_str(), &req.path))
        {
            self.audit_alone(&refuse("route_not_allowed")).await?;
            return Err(IntakeError::invalid_because(
                "path",
                "the connection does not allow this method and path",
            )
            .into());
        }
        if row.require_use != 0 && writer == Writer::Caller && raw.use_id.is_none() {
            self.audit_alone(&refuse("use_required")).await?;
            return Err(IntakeError::invalid_because(
                "use",
                "this connection takes only forwards that name an approved use",
            )
            .into());
        }
        let methods = req.template.methods();
        let (opened, cross) = self.open_for_forward(actor, &methods, origin).await?;
        // The values sent, kept (wiped on drop) to mask any echo of them in the answer.
        let mut sent_values: Vec<Zeroizing<String>> = Vec::new();
        let filled = req.template.render(req.encoding, |m, field| {
            let v = opened.get(m).and_then(|b| b.field(field))?;
            sent_values.push(v.clone());
            Some(v)
        });
        let Some(filled) = filled else {
            self.audit_alone(&refuse("field_missing")).await?;
            return Err(IntakeError::invalid_because(
                "body",
                "a placeholder names a detail its method does not have",
            )
            .into());
        };
        drop(opened);
        let forward_id = crate::token::random_id("fwd");
        let bytes_out = filled.len();
        let detail = serde_json::json!({
            "forward": forward_id, "connection": row.id, "method": req.method.as_str(),
            "path": req.path, "payment_methods": methods,
            "use": raw.use_id.as_deref().map(crate::service::uses::shown_id),
        });
        // Everything that can fail before sending, before the audit says it is sent.
        let outgoing = self.outgoing(&row, req, filled).await?;
        if let Some(use_id) = &raw.use_id {
            self.spend_use_for_forward(actor, &methods, use_id, origin)
                .await?;
        }
        self.audit_forward(actor, &row.id, &methods, &cross, detail, origin)
            .await?;
        let version = send::Version {
            connection: row.id.clone(),
            changed_at: row.updated_at.unwrap_or(row.created_at),
        };
        let sent = send::send(&self.relay_clients, &version, &self.relay, outgoing).await;
        let result = AuditEvent::new(
            actor,
            "payment_method.forward_result",
            if sent.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            origin,
        )
        .resource(CONNECTION, &row.id);
        let answer = match sent {
            Ok(a) => a,
            Err(e) => {
                let event = result.detail(serde_json::json!({
                    "forward": forward_id, "code": e.code(), "bytes_out": bytes_out,
                }));
                self.audit_alone(&event).await?;
                return Err(VaultError::Upstream(e));
            }
        };
        let latency_ms = u64::try_from(answer.latency.as_millis()).unwrap_or(u64::MAX);
        let event = result.detail(serde_json::json!({
            "forward": forward_id, "status": answer.status, "bytes_out": bytes_out,
            "bytes_in": answer.body.len(), "latency_ms": latency_ms,
        }));
        self.audit_alone(&event).await?;
        let text = Zeroizing::new(String::from_utf8_lossy(&answer.body).into_owned());
        Ok(ForwardAnswer {
            id: forward_id,
            object: "forward",
            connection: row.id.clone(),
            payment_methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            status: answer.status,
            content_type: answer
                .content_type
                .as_deref()
                .map(coffer_dlp::mask_card_numbers),
            body: mask_answer(&text, &sent_values),
            latency_ms,
        })
    }

    /// A forward that charges an order names its use: one method, and the use approved for it
    /// (the customer's step-up passed, or none was needed), which it spends as a reveal would.
    async fn spend_use_for_forward(
        &self,
        actor: &crate::access::Actor,
        methods: &[&str],
        use_id: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let [method] = methods else {
            return Err(IntakeError::invalid_because(
                "use",
                "a forward with a use names exactly one payment method",
            )
            .into());
        };
        if self.spend_use_for_reveal(actor, method, use_id).await? {
            return Ok(());
        }
        let event = AuditEvent::new(actor, "payment_method.forward", Outcome::Failure, origin)
            .resource(PM, method)
            .detail(serde_json::json!({
                "code": "use_not_approved", "use": crate::service::uses::shown_id(use_id),
            }));
        self.audit_alone(&event).await?;
        Err(VaultError::UseNotApproved)
    }

    /// Opens each named method (the caller's channel's, not shredded). An unknown or hidden
    /// method is audited as a failure and answered as unknown.
    async fn open_for_forward(
        &self,
        actor: &crate::access::Actor,
        methods: &[&str],
        origin: &Origin,
    ) -> Result<(HashMap<String, RevealedBody>, Cross), VaultError> {
        let mut opened = HashMap::new();
        let mut cross = Cross::new();
        for id in methods {
            let mut conn = self.store.reader().acquire().await?;
            let row = store::payment_methods::find(&mut conn, id).await?;
            drop(conn);
            let failure = |code: &'static str| {
                AuditEvent::new(actor, "payment_method.forward", Outcome::Failure, origin)
                    .resource(PM, id)
                    .detail(serde_json::json!({ "code": code }))
            };
            let Some(row) = row else {
                self.audit_alone(&failure("resource_missing")).await?;
                return Err(VaultError::NotFound);
            };
            if let Some(detail) = self
                .reach(
                    actor,
                    &row.channel,
                    "payment_method.forward",
                    (PM, id),
                    origin,
                )
                .await?
            {
                cross.insert(row.id.clone(), detail);
            }
            let Some(clear) = self.open_stored(&row.id, super::Stored::of(&row)).await? else {
                self.audit_alone(&failure("shredded")).await?;
                return Err(VaultError::Shredded);
            };
            opened.insert(
                row.id.clone(),
                RevealedBody::build(&row.id, &row.kind, &clear),
            );
        }
        Ok((opened, cross))
    }

    /// One `payment_method.forward` per method, in one transaction, before anything is sent.
    async fn audit_forward(
        &self,
        actor: &crate::access::Actor,
        connection: &str,
        methods: &[&str],
        cross: &Cross,
        detail: serde_json::Value,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let sent = || AuditEvent::new(actor, "payment_method.forward", Outcome::Success, origin);
        let mut rows: Vec<_> = methods
            .iter()
            .map(|id| {
                sent()
                    .resource(PM, id)
                    .detail(detail.clone())
                    .more_detail(cross.get(*id).cloned())
                    .to_row()
            })
            .collect();
        if rows.is_empty() {
            rows.push(
                sent()
                    .resource(CONNECTION, connection)
                    .detail(detail)
                    .to_row(),
            );
        }
        // Through the group commit, like every other audited read: one fsync for many forwards.
        self.store
            .batcher()
            .write(crate::store::WriteOp::Audits(rows))
            .await?;
        Ok(())
    }

    /// The request as it will be sent: the connection's URL (checked again), credentials and
    /// settings around the filled body.
    async fn outgoing(
        &self,
        row: &ConnectionRow,
        req: Request<'_>,
        body: Zeroizing<Vec<u8>>,
    ) -> Result<Outgoing, VaultError> {
        let base = BaseUrl::parse(&row.base_url, &self.relay)
            .map_err(|_| VaultError::Upstream(send::SendError::Settings))?;
        let mut headers = req.headers;
        let secrets = self.connection_secrets(row).await?;
        if let Some(creds) = &secrets.auth {
            headers.push(creds.header());
        }
        let identity = match (&row.client_cert_pem, &secrets.client_key_pem) {
            (Some(cert), Some(key)) => Some(crate::relay::client_cert::identity_pem(cert, key)),
            _ => None,
        };
        Ok(Outgoing {
            url: base.join(&req.path),
            method: req.method,
            headers,
            content_type: req.content_type,
            body,
            ca_pem: row.ca_pem.clone(),
            identity,
            timeout: Duration::from_millis(u64::try_from(row.timeout_ms).unwrap_or(10_000)),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn echoed_values_are_hidden_and_card_numbers_keep_bin_and_last_four() {
        let pan = coffer_dlp::with_check_digit("424242424242424");
        let sent = [
            Zeroizing::new(pan.clone()),
            Zeroizing::new("DE89370400440532013000".to_owned()),
            Zeroizing::new("07".to_owned()),
        ];
        let answer = format!(r#"{{"n":"{pan}","iban":"DE89370400440532013000","m":"07"}}"#);
        let masked = mask_answer(&answer, &sent);
        assert_eq!(
            masked,
            r#"{"n":"424242******4242","iban":"**********************","m":"07"}"#
        );
    }
}
