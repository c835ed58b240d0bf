//! Closed-loop runs: N workers, each sending its next request as soon as the previous one answers.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::time::Instant;

use crate::ops::{Op, Target};
use crate::report::{Load, Recorder, RunResult};

/// Runs `op` with `concurrency` workers: `warmup` unmeasured, then `duration` measured.
///
/// A request counts if it started inside the measured window; throughput is taken over the time from the
/// window's start until the last worker's final response.
pub async fn run(
    target: Arc<Target>,
    op: Op,
    ids: Arc<Vec<String>>,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<RunResult> {
    let concurrency = concurrency.max(1);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;

    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let mut rec = Recorder::new()?;
        let target = Arc::clone(&target);
        let ids = Arc::clone(&ids);
        workers.push(tokio::spawn(async move {
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let outcome = target.send(op, &ids).await;
                if sent >= measure_from {
                    rec.record(outcome, sent.elapsed());
                }
            }
            rec
        }));
    }

    let mut total = Recorder::new()?;
    for w in workers {
        total.merge(w.await.context("closed-loop worker failed")?)?;
    }
    let elapsed = measure_from.elapsed();
    Ok(RunResult::from_recorder(
        op.name(),
        Load::Closed { concurrency },
        duration,
        elapsed,
        &total,
        None,
    ))
}
