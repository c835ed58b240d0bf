//! `RoutingNumber`: a checked US ABA routing transit number.

use super::error::InstrumentError;

/// Checksum weights of the nine digits: 3 7 1 repeated.
const WEIGHTS: [u32; 9] = [3, 7, 1, 3, 7, 1, 3, 7, 1];

/// A nine-digit ABA routing number with a valid Federal Reserve prefix and checksum.
/// Routing numbers identify banks and are public, not secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingNumber(String);

impl RoutingNumber {
    /// Parses a routing number: exactly 9 ASCII digits (surrounding whitespace ignored) whose
    /// first two digits are a Federal Reserve routing symbol (`00`–`12`, `21`–`32`, `61`–`72`,
    /// or `80`) and where `3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9)` is a multiple of 10.
    pub fn parse(input: &str) -> Result<RoutingNumber, InstrumentError> {
        let s = input.trim();
        if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InstrumentError::RoutingNumber);
        }
        let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
        let prefix = digits.iter().take(2).fold(0, |acc, d| acc * 10 + d);
        let prefix_ok = matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80);
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
        if prefix_ok && sum.is_multiple_of(10) {
            Ok(RoutingNumber(s.to_owned()))
        } else {
            Err(InstrumentError::RoutingNumber)
        }
    }

    /// The nine digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    const VALID: &[&str] = &[
        "110000000",
        "021000021",
        "011401533",
        "026009593",
        "322271627",
        "121000358",
    ];

    #[test]
    fn valid_routing_numbers() {
        for raw in VALID {
            assert_eq!(RoutingNumber::parse(raw).unwrap().as_str(), *raw);
        }
        assert_eq!(
            RoutingNumber::parse(" 110000000 ").unwrap().as_str(),
            "110000000"
        );
    }

    #[test]
    fn checksum_off_by_one_digit_is_invalid() {
        for bad in ["110000001", "021000022", "011401534", "111000000"] {
            assert_eq!(
                RoutingNumber::parse(bad).unwrap_err(),
                InstrumentError::RoutingNumber,
                "{bad}"
            );
        }
    }

    #[test]
    fn prefix_outside_fed_ranges_is_invalid() {
        // Checksums are valid; only the prefix is wrong.
        for bad in [
            "130000006",
            "200000004",
            "330000000",
            "600000002",
            "730000008",
            "810000009",
            "990000000",
        ] {
            let sum: u32 = bad
                .bytes()
                .zip(WEIGHTS)
                .map(|(b, w)| u32::from(b - b'0') * w)
                .sum();
            assert_eq!(sum % 10, 0, "{bad} should have a valid checksum");
            assert!(RoutingNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrong_shape_is_invalid() {
        for bad in [
            "",
            "11000000",
            "1100000000",
            "11000000a",
            "110-000-000",
            "１１0000000",
        ] {
            assert!(RoutingNumber::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn valid_routing() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec![0u32, 5, 12, 21, 26, 32, 61, 72, 80]),
            "[0-9]{6}",
        )
            .prop_map(|(prefix, mid)| {
                let partial = format!("{prefix:02}{mid}");
                (0..10)
                    .map(|d| format!("{partial}{d}"))
                    .find(|c| {
                        c.bytes()
                            .zip(WEIGHTS)
                            .map(|(b, w)| u32::from(b - b'0') * w)
                            .sum::<u32>()
                            % 10
                            == 0
                    })
                    .unwrap()
            })
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = RoutingNumber::parse(&s);
        }

        #[test]
        fn generated_routing_numbers_parse(n in valid_routing()) {
            prop_assert!(RoutingNumber::parse(&n).is_ok());
        }

        #[test]
        fn single_digit_change_fails(n in valid_routing(), pos in 0usize..9, delta in 1u8..10) {
            let mut bytes = n.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(RoutingNumber::parse(&changed).is_err(), "{}", changed);
        }
    }
}
