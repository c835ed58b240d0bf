//! The calendar every crate shares, in plain arithmetic (no clock, so it builds for wasm):
//! days and months since the epoch, `YYYY-MM-DD[THH:MM[:SS]][Z]` reading, RFC 3339 writing, and
//! month numbers (`year * 12 + month - 1`, as in the `expires_month` column), all in UTC.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month 1–12, day 1–31) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn month_days(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn number(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (years 1970 to 9999).
pub fn parse_date(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y = number(date.get(..4)?, 4)?;
    let m = number(date.get(5..7)?, 2)?;
    let d = number(date.get(8..)?, 2)?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > month_days(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` (midnight UTC, or the next midnight when `end_of_day`), or
/// `YYYY-MM-DDTHH:MM[:SS][Z]` (a space for the `T` too) as unix milliseconds.
pub fn parse_time(text: &str, end_of_day: bool) -> Option<i64> {
    let text = text.trim();
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix('z'))
        .unwrap_or(text);
    if !text.is_ascii() || text.len() < 10 {
        return None;
    }
    let (date, rest) = text.split_at(10);
    let day = parse_date(date)?;
    if rest.is_empty() {
        return Some((day + i64::from(end_of_day)) * DAY_MS);
    }
    let time = rest.strip_prefix(['T', 't', ' '])?;
    let parts: Vec<&str> = time.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let h = number(h, 2).filter(|h| *h < 24)?;
    let m = number(m, 2).filter(|m| *m < 60)?;
    let s = number(s, 2).filter(|s| *s < 60)?;
    Some(day * DAY_MS + ((h * 60 + m) * 60 + s) * 1000)
}

/// RFC 3339 in UTC of unix milliseconds: `2026-12-04T20:56:12Z`, with the fraction only when it
/// is not zero and without trailing zeros (`.5`, `.25`, `.125`); the number itself outside
/// years 0000–9999.
pub fn rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return ms.to_string();
    }
    let secs = in_day / 1000;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    let millis = in_day % 1000;
    if millis != 0 {
        let fraction = format!("{millis:03}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// The month number of the instant `ms` (unix milliseconds, UTC).
pub fn month_index(ms: i64) -> i64 {
    let (y, m, _) = civil_from_days(ms.div_euclid(DAY_MS));
    y * 12 + m - 1
}

/// The first instant (unix ms) of month number `index` (years clamped to 1–9999).
pub fn month_start(index: i64) -> i64 {
    let year = index.div_euclid(12).clamp(1, 9999);
    let month = index.rem_euclid(12) + 1;
    days_from_civil(year, month, 1) * DAY_MS
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
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;
    use time::format_description::well_known::Rfc3339;

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

    #[test]
    fn dates_and_times_are_read() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "1969-12-31",
            "2026-12-0a",
            "2026/12/01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(
            parse_time("2026-12-01T09:30", false),
            Some(1_796_117_400_000)
        );
        assert_eq!(
            parse_time("2026-12-01 09:30:15Z", false),
            Some(1_796_117_415_000)
        );
        assert_eq!(
            parse_time("2026-12-01", true),
            Some(1_796_083_200_000 + DAY_MS)
        );
        for bad in [
            "2026-12-01T24:00",
            "2026-12-01T09:60",
            "2026-12-01T9:30",
            "2026-12-01T09",
        ] {
            assert_eq!(parse_time(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn rfc3339_trims_the_fraction() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_117_415_500), "2026-12-01T09:30:15.5Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn dates_and_times_read_as_utc_milliseconds() {
        assert_eq!(parse_time("1970-01-01", false), Some(0));
        assert_eq!(parse_time("2026-12-01", false), Some(1_796_083_200_000));
        assert_eq!(
            parse_time("2026-12-01", true),
            Some(1_796_083_200_000 + DAY_MS)
        );
        assert_eq!(parse_time("2024-02-29", false), Some(1_709_164_800_000));
        assert_eq!(parse_time("2000-03-01", false), Some(951_868_800_000));
        for t in [
            "2026-12-01T09:30:15",
            "2026-12-01 09:30:15Z",
            " 2026-12-01t09:30:15 ",
        ] {
            assert_eq!(parse_time(t, true), Some(1_796_117_415_000), "{t}");
        }
        assert_eq!(
            parse_time("2026-12-01T09:30", false),
            Some(1_796_117_400_000)
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for t in [
            "",
            "2026-13-01",
            "2026-02-29",
            "2023-04-31",
            "1969-12-31",
            "2026-1-01",
            "2026-12-01T24:00",
            "2026-12-01T09:60",
            "2026-12-01T9:30",
            "2026-12-01T09",
            "2026-12-01X09:30",
            "+026-12-01",
            "２０２６-12-01",
            "yesterday",
        ] {
            assert_eq!(parse_time(t, false), None, "{t}");
        }
    }

    #[test]
    fn every_day_from_1970_to_2100_follows_the_one_before() {
        let mut expected = 0;
        for y in 1970..2100 {
            for m in 1..=12 {
                for d in 1..=month_days(y, m) {
                    let text = format!("{y:04}-{m:02}-{d:02}");
                    assert_eq!(parse_time(&text, false), Some(expected * DAY_MS), "{text}");
                    expected += 1;
                }
            }
        }
    }

    fn time_crate(ms: i64) -> String {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| ms.to_string())
    }

    proptest! {
        #[test]
        fn rfc3339_writes_what_the_time_crate_writes(ms in -62_000_000_000_000i64..253_402_300_799_999) {
            prop_assert_eq!(rfc3339(ms), time_crate(ms));
        }

        #[test]
        fn civil_days_round_trip(days in -800_000i64..3_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            prop_assert!((1..=12).contains(&m) && d >= 1 && d <= month_days(y, m));
        }

        #[test]
        fn month_numbers_match_the_time_crate(ms in 0i64..253_402_300_799_999) {
            let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap();
            prop_assert_eq!(month_index(ms), i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1);
            prop_assert!(month_start(month_index(ms)) <= ms && ms < expires_at(month_index(ms)));
        }

        #[test]
        fn ended_by_matches_expires_at(m in 20_000i64..30_000, offset in -40i64 * 86_400_000..40 * 86_400_000) {
            let t = expires_at(m) + offset;
            prop_assert_eq!(expires_at(m) <= t, m <= ended_by(t));
        }

        #[test]
        fn every_valid_day_reads_as_its_day_number(days in 0i64..2_932_896) {
            let (y, m, d) = civil_from_days(days);
            let text = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(parse_date(&text), Some(days));
            prop_assert_eq!(parse_time(&text, false), Some(days * DAY_MS));
        }
    }
}
