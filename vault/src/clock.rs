//! The wall clock, in the unix milliseconds every row and event records.

/// Milliseconds since the Unix epoch, UTC.
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}
