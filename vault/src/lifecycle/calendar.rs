//! Month numbers (`year * 12 + month - 1`, as in the `expires_month` column) and the instants
//! they start and end at, in UTC.

use time::{Date, Month, OffsetDateTime};

/// The month number of the instant `ms` (unix milliseconds, UTC).
pub fn month_index(ms: i64) -> i64 {
    let t = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1
}

/// The first instant (unix ms) of month number `index`.
pub fn month_start(index: i64) -> i64 {
    let year = i32::try_from(index.div_euclid(12))
        .unwrap_or(9999)
        .clamp(1, 9999);
    let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
    let month = Month::try_from(month).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1)
        .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
        .unwrap_or(0)
}

/// When a card of expiry month number `index` stops being valid: the start of the next month.
pub fn expires_at(index: i64) -> i64 {
    month_start(index + 1)
}

/// `MM/YYYY` for month number `index`.
pub fn month_label(index: i64) -> String {
    format!("{:02}/{}", index.rem_euclid(12) + 1, index.div_euclid(12))
}

/// The largest month number whose cards have ended by the instant `ms`
/// (`expires_at(m) <= ms` exactly when `m <= ended_by(ms)`).
pub fn ended_by(ms: i64) -> i64 {
    month_index(ms) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn months_start_and_end_in_utc() {
        // 2026-12 is month number 2026 * 12 + 11.
        let dec = 2026 * 12 + 11;
        assert_eq!(month_start(dec), 1_796_083_200_000); // 2026-12-01T00:00:00Z
        assert_eq!(expires_at(dec), 1_798_761_600_000); // 2027-01-01T00:00:00Z
        assert_eq!(month_index(1_798_761_599_999), dec);
        assert_eq!(month_index(1_798_761_600_000), dec + 1);
        assert_eq!(month_label(dec), "12/2026");
    }

    proptest! {
        #[test]
        fn ended_by_matches_expires_at(m in 20_000i64..30_000, offset in -40i64 * 86_400_000..40 * 86_400_000) {
            let t = expires_at(m) + offset;
            prop_assert_eq!(expires_at(m) <= t, m <= ended_by(t));
        }
    }
}
