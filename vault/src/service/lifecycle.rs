//! The lifecycle and retention job: at a given clock it turns cards expiring and expired, fires
//! and suppresses expiry alerts, archives and shreds by the retention policy, and records the
//! run. Safe to run on several nodes at once (a lease in the database; every step is idempotent).

use super::{PM, Vault};
use crate::access::Actor;
use crate::audit::{AuditEvent, Origin, Outcome};
use crate::error::VaultError;
use crate::lifecycle::{calendar, days_ms};
use crate::store::lifecycle::{self as lc, AlertRow, RunRow, TransitionRow};
use crate::store::{self, PaymentMethodRow};
use serde::Serialize;
use sqlx::AnyConnection;

/// Rows handled per transaction.
const CHUNK: i64 = 200;
/// The lease's name, and how long a node may hold it before another may take over.
const LEASE: &str = "lifecycle";
const LEASE_MS: i64 = 15 * 60 * 1000;

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RunCounts {
    pub expiring: u64,
    pub alerts_sent: u64,
    pub alerts_suppressed: u64,
    pub alerts_skipped: u64,
    pub expired: u64,
    pub archived_expired: u64,
    pub archived_unused: u64,
    pub shredded: u64,
}

/// The record of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRun {
    pub id: String,
    pub clock: i64,
    pub counts: RunCounts,
}

/// Which retention step a chunked pass applies (with its cut-off, unix ms).
#[derive(Debug, Clone, Copy)]
enum Retire {
    Unused(i64),
    Shred(i64),
}

/// A change of state to apply to one method inside a transaction.
struct Step<'a> {
    to: &'static str,
    reason: &'static str,
    event: Option<&'static str>,
    audit: Option<&'static str>,
    now: i64,
    extra: serde_json::Value,
    row: &'a PaymentMethodRow,
}

impl Vault {
    /// Applies the lifecycle policy as of `now` (unix ms; the scheduler passes the wall clock,
    /// tests and `coffer lifecycle run --at` another). Returns `None` when another node holds
    /// the lease. Audit: `lifecycle.run`, and `payment_method.archive` / `payment_method.shred`
    /// for each method archived or shredded.
    pub async fn run_lifecycle(
        &self,
        node: &str,
        now: i64,
    ) -> Result<Option<LifecycleRun>, VaultError> {
        // The lease is held in wall-clock time, whatever clock the policy is applied at: a run
        // at another clock (`--at`) must not lock the other nodes out until then.
        let started_at = crate::clock::now_millis();
        let mut conn = self.store.writer().acquire().await?;
        if !lc::acquire_lease(&mut conn, LEASE, node, started_at, started_at + LEASE_MS).await? {
            return Ok(None);
        }
        drop(conn);
        let result = self.run_steps(now).await;
        let mut conn = self.store.writer().acquire().await?;
        lc::release_lease(&mut conn, LEASE, node, crate::clock::now_millis()).await?;
        drop(conn);
        let counts = result?;
        let run = RunRow {
            id: crate::token::random_id("run"),
            node: node.to_owned(),
            clock: now,
            started_at,
            finished_at: crate::clock::now_millis(),
            counts: serde_json::to_string(&counts).unwrap_or_default(),
        };
        let mut tx = self.store.writer().begin().await?;
        lc::insert_run(&mut tx, &run).await?;
        AuditEvent::new(
            &Actor::SERVICE,
            "lifecycle.run",
            Outcome::Success,
            &Origin::default(),
        )
        .resource("lifecycle_run", &run.id)
        .detail(serde_json::json!({ "clock": now, "counts": counts }))
        .write(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(Some(LifecycleRun {
            id: run.id,
            clock: now,
            counts,
        }))
    }

    async fn run_steps(&self, now: i64) -> Result<RunCounts, VaultError> {
        let p = &self.lifecycle;
        let mut c = RunCounts::default();
        let window_end = p.expiring_through(now);
        c.expiring = self
            .each_ending("active", window_end, now, "expiring")
            .await?;
        // Cards that have ended turn expired before alerts fire, so that an alert still pending
        // then (the job did not run in between) is suppressed as `expired`, not sent late.
        let ended = calendar::ended_by(now);
        c.expired = self.each_ending("active", ended, now, "expired").await?
            + self.each_ending("expiring", ended, now, "expired").await?;
        (c.alerts_sent, c.alerts_suppressed, c.alerts_skipped) = self.fire_alerts(now).await?;
        let archive_before = calendar::ended_by(now - days_ms(p.archive_expired_after_days));
        c.archived_expired = self
            .each_ending("expired", archive_before, now, "archived")
            .await?;
        let unused_cut = now - days_ms(p.archive_unused_after_days);
        c.archived_unused = self.each_chunk(now, Retire::Unused(unused_cut)).await?;
        let shred_cut = now - days_ms(p.shred_archived_after_days);
        c.shredded = self.each_chunk(now, Retire::Shred(shred_cut)).await?;
        Ok(c)
    }

    /// Moves live methods in `from` whose expiry month is at most `max_month` to `to`.
    async fn each_ending(
        &self,
        from: &'static str,
        max_month: i64,
        now: i64,
        to: &'static str,
    ) -> Result<u64, VaultError> {
        let mut done = 0;
        loop {
            let mut tx = self.store.writer().begin().await?;
            let rows = lc::methods_ending(&mut tx, from, max_month, CHUNK).await?;
            for row in &rows {
                let step = match to {
                    "expiring" => self.step_expiring(&mut tx, row, now).await?,
                    "expired" => {
                        Step::new(row, now, "expired", "expired").event("payment_method.expired")
                    }
                    _ => Step::new(row, now, "archived", "retention_expired")
                        .event("payment_method.archived")
                        .audit("payment_method.archive"),
                };
                done += u64::from(self.apply(&mut tx, step).await?);
            }
            tx.commit().await?;
            if i64::try_from(rows.len()).unwrap_or(0) < CHUNK {
                return Ok(done);
            }
        }
    }

    /// Archives unused live methods, or shreds archived and replaced ones, chunk by chunk.
    async fn each_chunk(&self, now: i64, which: Retire) -> Result<u64, VaultError> {
        let mut done = 0;
        loop {
            let mut tx = self.store.writer().begin().await?;
            let rows = match which {
                Retire::Unused(cut) => lc::methods_unused(&mut tx, cut, CHUNK).await?,
                Retire::Shred(cut) => lc::methods_retired(&mut tx, cut, CHUNK).await?,
            };
            for row in &rows {
                let step = if matches!(row.status.as_str(), "archived" | "replaced") {
                    Step::new(row, now, "shredded", "retention").audit("payment_method.shred")
                } else {
                    Step::new(row, now, "archived", "unused")
                        .event("payment_method.archived")
                        .audit("payment_method.archive")
                };
                done += u64::from(self.apply(&mut tx, step).await?);
            }
            tx.commit().await?;
            if i64::try_from(rows.len()).unwrap_or(0) < CHUNK {
                return Ok(done);
            }
        }
    }

    /// Turns a method `expiring` and schedules its alerts, one per lead time.
    async fn step_expiring<'a>(
        &self,
        tx: &mut AnyConnection,
        row: &'a PaymentMethodRow,
        now: i64,
    ) -> Result<Step<'a>, VaultError> {
        if let Some(month) = expires_month(row) {
            for lead in &self.lifecycle.lead_days {
                let alert = AlertRow {
                    id: crate::token::random_id("alr"),
                    payment_method: row.id.clone(),
                    lead_days: i64::from(*lead),
                    expires_month: month,
                    fire_at: calendar::expires_at(month) - days_ms(*lead),
                    status: "pending".into(),
                    reason: None,
                };
                lc::insert_alert(tx, &alert, now).await?;
            }
        }
        Ok(Step::new(row, now, "expiring", "expiry_window"))
    }

    /// Applies one step: the state change, its transition, and its webhook and audit event.
    /// Returns false if the method had moved on meanwhile (another node, or a re-verification).
    async fn apply(&self, tx: &mut AnyConnection, s: Step<'_>) -> Result<bool, VaultError> {
        let moved = if s.to == "shredded" {
            store::payment_methods::shred(tx, &s.row.id, s.now).await?
        } else {
            lc::set_status(tx, &s.row.id, &s.row.status, s.to, s.now).await?
        };
        if !moved {
            return Ok(false);
        }
        let actor = Actor::SERVICE;
        record_transition(tx, &s.row.id, &s.row.status, s.to, s.reason, &actor, s.now).await?;
        if let Some(event) = s.event {
            let mut after = s.row.clone();
            after.status = s.to.to_owned();
            // The outbox row is due at the wall clock, not at the job's.
            self.enqueue_method_event(
                tx,
                &after,
                event,
                s.extra.clone(),
                crate::clock::now_millis(),
            )
            .await?;
        }
        if let Some(action) = s.audit {
            AuditEvent::new(&actor, action, Outcome::Success, &Origin::default())
                .resource(PM, &s.row.id)
                .detail(serde_json::json!({ "reason": s.reason, "from": s.row.status }))
                .write(tx)
                .await?;
        }
        Ok(true)
    }

    /// Fires due alerts: the shortest due lead time of a method whose card is unchanged is sent
    /// (webhook `payment_method.expiring`), longer ones due at the same run are skipped, and
    /// alerts of a card updated, replaced or retired since they were scheduled are suppressed.
    async fn fire_alerts(&self, now: i64) -> Result<(u64, u64, u64), VaultError> {
        let (mut sent, mut suppressed, mut skipped) = (0, 0, 0);
        loop {
            let mut tx = self.store.writer().begin().await?;
            let mut due = lc::due_alerts(&mut tx, now, CHUNK).await?;
            let full = i64::try_from(due.len()).unwrap_or(0) >= CHUNK;
            // A full chunk may end inside a method's alerts: leave that method to the next one,
            // so its alerts are decided together (unless it is the only method in the chunk).
            if full && let Some(last) = due.last().map(|a| a.payment_method.clone()) {
                let start = due
                    .iter()
                    .position(|a| a.payment_method == last)
                    .unwrap_or(0);
                if start > 0 {
                    due.truncate(start);
                }
            }
            let mut i = 0;
            while i < due.len() {
                let method = &due[i].payment_method;
                let group_end = due[i..]
                    .iter()
                    .position(|a| &a.payment_method != method)
                    .map_or(due.len(), |k| i + k);
                let group = &due[i..group_end];
                i = group_end;
                let row = store::payment_methods::find(&mut tx, method).await?;
                // Decided alert by alert: a method updated to an expiry that is itself soon has
                // due alerts of two expiries, the old one's suppressed, the new one's live.
                let mut first_live = true;
                for alert in group {
                    let (status, reason) = match suppression(row.as_ref(), alert.expires_month) {
                        Some(why) => ("suppressed", Some(why)),
                        None if first_live => {
                            first_live = false;
                            ("sent", None)
                        }
                        None => ("skipped", Some("superseded")),
                    };
                    if !lc::decide_alert(&mut tx, &alert.id, status, reason, now).await? {
                        continue;
                    }
                    match status {
                        "sent" => {
                            sent += 1;
                            if let Some(row) = &row {
                                let extra = serde_json::json!({
                                    "lead_days": alert.lead_days,
                                    "expires_at": calendar::expires_at(alert.expires_month) / 1000,
                                });
                                self.enqueue_method_event(
                                    &mut tx,
                                    row,
                                    "payment_method.expiring",
                                    extra,
                                    crate::clock::now_millis(),
                                )
                                .await?;
                            }
                        }
                        "suppressed" => suppressed += 1,
                        _ => skipped += 1,
                    }
                }
            }
            tx.commit().await?;
            if !full {
                return Ok((sent, suppressed, skipped));
            }
        }
    }
}

impl<'a> Step<'a> {
    fn new(row: &'a PaymentMethodRow, now: i64, to: &'static str, reason: &'static str) -> Self {
        Step {
            to,
            reason,
            event: None,
            audit: None,
            now,
            extra: serde_json::Value::Null,
            row,
        }
    }

    fn event(mut self, event: &'static str) -> Self {
        self.event = Some(event);
        self
    }

    fn audit(mut self, action: &'static str) -> Self {
        self.audit = Some(action);
        self
    }
}

/// The card's expiry month number, if it has one.
pub(crate) fn expires_month(row: &PaymentMethodRow) -> Option<i64> {
    Some(row.exp_year? * 12 + row.exp_month? - 1)
}

/// Why an alert scheduled for expiry month `month` must not fire, if it must not.
fn suppression(row: Option<&PaymentMethodRow>, month: i64) -> Option<&'static str> {
    let Some(row) = row else {
        return Some("shredded");
    };
    match row.status.as_str() {
        "replaced" => Some("replaced"),
        "archived" => Some("archived"),
        "shredded" => Some("shredded"),
        "expired" => Some("expired"),
        _ if expires_month(row) != Some(month) => Some("updated"),
        _ => None,
    }
}

/// Records a change of state (by whom, why, when).
pub(crate) async fn record_transition(
    tx: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    reason: &str,
    actor: &Actor,
    at: i64,
) -> Result<(), VaultError> {
    lc::insert_transition(
        tx,
        &TransitionRow {
            payment_method: id.to_owned(),
            from_status: from.to_owned(),
            to_status: to.to_owned(),
            reason: reason.to_owned(),
            actor: format!("{}:{}", actor.kind(), actor.id()),
            at,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(status: &str, month: i64, year: i64) -> PaymentMethodRow {
        PaymentMethodRow {
            id: "pm_1".into(),
            customer: "c".into(),
            kind: "card".into(),
            status: status.into(),
            fingerprint: String::new(),
            display: "{}".into(),
            brand: Some("visa".into()),
            last4: "4242".into(),
            exp_month: Some(month),
            exp_year: Some(year),
            alias: None,
            billing_details: None,
            metadata: None,
            channel: "web".into(),
            key_id: None,
            nonce: None,
            ciphertext: None,
            created_at: 0,
            updated_at: 0,
            shredded_at: None,
            channel_fingerprint: None,
        }
    }

    #[test]
    fn alerts_fire_only_for_the_card_they_were_scheduled_for() {
        let m = 2027 * 12 + 2;
        assert_eq!(suppression(Some(&row("expiring", 3, 2027)), m), None);
        assert_eq!(suppression(Some(&row("active", 3, 2027)), m), None);
        assert_eq!(
            suppression(Some(&row("active", 3, 2029)), m),
            Some("updated")
        );
        assert_eq!(
            suppression(Some(&row("replaced", 3, 2027)), m),
            Some("replaced")
        );
        assert_eq!(
            suppression(Some(&row("archived", 3, 2027)), m),
            Some("archived")
        );
        assert_eq!(suppression(None, m), Some("shredded"));
    }
}
