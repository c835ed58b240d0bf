//! Webhooks to the OMS channels: endpoints registered by an API client (the signing secret shown
//! once, then kept sealed), events queued in the transaction of the change they report, and
//! deliveries claimed, signed inside the vault (the secret never leaves it) and settled.

use super::Vault;
use super::uses::UseView;
use crate::access::Actor;
use crate::access::{Grant, ManageWebhookDeliveries, ManageWebhooks};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::IntakeError;
use crate::cde::model::PaymentMethodView;
use crate::cde::seal::{self, Sealed};
use crate::error::VaultError;
use crate::store::PaymentMethodRow;
use crate::store::StoreError;
use crate::store::customers::UseRow;
use crate::store::webhooks::{self, EndpointRow};
use crate::webhook;
use coffer_dlp::contains_card_number;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use zeroize::Zeroizing;

pub(super) const ENDPOINT: &str = "webhook_endpoint";

fn endpoint_record(id: &str) -> String {
    format!("webhook_endpoint:{id}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndpointBody {
    url: Option<String>,
    channel: Option<String>,
}

/// An endpoint as the API shows it (never its secret, except once at registration).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EndpointView {
    pub id: String,
    pub object: &'static str,
    pub url: String,
    /// The channel whose events it receives (the registering key's); `null` for every
    /// channel's, which only an OMS-wide key may register.
    pub channel: Option<String>,
    pub created: i64,
    /// `enabled`, or `disabled` (no events are sent to it any more).
    pub status: &'static str,
}

/// A new endpoint and its signing secret (shown once).
pub struct RegisteredEndpoint {
    pub endpoint: EndpointView,
    pub secret: Zeroizing<String>,
}

impl std::fmt::Debug for RegisteredEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegisteredEndpoint({}, <hidden>)", self.endpoint.id)
    }
}

/// A delivery ready to send: body and signature header.
#[derive(Debug, Clone)]
pub struct OutgoingDelivery {
    pub id: String,
    pub url: String,
    pub event_id: String,
    pub payload: String,
    /// The `Coffer-Signature` header value.
    pub signature: String,
    /// Tries before this one.
    pub attempts: i64,
}

/// A delivery that failed its last try, as the console lists it (no payload: it may name
/// customers, and the list is for operators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: String,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    pub died_at: i64,
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first_retry: Duration,
    pub max_attempts: u32,
}

/// Checks an endpoint URL: HTTPS to a public host, unless `insecure` (development and tests).
fn check_url(url: &str, insecure: bool) -> Result<(), IntakeError> {
    let well_formed = url.len() <= 2048
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && !contains_card_number(url);
    let parsed = url::Url::parse(url).ok().filter(|_| well_formed);
    let Some(parsed) = parsed else {
        return Err(IntakeError::invalid("url"));
    };
    let scheme_ok = match parsed.scheme() {
        "https" => true,
        "http" => insecure,
        _ => false,
    };
    if !scheme_ok {
        return Err(IntakeError::invalid_because(
            "url",
            "webhook URLs must use https",
        ));
    }
    let Some(host) = parsed.host() else {
        return Err(IntakeError::invalid("url"));
    };
    if !insecure && crate::net::internal_host(&host) {
        return Err(IntakeError::invalid_because(
            "url",
            "webhook URLs must name a public host, not a loopback or private address",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(IntakeError::invalid("url"));
    }
    Ok(())
}

fn parse_endpoint(body: &[u8], insecure: bool) -> Result<(String, Option<String>), IntakeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let b: EndpointBody =
        serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
    let url = b.url.ok_or_else(|| IntakeError::missing("url"))?;
    check_url(&url, insecure)?;
    if let Some(c) = &b.channel {
        let ok = (1..=100).contains(&c.chars().count())
            && !c.chars().any(char::is_control)
            && !contains_card_number(c);
        if !ok {
            return Err(IntakeError::invalid("channel"));
        }
    }
    Ok((url, b.channel))
}

/// The channel an endpoint listens to: a channel's key registers for its own channel only; an
/// OMS-wide key for any channel, or for all (`None`).
fn endpoint_channel(actor: &Actor, asked: Option<String>) -> Result<Option<String>, IntakeError> {
    match (actor.channel_filter(), asked) {
        (None, asked) => Ok(asked),
        (Some(own), None) => Ok(Some(own.to_owned())),
        (Some(own), Some(asked)) if asked == own => Ok(Some(asked)),
        (Some(_), Some(_)) => Err(IntakeError::invalid_because(
            "channel",
            "a channel's key registers endpoints for its own channel only",
        )),
    }
}

impl Vault {
    /// Registers an endpoint for the key's channel (any channel, or all, for an OMS-wide key).
    /// Scope `webhooks:manage`; audit `webhook_endpoint.create`.
    pub async fn register_webhook_endpoint(
        &self,
        grant: &Grant<ManageWebhooks>,
        body: &[u8],
        origin: &Origin,
    ) -> Result<RegisteredEndpoint, VaultError> {
        let (url, asked) = parse_endpoint(body, self.customer.insecure_webhooks)?;
        let channel = endpoint_channel(grant.actor(), asked)?;
        let id = crate::token::random_id("we");
        let secret = webhook::new_secret();
        let sealed = seal::seal(
            &self.keys.current(),
            &endpoint_record(&id),
            secret.as_bytes(),
        )?;
        let row = EndpointRow {
            id: id.clone(),
            url,
            channel,
            client: grant.actor().id().to_owned(),
            key_id: sealed.key_id,
            nonce: sealed.nonce,
            secret: sealed.ciphertext,
            created_at: crate::clock::now_millis(),
        };
        let mut tx = self.store.writer().begin().await?;
        webhooks::insert_endpoint(&mut tx, &row).await?;
        AuditEvent::new(
            grant.actor(),
            "webhook_endpoint.create",
            Outcome::Success,
            origin,
        )
        .resource(ENDPOINT, &id)
        .detail(serde_json::json!({ "channel": row.channel }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(RegisteredEndpoint {
            endpoint: EndpointView {
                id,
                object: "webhook_endpoint",
                url: row.url,
                channel: row.channel,
                created: row.created_at / 1000,
                status: "enabled",
            },
            secret,
        })
    }

    /// Queues `payment_method_use.<status>` for the channel's endpoints, inside `tx`.
    pub(crate) async fn enqueue_use_event(
        &self,
        tx: &mut sqlx::AnyConnection,
        row: &UseRow,
    ) -> Result<(), StoreError> {
        let event_id = crate::token::random_id("evt");
        let event_type = format!("payment_method_use.{}", row.status);
        let now = crate::clock::now_millis();
        let payload = serde_json::json!({
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": now / 1000,
            "data": { "object": UseView::from_row(row, None) },
        });
        webhooks::enqueue(
            tx,
            &event_id,
            &event_type,
            &payload.to_string(),
            &row.channel,
            webhooks::About {
                customer: &row.customer,
                payment_method: Some(&row.payment_method),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Queues `customer.factor_added` / `customer.factor_removed` for the endpoints registered
    /// for every channel (a factor belongs to the customer, not to a channel; only OMS-wide keys
    /// register such endpoints), inside `tx`, so the OMS can tell its customer that their second
    /// factors changed.
    pub(crate) async fn enqueue_factor_event(
        &self,
        tx: &mut sqlx::AnyConnection,
        customer: &str,
        added: bool,
        factor_id: &str,
        kind: &str,
    ) -> Result<(), StoreError> {
        let event_id = crate::token::random_id("evt");
        let event_type = if added {
            "customer.factor_added"
        } else {
            "customer.factor_removed"
        };
        let now = crate::clock::now_millis();
        let payload = serde_json::json!({
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": now / 1000,
            "data": { "object": {
                "object": "customer_factor", "id": factor_id, "customer": customer, "kind": kind,
            } },
        });
        // No channel is named "" (channel names are 1-32 characters), so only the endpoints
        // registered for all channels match.
        let about = webhooks::About {
            customer,
            payment_method: None,
        };
        webhooks::enqueue(
            tx,
            &event_id,
            event_type,
            &payload.to_string(),
            "",
            about,
            now,
        )
        .await?;
        Ok(())
    }

    /// Queues a `payment_method.*` event (the masked method with its PSP tokens, plus `extra`
    /// fields) for the endpoints of the method's channel, inside `tx`.
    pub(crate) async fn enqueue_method_event(
        &self,
        tx: &mut sqlx::AnyConnection,
        row: &PaymentMethodRow,
        event_type: &str,
        extra: serde_json::Value,
        now: i64,
    ) -> Result<(), StoreError> {
        let event_id = crate::token::random_id("evt");
        let mut view = PaymentMethodView::from_row(row);
        view.psp_tokens = crate::store::psp_tokens::of_method(tx, &row.id)
            .await?
            .into_iter()
            .map(crate::store::psp_tokens::PspTokenRow::shown)
            .collect();
        let mut data = serde_json::json!({ "object": view });
        if let (serde_json::Value::Object(extra), Some(data)) = (extra, data.as_object_mut()) {
            data.extend(extra);
        }
        let payload = serde_json::json!({
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": now / 1000,
            "data": data,
        });
        webhooks::enqueue(
            tx,
            &event_id,
            event_type,
            &payload.to_string(),
            &row.channel,
            webhooks::About {
                customer: &row.customer,
                payment_method: Some(&row.id),
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// The dead-letter list, newest first. Permission `api_keys.manage` (security admins);
    /// audit `webhook_delivery.list`.
    pub async fn dead_letters(
        &self,
        grant: &Grant<ManageWebhookDeliveries>,
        limit: i64,
        origin: &Origin,
    ) -> Result<Vec<DeadLetter>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let found = webhooks::dead(&mut conn, limit).await?;
        drop(conn);
        self.audit_alone(&AuditEvent::new(
            grant.actor(),
            "webhook_delivery.list",
            Outcome::Success,
            origin,
        ))
        .await?;
        Ok(found)
    }

    /// Sends a dead delivery again (from its first try's backoff). Audit
    /// `webhook_delivery.replay` (failure `resource_missing` if it is not dead).
    pub async fn replay_dead_letter(
        &self,
        grant: &Grant<ManageWebhookDeliveries>,
        id: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let mut tx = self.store.writer().begin().await?;
        let replayed = webhooks::replay(&mut tx, id, crate::clock::now_millis()).await?;
        let outcome = if replayed {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let mut event = AuditEvent::new(grant.actor(), "webhook_delivery.replay", outcome, origin)
            .resource("webhook_delivery", id);
        if !replayed {
            event = event.detail(serde_json::json!({ "code": "resource_missing" }));
        }
        event.write(&mut tx).await?;
        tx.commit().await?;
        if replayed {
            Ok(())
        } else {
            Err(VaultError::NotFound)
        }
    }

    /// Claims up to `limit` due deliveries for `lease` and signs them.
    pub async fn claim_webhooks(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutgoingDelivery>, VaultError> {
        let now = crate::clock::now_millis();
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(60_000);
        let mut writer = self.store.writer().acquire().await?;
        let claimed = webhooks::claim_due(&mut writer, now, now + lease_ms, limit).await?;
        drop(writer);
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.store.reader().acquire().await?;
        let mut endpoints: HashMap<String, (String, Zeroizing<Vec<u8>>)> = HashMap::new();
        let mut out = Vec::with_capacity(claimed.len());
        for d in claimed {
            if !endpoints.contains_key(&d.endpoint_id) {
                let Some(e) = webhooks::find_endpoint(&mut conn, &d.endpoint_id).await? else {
                    continue;
                };
                let key = self.keys.get(&e.key_id, &self.store).await?;
                let sealed = Sealed {
                    key_id: e.key_id.clone(),
                    nonce: e.nonce.clone(),
                    ciphertext: e.secret.clone(),
                };
                let secret = seal::open(&key, &endpoint_record(&e.id), &sealed)?;
                endpoints.insert(e.id.clone(), (e.url.clone(), secret));
            }
            let Some((url, secret)) = endpoints.get(&d.endpoint_id) else {
                continue;
            };
            out.push(OutgoingDelivery {
                signature: webhook::sign(secret, now / 1000, d.payload.as_bytes()),
                id: d.id,
                url: url.clone(),
                event_id: d.event_id,
                payload: d.payload,
                attempts: d.attempts,
            });
        }
        Ok(out)
    }

    /// Settles one try: delivered, retried later (exponential backoff), or dead after the last
    /// try (kept with its error for replay).
    pub async fn record_webhook_attempt(
        &self,
        delivery: &OutgoingDelivery,
        result: Result<(), String>,
        retry: RetryPolicy,
    ) -> Result<(), VaultError> {
        let now = crate::clock::now_millis();
        let tries = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
        let mut conn = self.store.writer().acquire().await?;
        match result {
            Ok(()) => {
                webhooks::record_attempt(&mut conn, &delivery.id, true, None, None, now).await?
            }
            Err(error) => {
                let next = (tries < retry.max_attempts).then(|| {
                    let wait = webhook::retry_delay(retry.first_retry, tries);
                    now + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2)
                });
                if next.is_none() {
                    tracing::warn!(delivery = %delivery.id, event = %delivery.event_id, tries, "webhook delivery is dead after its last try");
                }
                webhooks::record_attempt(&mut conn, &delivery.id, false, next, Some(&error), now)
                    .await?
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn endpoints_must_be_https_to_a_public_host() {
        assert!(check_url("https://oms.example.com/hooks", false).is_ok());
        for bad in [
            "http://oms.example.com/hooks",
            "https://127.0.0.1/hooks",
            "https://localhost:8443/hooks",
            "https://10.1.2.3/hooks",
            "https://192.168.0.10/hooks",
            "https://172.16.5.4/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/hooks",
            "https://[::1]/hooks",
            "https://[fd00::1]/hooks",
            "https://[::ffff:10.0.0.1]/hooks",
            "https://user:pass@oms.example.com/hooks",
            "ftp://oms.example.com/hooks",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        // Development and tests may send to a local receiver over plain HTTP.
        assert!(check_url("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_url("ftp://127.0.0.1/hook", true).is_err());
    }
}
