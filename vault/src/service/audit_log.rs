//! The audit log as compliance officers and operators use it: search, one event, signed export,
//! chain status and verification, checkpoints, the daily review and its queue, and retention.
//! Every read of the log is itself audited (PCI DSS 10.2.1.3).

use super::{Vault, grant_actor};
use crate::access::{Action, Actor, ExportAuditLog, Grant, ReadAuditLog, ReviewAuditFlag};
use crate::audit::export::{self, ExportFormat};
use crate::audit::review::{self, ReviewRules};
use crate::audit::verify::{self, VerifyReport};
use crate::audit::{AuditEvent, Origin, Outcome, archive, checkpoint};
use crate::error::VaultError;
use crate::store::audit_flags::{self, FlagRow};
use crate::store::audit_search::{self, AuditFilter};
use crate::store::{self, ArchiveRow, CheckpointRow, StoredEvent};
use sqlx::Connection;
use std::path::Path;

/// Events per search page.
pub const AUDIT_PAGE: i64 = 50;
/// Most events one export may hold (narrow the filter for more).
pub const EXPORT_LIMIT: i64 = 100_000;

/// A page of search results and the cursor of the next (older) page.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<StoredEvent>,
    pub next_before: Option<i64>,
}

/// A signed export, ready to download.
#[derive(Debug, Clone)]
pub struct SignedExport {
    pub file_name: String,
    pub content_type: &'static str,
    pub content: String,
    pub events: usize,
    pub sha256: String,
}

/// What the console shows about the chain.
#[derive(Debug, Clone)]
pub struct ChainStatus {
    pub head_seq: i64,
    pub head_at: i64,
    pub last_checkpoint: Option<CheckpointRow>,
    /// The newest `audit.verify` event, if any verification ran.
    pub last_verification: Option<StoredEvent>,
    pub archives: usize,
}

/// Where retention left things.
#[derive(Debug, Clone, Default)]
pub struct RetentionRun {
    pub archived: Vec<ArchiveRow>,
    pub files_expired: u64,
}

fn filter_detail(f: &AuditFilter) -> serde_json::Value {
    serde_json::json!({
        "from": f.from, "to": f.to, "actor": f.actor_id, "action": f.action,
        "resource": f.resource_id, "outcome": f.outcome, "origin_ip": f.origin_ip,
        "reason": f.reason,
    })
}

impl Vault {
    /// The audit signing key's public half (SEC1), for verifying checkpoints and exports.
    pub fn audit_public_key(&self) -> &[u8] {
        self.hsm.audit_public_key()
    }

    /// The actor id a compliance officer means: a staff email becomes the account id; anything
    /// else is taken as an id (API key `ak_…`, `usr_…`, `service`, …).
    pub async fn resolve_actor<A: Action>(
        &self,
        _: &Grant<A>,
        text: &str,
    ) -> Result<String, VaultError> {
        let text = text.trim();
        if text.contains('@') {
            let mut conn = self.store.reader().acquire().await?;
            let email = text.to_lowercase();
            if let Some(user) = store::staff::find_by_email(&mut conn, &email).await? {
                return Ok(user.id);
            }
        }
        Ok(text.to_owned())
    }

    /// Searches the log, newest first. Audit: `audit.search` with the filter.
    pub async fn search_audit(
        &self,
        grant: &Grant<ReadAuditLog>,
        filter: &AuditFilter,
        before: Option<i64>,
        origin: &Origin,
    ) -> Result<AuditPage, VaultError> {
        let mut events = {
            let mut conn = self.store.reader().acquire().await?;
            audit_search::search(&mut conn, filter, before, AUDIT_PAGE + 1).await?
        };
        let more = events.len() > AUDIT_PAGE as usize;
        events.truncate(AUDIT_PAGE as usize);
        let next_before = more.then(|| events.last().map(|e| e.seq)).flatten();
        let mut detail = filter_detail(filter);
        detail["before"] = before.into();
        detail["count"] = events.len().into();
        let event = AuditEvent::new(grant_actor(grant), "audit.search", Outcome::Success, origin)
            .detail(detail);
        self.audit_alone(&event).await?;
        Ok(AuditPage {
            events,
            next_before,
        })
    }

    /// One event in full. Audit: `audit.read`.
    pub async fn audit_event(
        &self,
        grant: &Grant<ReadAuditLog>,
        seq: i64,
        origin: &Origin,
    ) -> Result<StoredEvent, VaultError> {
        let found = {
            let mut conn = self.store.reader().acquire().await?;
            store::audit::by_seq(&mut conn, seq).await?
        };
        let seq_text = seq.to_string();
        let outcome = if found.is_some() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let event = AuditEvent::new(grant_actor(grant), "audit.read", outcome, origin)
            .resource("audit_event", &seq_text);
        self.audit_alone(&event).await?;
        found.ok_or(VaultError::NotFound)
    }

    /// Exports what `filter` matches (newest first, at most [`EXPORT_LIMIT`]) as a file signed in
    /// the HSM. Needs a step-up. Audit: `audit.export` with the filter, count and digest — written
    /// before the file is handed over.
    pub async fn export_audit(
        &self,
        grant: &Grant<ExportAuditLog>,
        filter: &AuditFilter,
        format: ExportFormat,
        origin: &Origin,
    ) -> Result<SignedExport, VaultError> {
        let mut events = Vec::new();
        {
            let mut conn = self.store.reader().acquire().await?;
            let mut before = None;
            while (events.len() as i64) < EXPORT_LIMIT {
                let page = audit_search::search(&mut conn, filter, before, 5_000).await?;
                let done = page.len() < 5_000;
                before = page.last().map(|e| e.seq);
                events.extend(page);
                if done {
                    break;
                }
            }
            events.truncate(EXPORT_LIMIT as usize);
        }
        let body = export::body(format, &events);
        let public = self.hsm.audit_public_key();
        let signature = crate::audit::signing::sign(&self.hsm, body.as_bytes())?;
        let line = export::signature_line(&body, public, &signature);
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes()));
        let mut detail = filter_detail(filter);
        detail["format"] = format.extension().into();
        detail["count"] = events.len().into();
        detail["sha256"] = sha256.clone().into();
        let event = AuditEvent::new(grant_actor(grant), "audit.export", Outcome::Success, origin)
            .detail(detail);
        self.audit_alone(&event).await?;
        let stamp = crate::audit::record::rfc3339(crate::clock::now_millis()).replace(':', "");
        Ok(SignedExport {
            file_name: format!("coffer-audit-{}.{}", &stamp[..15], format.extension()),
            content_type: format.content_type(),
            content: body + &line,
            events: events.len(),
            sha256,
        })
    }

    /// The chain head, last checkpoint, last verification and archive count (no audit event:
    /// it shows no event content; the page that shows it audits its own search).
    pub async fn chain_status(&self, _: &Grant<ReadAuditLog>) -> Result<ChainStatus, VaultError> {
        let mut conn = self.store.reader().acquire().await?;
        let head = store::audit::head(&mut conn).await?;
        let last_checkpoint = store::audit_seals::last_checkpoint(&mut conn).await?;
        let filter = AuditFilter {
            action: Some("audit.verify".into()),
            ..AuditFilter::default()
        };
        let last_verification = audit_search::search(&mut conn, &filter, None, 1)
            .await?
            .into_iter()
            .next();
        let archives = store::audit_seals::archives(&mut conn).await?.len();
        Ok(ChainStatus {
            head_seq: head.seq,
            head_at: head.last_at,
            last_checkpoint,
            last_verification,
            archives,
        })
    }

    /// Signs the chain head in the HSM unless it is already signed (every minute, at start and at
    /// shutdown), once the events since the last signed point are checked to lead to it. If they
    /// do not, nothing is signed: the refusal is audited as `audit.checkpoint` failure (flagged
    /// by the daily review) and returned as `AuditChain`.
    pub async fn checkpoint_audit(&self) -> Result<Option<CheckpointRow>, VaultError> {
        match checkpoint::write(&self.store, &self.hsm).await {
            Err(VaultError::AuditChain(problem)) => {
                let origin = Origin::default();
                let event = AuditEvent::new(
                    &Actor::SERVICE,
                    "audit.checkpoint",
                    Outcome::Failure,
                    &origin,
                )
                .detail(serde_json::json!({ "problem": problem }));
                self.audit_alone(&event).await?;
                Err(VaultError::AuditChain(problem))
            }
            other => other,
        }
    }

    /// Verifies the whole chain, archives and checkpoints as of now, and records the result as
    /// an `audit.verify` event (a failure is itself flagged by the daily review).
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        archive_dir: &Path,
        origin: &Origin,
    ) -> Result<VerifyReport, VaultError> {
        self.verify_audit_at(actor, archive_dir, crate::clock::now_millis(), origin)
            .await
    }

    /// [`Vault::verify_audit`] as of `now` (unix ms: which archive files may be gone by then).
    pub async fn verify_audit_at(
        &self,
        actor: &Actor,
        archive_dir: &Path,
        now: i64,
        origin: &Origin,
    ) -> Result<VerifyReport, VaultError> {
        let policy =
            verify::VerifyPolicy::new(now, self.audit.retention_days, self.audit.checkpoint_ms);
        let report = {
            let mut conn = self.store.reader().acquire().await?;
            verify::verify(&mut conn, self.hsm.audit_public_key(), archive_dir, &policy).await?
        };
        let outcome = if report.ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        };
        let detail = serde_json::to_value(&report).unwrap_or_default();
        let event = AuditEvent::new(actor, "audit.verify", outcome, origin).detail(detail);
        self.audit_alone(&event).await?;
        Ok(report)
    }

    /// The review queue: flags (only unreviewed when `open_only`) and the days that still have
    /// unreviewed flags. Audit: `audit.flags`.
    pub async fn audit_flags(
        &self,
        grant: &Grant<ReadAuditLog>,
        open_only: bool,
        origin: &Origin,
    ) -> Result<(Vec<FlagRow>, Vec<(String, i64)>), VaultError> {
        let (flags, days) = {
            let mut conn = self.store.reader().acquire().await?;
            (
                audit_flags::list(&mut conn, open_only, 500).await?,
                audit_flags::open_days(&mut conn).await?,
            )
        };
        let event = AuditEvent::new(grant_actor(grant), "audit.flags", Outcome::Success, origin);
        self.audit_alone(&event).await?;
        Ok((flags, days))
    }

    /// Marks a flag reviewed with the reviewer's note, in one transaction with its audit event
    /// (`audit.flag_review`). `NotFound` if there is no such open flag.
    pub async fn review_flag(
        &self,
        grant: &Grant<ReviewAuditFlag>,
        id: &str,
        note: &str,
        origin: &Origin,
    ) -> Result<FlagRow, VaultError> {
        let actor = grant_actor(grant);
        let mut conn = self.store.writer().acquire().await?;
        let mut tx = conn.begin().await?;
        let now = crate::clock::now_millis();
        if !audit_flags::mark_reviewed(&mut tx, id, actor.id(), note, now).await? {
            return Err(VaultError::NotFound);
        }
        AuditEvent::new(actor, "audit.flag_review", Outcome::Success, origin)
            .resource("audit_flag", id)
            .reason(note)
            .write(&mut tx)
            .await?;
        let flag = audit_flags::get(&mut tx, id)
            .await?
            .ok_or(VaultError::NotFound)?;
        tx.commit().await?;
        Ok(flag)
    }

    /// Runs the daily review rules over the UTC day holding `at` (idempotent).
    pub async fn review_day(
        &self,
        at: i64,
        rules: &ReviewRules,
    ) -> Result<Vec<FlagRow>, VaultError> {
        Ok(review::review_day(&self.store, review::day_start(at), rules).await?)
    }

    /// Retention: archives events older than `hot_days` to signed files in `dir` (one file per
    /// call, up to [`archive::MAX_EVENTS_PER_ARCHIVE`] events, repeated until none is old
    /// enough), then deletes archive files older than `retention_days`.
    pub async fn apply_audit_retention(
        &self,
        dir: &Path,
        hot_days: u32,
        retention_days: u32,
        now: i64,
    ) -> Result<RetentionRun, VaultError> {
        const DAY: i64 = 86_400_000;
        let mut run = RetentionRun::default();
        let cutoff = now - i64::from(hot_days) * DAY;
        let head = {
            let mut conn = self.store.reader().acquire().await?;
            store::audit::head(&mut conn).await?.seq
        };
        while let Some(a) =
            archive::archive_before(&self.store, &self.hsm, dir, cutoff, head).await?
        {
            run.archived.push(a);
        }
        let expire_before = now - i64::from(retention_days) * DAY;
        run.files_expired =
            archive::expire_files(&self.store, &self.hsm, dir, expire_before).await?;
        Ok(run)
    }
}
