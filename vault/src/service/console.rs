//! What the console reads beyond single methods: search by customer, token or BIN + last 4; a
//! method's audit history (itself an audited access to the log, PCI DSS 10.2.1.3); and the API
//! keys security admins manage. All masked; all audited.

use super::{PM, Vault, grant_actor};
use crate::access::{
    Action, ApproveApiKey, CreateApiKey, Grant, ListApiKeys, ReadPaymentMethod,
    ReadPaymentMethodHistory, RevokeApiKey, Scope,
};
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::cde::model::PaymentMethodView;
use crate::error::VaultError;
use crate::store::{self, AuditRow};
use std::collections::HashMap;

/// How many results a console search returns at most.
pub const SEARCH_LIMIT: i64 = 50;

/// A console search, already classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodSearch {
    Token(String),
    /// First 6–8 digits (only the first 6 are stored) and last 4.
    BinLast4 {
        bin: String,
        last4: String,
    },
    Customer(String),
}

/// One history line with a readable actor (staff email instead of the account id).
#[derive(Debug, Clone)]
pub struct HistoryRecord {
    pub event: AuditRow,
    pub actor_label: String,
}

/// An API key as listed: no secret, no hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The actor id that issued it.
    pub created_by: Option<String>,
    /// `None` while it waits for a second security admin.
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub expires_at: Option<i64>,
    pub allowed_ips: Vec<String>,
}

impl Vault {
    /// The emails of the staff accounts among `ids` (unknown ids are left out), one lookup per
    /// account, for showing people instead of account ids. Any grant to a page that names
    /// staff (a history, the audit log) will do.
    pub async fn staff_emails<A: Action>(
        &self,
        _: &Grant<A>,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, VaultError> {
        let mut emails = HashMap::new();
        let mut conn = self.store.reader().acquire().await?;
        for &id in ids {
            if emails.contains_key(id) {
                continue;
            }
            if let Some(user) = store::staff::find(&mut conn, id).await? {
                emails.insert(id.to_owned(), user.email);
            }
        }
        Ok(emails)
    }

    /// Finds methods (newest first, at most [`SEARCH_LIMIT`] + 1 to tell truncation).
    /// Audit: `payment_method.search` with how the query was read and the count.
    pub async fn search_payment_methods(
        &self,
        grant: &Grant<ReadPaymentMethod>,
        search: &MethodSearch,
        origin: &Origin,
    ) -> Result<Vec<PaymentMethodView>, VaultError> {
        let limit = SEARCH_LIMIT + 1;
        let mut conn = self.store.reader().acquire().await?;
        let (rows, by) = match search {
            MethodSearch::Token(id) => {
                let row = store::payment_methods::find(&mut conn, id).await?;
                (row.into_iter().collect::<Vec<_>>(), "token")
            }
            MethodSearch::BinLast4 { bin, last4 } => {
                let bin6: String = bin.chars().take(6).collect();
                let rows = store::payment_methods::search_bin_last4(&mut conn, &bin6, last4, limit)
                    .await?;
                (rows, "bin_last4")
            }
            MethodSearch::Customer(customer) => {
                let mut rows = store::payment_methods::list_by_customer(
                    &mut conn, customer, None, None, limit,
                )
                .await?;
                rows.reverse();
                (rows, "customer")
            }
        };
        drop(conn);
        let mut event = AuditEvent::new(
            grant_actor(grant),
            "payment_method.search",
            Outcome::Success,
            origin,
        )
        .detail(serde_json::json!({ "by": by, "count": rows.len() }));
        match search {
            MethodSearch::Token(id) => event = event.resource(PM, id),
            MethodSearch::Customer(c) => event = event.resource("customer", c),
            MethodSearch::BinLast4 { .. } => {}
        }
        self.audit_alone(&event).await?;
        Ok(rows.iter().map(PaymentMethodView::from_row).collect())
    }

    /// A method's audit events, newest first (at most 200). Audit: `payment_method.history`.
    pub async fn payment_method_history(
        &self,
        grant: &Grant<ReadPaymentMethodHistory>,
        id: &str,
        origin: &Origin,
    ) -> Result<Vec<HistoryRecord>, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let mut events = store::audit::for_resource(&mut conn, id).await?;
        events.reverse();
        events.truncate(200);
        drop(conn);
        let staff: Vec<&str> = events
            .iter()
            .filter(|e| e.actor_type == "staff")
            .map(|e| e.actor_id.as_str())
            .collect();
        let emails = self.staff_emails(grant, &staff).await?;
        let records = events
            .into_iter()
            .map(|event| {
                let actor_label = match emails.get(&event.actor_id) {
                    Some(email) if event.actor_type == "staff" => format!("staff {email}"),
                    _ => format!("{} {}", event.actor_type, event.actor_id),
                };
                HistoryRecord { event, actor_label }
            })
            .collect();
        let audit = AuditEvent::new(
            grant_actor(grant),
            "payment_method.history",
            Outcome::Success,
            origin,
        )
        .resource(PM, id);
        self.audit_alone(&audit).await?;
        Ok(records)
    }

    /// Every API key. Audit: `api_key.list`.
    pub async fn list_api_keys(
        &self,
        grant: &Grant<ListApiKeys>,
        origin: &Origin,
    ) -> Result<Vec<ApiKeyInfo>, VaultError> {
        self.api_key_list(grant_actor(grant), origin).await
    }

    /// Every API key, for the host's command line (the system operator only). Audit:
    /// `api_key.list` by `system`.
    pub async fn list_api_keys_on_host(
        &self,
        operator: &crate::access::Actor,
    ) -> Result<Vec<ApiKeyInfo>, VaultError> {
        if !operator.is_host_shell_operator() {
            return Err(crate::access::Denied {
                action: "api_key.list",
                required: "system operator",
                step_up: false,
            }
            .into());
        }
        self.api_key_list(operator, &Origin::default()).await
    }

    async fn api_key_list(
        &self,
        actor: &crate::access::Actor,
        origin: &Origin,
    ) -> Result<Vec<ApiKeyInfo>, VaultError> {
        let rows = {
            let mut conn = self.store.reader().acquire().await?;
            store::api_keys::list(&mut conn).await?
        };
        let event = AuditEvent::new(actor, "api_key.list", Outcome::Success, origin);
        self.audit_alone(&event).await?;
        Ok(rows
            .into_iter()
            .map(|r| ApiKeyInfo {
                id: r.id,
                name: r.name,
                scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
                created_at: r.created_at,
                revoked_at: r.revoked_at,
                created_by: r.created_by,
                approved_at: r.approved_at,
                approved_by: r.approved_by,
                expires_at: r.expires_at,
                allowed_ips: r
                    .allowed_ips
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
            .collect())
    }

    /// Creates an API key for a channel from the console. A key with a scope that reaches
    /// beyond a channel's masked data (`payment_methods:reveal`, `channels:all`) is unusable
    /// until a second security admin approves it, so no admin can issue themselves a way to
    /// read every card. Audit: `api_key.create` (with `pending_approval`).
    pub async fn create_api_key_as(
        &self,
        grant: &Grant<CreateApiKey>,
        name: &str,
        scopes: &[Scope],
        limits: &super::KeyLimits,
        origin: &Origin,
    ) -> Result<super::NewApiKey, VaultError> {
        let needs_approval = scopes.iter().any(|s| s.needs_second_approval());
        self.insert_api_key(
            grant_actor(grant),
            name,
            scopes,
            limits,
            needs_approval,
            origin,
        )
        .await
    }

    /// Approves a waiting key that another security admin issued; it works from then on.
    /// Audit: `api_key.approve` (failure `self_approval` for one's own key, `resource_missing`
    /// when there is no such waiting key).
    pub async fn approve_api_key(
        &self,
        grant: &Grant<ApproveApiKey>,
        id: &str,
        origin: &Origin,
    ) -> Result<(), VaultError> {
        let actor = grant_actor(grant);
        let mut tx = self.store.writer().begin().await?;
        let row = store::api_keys::find(&mut tx, id).await?;
        let own = row
            .as_ref()
            .is_some_and(|r| r.created_by.as_deref() == Some(actor.id()));
        let approved = !own
            && store::api_keys::approve(&mut tx, id, actor.id(), crate::clock::now_millis())
                .await?;
        let (outcome, detail) = match (approved, own) {
            (true, _) => (
                Outcome::Success,
                serde_json::json!({ "scopes": row.map(|r| r.scopes) }),
            ),
            (false, true) => (
                Outcome::Denied,
                serde_json::json!({ "code": "self_approval" }),
            ),
            (false, false) => (
                Outcome::Failure,
                serde_json::json!({ "code": "resource_missing" }),
            ),
        };
        AuditEvent::new(actor, "api_key.approve", outcome, origin)
            .resource("api_key", id)
            .detail(detail)
            .write(&mut tx)
            .await?;
        tx.commit().await?;
        match (approved, own) {
            (true, _) => Ok(()),
            (false, true) => Err(crate::cde::intake::IntakeError::invalid_because(
                "api_key",
                "another security admin must approve a key you issued",
            )
            .into()),
            (false, false) => Err(VaultError::NotFound),
        }
    }

    /// Revokes an API key from the console. Audit: `api_key.revoke`.
    pub async fn revoke_api_key_as(
        &self,
        grant: &Grant<RevokeApiKey>,
        id: &str,
        origin: &Origin,
    ) -> Result<bool, VaultError> {
        self.revoke_key(grant_actor(grant), id, true, origin).await
    }
}
