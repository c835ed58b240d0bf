//! The customer timeline in the console: the filter checked (no card number reaches a query or
//! a URL), one page from the vault, and each entry said in words (masked facts only).

use super::VaultBackend;
use super::errors::map;
use super::methods::refuse_card_numbers;
use super::views::{brand_label, rfc3339};
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::TimelineBackend;
use coffer_app::model::{TimelineItem, TimelineQuery, TimelineView};
use coffer_vault::access::ReadCustomerTimeline;
use coffer_vault::service::{
    TimelineCursor as Cursor, TimelineEvent as Event, TimelineSource as Source,
};
use coffer_vault::service::{TimelineEntry, TimelineRequest};

/// The vault's request from the console's filter; a malformed cursor or source is the caller's
/// mistake, named by its field.
fn request(reference: &str, query: &TimelineQuery) -> Result<TimelineRequest, ConsoleError> {
    let sources = query
        .sources
        .iter()
        .map(|s| Source::parse(s).ok_or_else(|| ConsoleError::field("sources", "Unknown source.")))
        .collect::<Result<Vec<_>, _>>()?;
    let before = match query.before.as_str() {
        "" => None,
        raw => Some(
            Cursor::decode(raw)
                .ok_or_else(|| ConsoleError::field("before", "Not a timeline position."))?,
        ),
    };
    let method = match query.method.trim() {
        "" => None,
        pm if pm.starts_with("pm_") && pm.len() <= 64 => Some(pm.to_owned()),
        _ => return Err(ConsoleError::field("method", "Not a payment method id.")),
    };
    Ok(TimelineRequest {
        customer: reference.to_owned(),
        sources,
        payment_method: method,
        before,
    })
}

/// Minor units as "12.50 EUR" (two decimals; currencies without them are rare here).
fn money(amount: i64, currency: &str) -> String {
    format!(
        "{}.{:02} {}",
        amount / 100,
        (amount % 100).abs(),
        currency.to_uppercase()
    )
}

fn item(e: &TimelineEntry) -> TimelineItem {
    let entry = &e.entry;
    let (title, detail, outcome, actor, audit_seq) = match &entry.event {
        Event::MethodStored {
            method_type,
            brand,
            last4,
            channel,
        } => {
            let label = match (method_type.as_str(), brand) {
                ("card", Some(brand)) => brand_label(brand),
                (kind, _) => kind.replace('_', " "),
            };
            (
                "Payment method stored".to_owned(),
                format!("{label} •••• {last4}, by {channel}"),
                None,
                None,
                None,
            )
        }
        Event::StatusChanged {
            from,
            to,
            reason,
            actor,
            ..
        } => (
            format!("Status {from} → {to}"),
            format!("Because: {}", reason.replace('_', " ")),
            Some(to.clone()),
            Some(actor.clone()),
            None,
        ),
        Event::Use {
            amount,
            currency,
            order_ref,
            channel,
            status,
            step_up,
            failure_code,
            factor_kind,
        } => {
            let mut detail = format!(
                "{} for order {order_ref}, by {channel}",
                money(*amount, currency)
            );
            if let Some(why) = step_up {
                detail.push_str(&format!("; step-up asked ({why})"));
                if let Some(factor) = factor_kind {
                    detail.push_str(&format!(", passed with {factor}"));
                }
            }
            if let Some(code) = failure_code {
                detail.push_str(&format!("; failed: {}", code.replace('_', " ")));
            }
            (
                "Payment method use".to_owned(),
                detail,
                Some(status.clone()),
                None,
                None,
            )
        }
        Event::Mandate {
            reference,
            channel,
            status,
        } => (
            "Mandate".to_owned(),
            format!("Subscription {reference}, by {channel}"),
            Some(status.clone()),
            None,
            None,
        ),
        Event::Link {
            purpose,
            expires_at,
            used_at,
        } => (
            format!("Customer link: {}", purpose.replace('_', " ")),
            match used_at {
                Some(at) => format!("Used {}", rfc3339(*at)),
                None => format!("Valid until {}", rfc3339(*expires_at)),
            },
            Some(if used_at.is_some() { "used" } else { "sent" }.to_owned()),
            None,
            None,
        ),
        Event::Webhook {
            event_type,
            endpoint_id,
            status,
            attempts,
        } => (
            format!("Webhook {event_type}"),
            format!("To endpoint {endpoint_id}, {attempts} attempt(s)"),
            Some(status.clone()),
            None,
            None,
        ),
        Event::Audit {
            seq,
            action,
            outcome,
            actor_type,
            actor_id,
            channel,
            reason,
        } => {
            let mut detail = channel
                .as_deref()
                .map(|c| format!("Via {c}"))
                .unwrap_or_default();
            if let Some(reason) = reason {
                if !detail.is_empty() {
                    detail.push_str("; ");
                }
                detail.push_str(&format!("reason: {reason}"));
            }
            let actor = match (&e.actor_label, actor_type.as_str(), channel) {
                (Some(email), _, _) => format!("staff {email}"),
                (None, "api_client", Some(channel)) => format!("channel {channel} ({actor_id})"),
                (None, kind, _) => format!("{} {actor_id}", kind.replace('_', " ")),
            };
            (
                action.clone(),
                detail,
                Some(outcome.clone()),
                Some(actor),
                *seq,
            )
        }
    };
    TimelineItem {
        at: rfc3339(entry.at),
        source: entry.source.as_str().to_owned(),
        title,
        detail,
        outcome,
        payment_method: entry.payment_method.clone(),
        actor,
        audit_seq,
    }
}

#[async_trait]
impl TimelineBackend for VaultBackend {
    async fn customer_timeline(&self, query: TimelineQuery) -> Result<TimelineView, ConsoleError> {
        let reference = query.reference.trim().to_owned();
        refuse_card_numbers(&reference, "reference")?;
        let request = request(&reference, &query)?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadCustomerTimeline>(&mut who, None, Some(("customer", &reference)))
            .await?;
        let page = self
            .vault
            .customer_timeline(&grant, &request, &who.req.origin)
            .await
            .map_err(map)?;
        // The filter's list of methods (masked), as the customer page shows them.
        let methods = page
            .methods
            .iter()
            .map(|m| {
                let s = super::views::summary(m, self.expiring_through());
                (s.id, format!("{} {}", s.label, s.masked))
            })
            .collect();
        Ok(TimelineView {
            query: TimelineQuery { reference, ..query },
            items: page.entries.iter().map(item).collect(),
            next_before: page.next.map(|c| c.encode()),
            methods,
        })
    }
}
