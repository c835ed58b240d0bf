//! Open-loop runs: requests go out on a fixed schedule (start + i/rate) whatever the server does, and
//! latency is measured from each request's scheduled time, so queueing is not hidden (coordinated omission).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use crate::ops::{Op, Outcome, Target};
use crate::report::{Load, Recorder, RunResult, SchedulerLag};

/// A send that starts later than this after its scheduled time counts as late.
const LATE: Duration = Duration::from_millis(5);
/// The run warns when the scheduler's worst lag exceeds this.
const WARN_LAG: Duration = Duration::from_millis(20);

/// Offset from the run's start at which request `i` is scheduled, for `rate` requests per second.
pub fn send_offset(i: u64, rate: u64) -> Duration {
    let nanos = u128::from(i) * 1_000_000_000 / u128::from(rate.max(1));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// Number of requests whose scheduled offset lies within `window`: the smallest n with send_offset(n) >= window.
pub fn schedule_len(window: Duration, rate: u64) -> u64 {
    let scaled = window.as_nanos() * u128::from(rate);
    u64::try_from(scaled.div_ceil(1_000_000_000)).unwrap_or(u64::MAX)
}

/// Runs `op` at `rate` requests/s: `warmup` unmeasured, then `duration` measured, with at most
/// `max_in_flight` outstanding requests (sends beyond the cap are dropped and counted as "dropped" errors).
///
/// Throughput is successful requests scheduled in the measured window divided by the window's length.
pub async fn run(
    target: Arc<Target>,
    op: Op,
    ids: Arc<Vec<String>>,
    rate: u64,
    max_in_flight: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<RunResult> {
    let rate = rate.max(1);
    let max_in_flight = max_in_flight.max(1);
    let (tx, mut rx) = mpsc::unbounded_channel::<(Outcome, Duration)>();
    let collector = tokio::spawn(async move {
        let mut rec = Recorder::new()?;
        while let Some((outcome, latency)) = rx.recv().await {
            rec.record(outcome, latency);
        }
        anyhow::Ok(rec)
    });

    let slots = Arc::new(Semaphore::new(max_in_flight));
    let total = schedule_len(warmup + duration, rate);
    let mut lag = SchedulerLag::default();
    let start = Instant::now();

    for i in 0..total {
        let offset = send_offset(i, rate);
        let scheduled = start + offset;
        if Instant::now() < scheduled {
            tokio::time::sleep_until(scheduled).await;
        }
        let behind = scheduled.elapsed();
        lag.max = lag.max.max(behind);
        lag.total_sends += 1;
        if behind > LATE {
            lag.late_sends += 1;
        }
        let measured = offset >= warmup;
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            if measured {
                let _ = tx.send((Outcome::Error("dropped".into()), Duration::ZERO));
            }
            continue;
        };
        let target = Arc::clone(&target);
        let ids = Arc::clone(&ids);
        let tx = tx.clone();
        tokio::spawn(async move {
            let outcome = target.send(op, &ids).await;
            // Measured from the scheduled time, not from when the request actually went out.
            let latency = scheduled.elapsed();
            drop(permit);
            if measured {
                let _ = tx.send((outcome, latency));
            }
        });
    }
    drop(tx);

    let rec = collector.await??;
    if lag.max > WARN_LAG {
        eprintln!(
            "warning: open-loop scheduler fell behind: {} of {} sends started more than {}ms late (max lag {:.1}ms); \
             the load generator may be limiting the offered rate",
            lag.late_sends,
            lag.total_sends,
            LATE.as_millis(),
            lag.max.as_secs_f64() * 1000.0
        );
    }
    Ok(RunResult::from_recorder(
        op.name(),
        Load::Open {
            rate,
            max_in_flight,
        },
        duration,
        duration,
        &rec,
        Some(lag),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_evenly_spaced() {
        assert_eq!(send_offset(0, 2500), Duration::ZERO);
        assert_eq!(send_offset(1, 2500), Duration::from_micros(400));
        assert_eq!(send_offset(2500, 2500), Duration::from_secs(1));
        assert_eq!(send_offset(3, 3), Duration::from_secs(1));
        // No drift from accumulating rounded intervals: offsets are computed from i directly.
        assert_eq!(send_offset(7, 3), Duration::from_nanos(2_333_333_333));
        assert_eq!(send_offset(3_000_000, 3), Duration::from_secs(1_000_000));
    }

    #[test]
    fn schedule_covers_the_window_exactly() {
        for (window, rate) in [
            (Duration::from_secs(22), 2500),
            (Duration::from_millis(1500), 3),
            (Duration::from_nanos(1), 2500),
            (Duration::from_secs(1), 7),
        ] {
            let n = schedule_len(window, rate);
            assert!(n > 0);
            assert!(send_offset(n - 1, rate) < window, "last send inside window");
            assert!(send_offset(n, rate) >= window, "next send outside window");
        }
        assert_eq!(schedule_len(Duration::from_secs(22), 2500), 55_000);
        assert_eq!(schedule_len(Duration::ZERO, 2500), 0);
    }

    #[test]
    fn warmup_split() {
        // With 2s warm-up at 2500/s, exactly the first 5000 sends are unmeasured.
        let warmup = Duration::from_secs(2);
        let measured = (0..schedule_len(Duration::from_secs(22), 2500))
            .filter(|&i| send_offset(i, 2500) >= warmup)
            .count();
        assert_eq!(measured, 50_000);
    }
}
