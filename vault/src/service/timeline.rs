//! A customer's timeline for staff: everything that happened to the customer's payment methods
//! and about the customer, newest first, by source, keyset-paged. Masked columns only; each
//! page read is itself audited (`customer.timeline`, PCI DSS 10.2.1.1).

use super::{Vault, grant_actor};
use crate::access::{Grant, ReadCustomerTimeline};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::intake::{CustomerRef, IntakeError};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::store;
use crate::store::timeline::{self, Cursor, Entry, Event, Source};

/// Entries per page.
pub const TIMELINE_PAGE: i64 = 50;

/// Which part of a customer's timeline to read.
#[derive(Debug, Clone)]
pub struct TimelineRequest {
    pub customer: String,
    /// Empty: every source.
    pub sources: Vec<Source>,
    pub payment_method: Option<String>,
    pub before: Option<Cursor>,
}

/// One entry, with the staff member's email when a staff member acted.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub entry: Entry,
    pub actor_label: Option<String>,
}

/// A page of the timeline, where the next (older) one starts, and the customer's methods
/// (masked, oldest first, at most 100) for the filter and the entries' labels.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next: Option<Cursor>,
    pub methods: Vec<PaymentMethodView>,
}

impl Vault {
    /// A page of `request.customer`'s timeline. Audit: `customer.timeline` (the customer, the
    /// sources, the number of entries and of methods shown).
    pub async fn customer_timeline(
        &self,
        grant: &Grant<ReadCustomerTimeline>,
        request: &TimelineRequest,
        origin: &Origin,
    ) -> Result<TimelinePage, VaultError> {
        if CustomerRef::parse(&request.customer).is_none() {
            return Err(IntakeError::invalid("customer").into());
        }
        let sources = if request.sources.is_empty() {
            Source::ALL.to_vec()
        } else {
            request.sources.clone()
        };
        let query = timeline::Query {
            customer: &request.customer,
            sources: &sources,
            payment_method: request.payment_method.as_deref(),
            before: request.before.as_ref(),
            limit: TIMELINE_PAGE,
        };
        let (mut entries, methods) = {
            let mut conn = self.store.reader().acquire().await?;
            let entries = timeline::page(&mut conn, self.store.dialect(), &query).await?;
            let methods = store::payment_methods::list_by_customer(
                &mut conn,
                &request.customer,
                None,
                None,
                100,
            )
            .await?;
            (entries, methods)
        };
        let limit = usize::try_from(TIMELINE_PAGE).unwrap_or(50);
        let next = (entries.len() > limit).then(|| entries[limit - 1].cursor());
        entries.truncate(limit);
        let staff: Vec<&str> = entries
            .iter()
            .filter_map(|e| match &e.event {
                Event::Audit {
                    actor_type,
                    actor_id,
                    ..
                } if actor_type == "staff" => Some(actor_id.as_str()),
                _ => None,
            })
            .collect();
        let emails = self.staff_emails(grant, &staff).await?;
        let names: Vec<&str> = sources.iter().map(|s| s.as_str()).collect();
        let event = AuditEvent::new(
            grant_actor(grant),
            "customer.timeline",
            Outcome::Success,
            origin,
        )
        .resource("customer", &request.customer)
        .detail(serde_json::json!({
            "sources": names,
            "payment_method": request.payment_method,
            "count": entries.len(),
            "methods": methods.len(),
            "older": request.before.is_some(),
        }));
        self.audit_alone(&event).await?;
        let entries = entries
            .into_iter()
            .map(|entry| {
                let actor_label = match &entry.event {
                    Event::Audit { actor_id, .. } => emails.get(actor_id).cloned(),
                    _ => None,
                };
                TimelineEntry { entry, actor_label }
            })
            .collect();
        Ok(TimelinePage {
            entries,
            next,
            methods: methods.iter().map(PaymentMethodView::from_row).collect(),
        })
    }
}
