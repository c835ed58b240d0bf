//! `Expiry` and `YearMonth`: parsing a card's expiry month and year and checking it is current.

use super::error::CardError;

/// How many years ahead of the current year an expiry may lie.
const MAX_YEARS_AHEAD: u16 = 20;

/// A calendar month, ordered chronologically (year first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    pub year: u16,
    pub month: u8,
}

impl YearMonth {
    /// The current month in UTC.
    pub fn now_utc() -> YearMonth {
        let now = time::OffsetDateTime::now_utc();
        YearMonth {
            year: u16::try_from(now.year()).unwrap_or(u16::MAX),
            month: u8::from(now.month()),
        }
    }
}

/// A card's expiry: the card is valid through the last day of `month` of `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    month: u8,
    year: u16,
}

impl Expiry {
    /// Parses an expiry month and year as typed, checked against `today`.
    ///
    /// - `month`: `1`..`12` or `01`..`12`, surrounding whitespace ignored, else
    ///   [`CardError::InvalidExpiryMonth`].
    /// - `year`: two digits (`yy` means `20yy`) or four digits, surrounding whitespace ignored,
    ///   else [`CardError::InvalidExpiryYear`].
    /// - A month before `today`'s month is [`CardError::ExpiredCard`]; the current month is
    ///   still valid.
    /// - A year more than 20 years after `today.year` is [`CardError::InvalidExpiryYear`].
    pub fn parse(month: &str, year: &str, today: YearMonth) -> Result<Expiry, CardError> {
        let month = parse_month(month).ok_or(CardError::InvalidExpiryMonth)?;
        let year = parse_year(year).ok_or(CardError::InvalidExpiryYear)?;
        if (year, month) < (today.year, today.month) {
            return Err(CardError::ExpiredCard);
        }
        if year > today.year.saturating_add(MAX_YEARS_AHEAD) {
            return Err(CardError::InvalidExpiryYear);
        }
        Ok(Expiry { month, year })
    }

    /// The month, 1..=12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The four-digit year.
    pub fn year(self) -> u16 {
        self.year
    }
}

/// The value of `s` when it is all ASCII digits and its length is one of `lens`.
fn small_number(s: &str, lens: &[usize]) -> Option<u16> {
    if !lens.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.bytes().try_fold(0u16, |acc, b| {
        acc.checked_mul(10)?.checked_add(u16::from(b - b'0'))
    })
}

fn parse_month(s: &str) -> Option<u8> {
    let m = small_number(s.trim(), &[1, 2])?;
    if (1..=12).contains(&m) {
        u8::try_from(m).ok()
    } else {
        None
    }
}

fn parse_year(s: &str) -> Option<u16> {
    let s = s.trim();
    let y = small_number(s, &[2, 4])?;
    Some(if s.len() == 2 { 2000 + y } else { y })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 5,
    };

    fn parse(m: &str, y: &str) -> Result<Expiry, CardError> {
        Expiry::parse(m, y, TODAY)
    }

    #[test]
    fn two_and_four_digit_years() {
        assert_eq!(
            parse("12", "27").unwrap(),
            Expiry {
                month: 12,
                year: 2027
            }
        );
        assert_eq!(
            parse("12", "2027").unwrap(),
            Expiry {
                month: 12,
                year: 2027
            }
        );
        assert_eq!(parse("1", "2030").unwrap().month(), 1);
        assert_eq!(parse("01", "30").unwrap().year(), 2030);
        assert_eq!(
            parse(" 07 ", " 2031\n").unwrap(),
            Expiry {
                month: 7,
                year: 2031
            }
        );
    }

    #[test]
    fn bad_months() {
        for m in [
            "0", "00", "13", "", " ", "1a", "001", "012", "-1", "+1", "１",
        ] {
            assert_eq!(
                parse(m, "2030").unwrap_err(),
                CardError::InvalidExpiryMonth,
                "{m:?}"
            );
        }
    }

    #[test]
    fn bad_years() {
        for y in [
            "",
            "2",
            "202",
            "20271",
            "abcd",
            "27a",
            "-27",
            "２０２７",
            "+2027",
        ] {
            assert_eq!(
                parse("05", y).unwrap_err(),
                CardError::InvalidExpiryYear,
                "{y:?}"
            );
        }
    }

    #[test]
    fn month_is_checked_before_year() {
        assert_eq!(
            parse("13", "xx").unwrap_err(),
            CardError::InvalidExpiryMonth
        );
    }

    #[test]
    fn current_month_is_valid_and_last_month_expired() {
        assert!(parse("5", "2026").is_ok());
        assert!(parse("05", "26").is_ok());
        assert_eq!(parse("4", "2026").unwrap_err(), CardError::ExpiredCard);
        assert_eq!(parse("12", "2025").unwrap_err(), CardError::ExpiredCard);
        assert_eq!(parse("12", "1999").unwrap_err(), CardError::ExpiredCard);
        let january = YearMonth {
            year: 2026,
            month: 1,
        };
        assert_eq!(
            Expiry::parse("12", "25", january).unwrap_err(),
            CardError::ExpiredCard
        );
        assert!(Expiry::parse("1", "26", january).is_ok());
    }

    #[test]
    fn at_most_twenty_years_ahead() {
        assert!(parse("12", "2046").is_ok());
        assert!(parse("12", "46").is_ok());
        assert_eq!(
            parse("01", "2047").unwrap_err(),
            CardError::InvalidExpiryYear
        );
        assert_eq!(parse("01", "47").unwrap_err(), CardError::InvalidExpiryYear);
        assert_eq!(
            parse("01", "9999").unwrap_err(),
            CardError::InvalidExpiryYear
        );
    }

    #[test]
    fn now_utc_is_plausible() {
        let now = YearMonth::now_utc();
        assert!(now.year >= 2024);
        assert!((1..=12).contains(&now.month));
    }

    #[test]
    fn year_months_order_chronologically() {
        assert!(
            YearMonth {
                year: 2025,
                month: 12
            } < YearMonth {
                year: 2026,
                month: 1
            }
        );
        assert!(
            YearMonth {
                year: 2026,
                month: 2
            } > YearMonth {
                year: 2026,
                month: 1
            }
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(m in any::<String>(), y in any::<String>(), year in any::<u16>(), month in any::<u8>()) {
            let _ = Expiry::parse(&m, &y, YearMonth { year, month });
        }

        #[test]
        fn accepted_expiries_are_in_the_window(m in "[0-9]{1,2}", y in "[0-9]{2,4}") {
            if let Ok(e) = parse(&m, &y) {
                prop_assert!((1..=12).contains(&e.month()));
                prop_assert!((e.year(), e.month()) >= (TODAY.year, TODAY.month));
                prop_assert!(e.year() <= TODAY.year + 20);
            }
        }
    }
}
