//! Group commit: one task owns a writer connection, drains the queued writes and commits them in
//! a single transaction. Each caller is answered only after that COMMIT (so nothing is reported
//! stored, or revealed, before its audit event is durable). If the batch fails, every write is
//! retried alone, so one bad write fails only itself.

use super::customers::{LinkRow, UseRow};
use super::{AuditRow, PaymentMethodRow, StoreError};
use sqlx::{AnyConnection, AnyPool, Connection};
use std::collections::HashSet;
use tokio::sync::{mpsc, oneshot};

/// Most writes committed together.
const MAX_BATCH: usize = 256;
/// Rows per multi-row INSERT (20 columns × 64 = 1,280 bind parameters, well under the limits).
const ROWS_PER_STATEMENT: usize = 64;

/// A write the batcher can carry.
#[derive(Debug)]
pub enum WriteOp {
    /// One audit event.
    Audit(Box<AuditRow>),
    /// Several audit events of one action, committed together (a forward naming several
    /// methods records one per method).
    Audits(Vec<AuditRow>),
    /// A new payment method and its audit event; nothing is written if the row already exists.
    Tokenize {
        row: Box<PaymentMethodRow>,
        audit: Box<AuditRow>,
    },
    /// A use of a stored method, its challenge link if it needs one, and its audit event.
    Use {
        row: Box<UseRow>,
        link: Option<Box<LinkRow>>,
        audit: Box<AuditRow>,
    },
}

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<bool, StoreError>>,
}

/// The handle callers send writes through.
#[derive(Clone, Debug)]
pub struct Batcher {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Batcher {
    pub fn spawn(pool: AnyPool) -> Batcher {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        Batcher { queue }
    }

    /// Whether the writer task is still there to take writes.
    pub fn is_running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// Queues `op` and waits for its commit. `Ok(false)` means a tokenize found the row present.
    pub async fn write(&self, op: WriteOp) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job { op, reply })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let e = StoreError::from(e);
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(StoreError::Unavailable(e.to_string())));
                }
                continue;
            }
        };
        match commit_together(&mut conn, &jobs).await {
            Ok(results) => {
                for (job, result) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(_) => {
                for job in jobs.drain(..) {
                    let result = commit_alone(&mut conn, &job.op).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }
}

/// The whole batch in one transaction and (at most) two statements: one multi-row insert of the
/// new payment methods (skipping existing ones, returning the ids it inserted), then one
/// multi-row insert of the audit events — those of the inserted methods and the plain events,
/// in arrival order.
async fn commit_together(conn: &mut AnyConnection, jobs: &[Job]) -> Result<Vec<bool>, StoreError> {
    let rows: Vec<&PaymentMethodRow> = jobs
        .iter()
        .filter_map(|j| match &j.op {
            WriteOp::Tokenize { row, .. } => Some(row.as_ref()),
            WriteOp::Audit(_) | WriteOp::Audits(_) | WriteOp::Use { .. } => None,
        })
        .collect();
    let mut tx = conn.begin().await?;
    let mut inserted: Vec<String> = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        inserted.extend(super::payment_methods::insert_many(&mut tx, chunk).await?);
    }
    let inserted: HashSet<String> = inserted.into_iter().collect();
    let mut results = Vec::with_capacity(jobs.len());
    let mut events: Vec<&AuditRow> = Vec::with_capacity(jobs.len());
    for job in jobs {
        match &job.op {
            WriteOp::Audit(event) => {
                events.push(event);
                results.push(true);
            }
            WriteOp::Audits(all) => {
                events.extend(all.iter());
                results.push(true);
            }
            WriteOp::Tokenize { row, audit } => {
                let new = inserted.contains(&row.id);
                if new {
                    events.push(audit);
                }
                results.push(new);
            }
            WriteOp::Use { row, link, audit } => {
                insert_use(&mut tx, row, link.as_deref()).await?;
                events.push(audit);
                results.push(true);
            }
        }
    }
    // Last, so the chain head is locked only for the end of the transaction.
    super::audit::insert_many(&mut tx, &events).await?;
    tx.commit().await?;
    Ok(results)
}

async fn commit_alone(conn: &mut AnyConnection, op: &WriteOp) -> Result<bool, StoreError> {
    let mut tx = conn.begin().await?;
    let result = apply(&mut tx, op).await?;
    tx.commit().await?;
    Ok(result)
}

async fn apply(conn: &mut AnyConnection, op: &WriteOp) -> Result<bool, StoreError> {
    match op {
        WriteOp::Audit(event) => {
            super::audit::insert(conn, event).await?;
            Ok(true)
        }
        WriteOp::Audits(all) => {
            for event in all {
                super::audit::insert(conn, event).await?;
            }
            Ok(true)
        }
        WriteOp::Tokenize { row, audit } => {
            let inserted = super::payment_methods::insert(conn, row).await?;
            if inserted {
                super::audit::insert(conn, audit).await?;
            }
            Ok(inserted)
        }
        WriteOp::Use { row, link, audit } => {
            insert_use(conn, row, link.as_deref()).await?;
            super::audit::insert(conn, audit).await?;
            Ok(true)
        }
    }
}

async fn insert_use(
    conn: &mut AnyConnection,
    row: &UseRow,
    link: Option<&LinkRow>,
) -> Result<(), StoreError> {
    super::customers::insert_use(conn, row).await?;
    if let Some(link) = link {
        super::customers::insert_link(conn, link).await?;
    }
    Ok(())
}
