//! `Pan`: a validated primary account number held in zeroizing memory, plus the Luhn check.

use super::error::CardError;
use coffer_dlp::{Brand, luhn_valid};
use std::fmt;
use zeroize::Zeroizing;

/// Shortest PAN accepted (ISO/IEC 7812 allows 8, but no network issues below 12).
pub(crate) const MIN_LEN: usize = 12;
/// Longest PAN (ISO/IEC 7812).
pub(crate) const MAX_LEN: usize = 19;

/// A primary account number: 12 to 19 ASCII digits that pass the Luhn check and have a length
/// the detected brand issues.
///
/// The digits live in a [`Zeroizing`] buffer that is wiped on drop. `Debug` shows only the
/// masked form; there is no `Display`, `Clone` or `Serialize`.
pub struct Pan(Zeroizing<String>);

impl Pan {
    /// Parses a card number as typed: ASCII spaces and `-` are removed, anything else that is
    /// not an ASCII digit is rejected. The error never contains the input.
    pub fn parse(input: &str) -> Result<Pan, CardError> {
        // Capacity is fixed up front and never exceeded, so the buffer is never reallocated
        // (a reallocation would leave an unwiped copy of the digits behind).
        let mut digits = Zeroizing::new(String::with_capacity(MAX_LEN));
        for c in input.chars() {
            match c {
                ' ' | '-' => {}
                '0'..='9' if digits.len() < MAX_LEN => digits.push(c),
                _ => return Err(CardError::InvalidNumber),
            }
        }
        if digits.len() < MIN_LEN || !luhn_valid(&digits) {
            return Err(CardError::InvalidNumber);
        }
        if !Brand::from_bin(&digits).allows_length(digits.len()) {
            return Err(CardError::InvalidNumber);
        }
        Ok(Pan(digits))
    }

    /// The full, clear PAN.
    ///
    /// This is the **only** accessor to the clear card number. Call it only to seal the PAN
    /// or to compute its keyed fingerprint, and never log, format or persist the result.
    pub fn expose_digits(&self) -> &str {
        &self.0
    }

    /// The card network, from the BIN table.
    pub fn brand(&self) -> Brand {
        Brand::from_bin(&self.0)
    }

    /// The first six digits (the BIN / IIN).
    pub fn bin6(&self) -> &str {
        self.0.get(..6).unwrap_or_default()
    }

    /// The last four digits.
    pub fn last4(&self) -> &str {
        self.0
            .get(self.0.len().saturating_sub(4)..)
            .unwrap_or_default()
    }

    /// The display form: BIN6, one `*` per hidden digit, last 4 (e.g. `424242******4242`).
    /// Never more than the first 6 and last 4 digits are shown (PCI DSS 3.4.1).
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

/// Masks a card number: the first 6 and last 4 for 14 digits and more (at least 4 stay hidden),
/// the last 4 only for 12 and 13 digits (BIN 6 and last 4 of those would leave 2 or 3 digits,
/// one of them fixed by Luhn, to guess), and nothing for anything shorter.
pub(crate) fn mask_digits(digits: &str) -> String {
    let len = digits.chars().count();
    let (head, tail) = match len {
        14.. => (6, 4),
        12..=13 => (0, 4),
        _ => (0, 0),
    };
    digits
        .chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= len - tail { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use coffer_dlp::with_check_digit;
    use proptest::prelude::*;

    const BRAND_SAMPLES: &[(&str, Brand)] = &[
        ("4242424242424242", Brand::Visa),
        ("4000056655665556", Brand::Visa),
        ("5555555555554444", Brand::Mastercard),
        ("2223003122003222", Brand::Mastercard),
        ("5200828282828210", Brand::Mastercard),
        ("378282246310005", Brand::Amex),
        ("371449635398431", Brand::Amex),
        ("6011111111111117", Brand::Discover),
        ("6011000990139424", Brand::Discover),
        ("3566002020360505", Brand::Jcb),
        ("3056930009020004", Brand::Diners),
        ("36227206271667", Brand::Diners),
        ("6200000000000005", Brand::UnionPay),
        ("6759649826438453", Brand::Maestro),
        ("2200000000000004", Brand::Mir),
        ("5066991111111118", Brand::Elo),
        ("6062826786276634", Brand::Hipercard),
    ];

    #[test]
    fn every_brand_is_detected_on_public_test_numbers() {
        for (number, brand) in BRAND_SAMPLES {
            let pan = Pan::parse(number).unwrap_or_else(|e| panic!("{number}: {e}"));
            assert_eq!(pan.brand(), *brand, "{number}");
            assert_eq!(pan.expose_digits(), *number);
        }
        let rupay = with_check_digit("652100001234567");
        assert_eq!(Pan::parse(&rupay).unwrap().brand(), Brand::RuPay);
        let rupay = with_check_digit("608000001234567");
        assert_eq!(Pan::parse(&rupay).unwrap().brand(), Brand::RuPay);
        let mir = with_check_digit("220412345678901");
        assert_eq!(Pan::parse(&mir).unwrap().brand(), Brand::Mir);
        let discover_cobrand = with_check_digit("622126000000000");
        assert_eq!(
            Pan::parse(&discover_cobrand).unwrap().brand(),
            Brand::Discover
        );
        let unionpay_81 = with_check_digit("810012345678901");
        assert_eq!(Pan::parse(&unionpay_81).unwrap().brand(), Brand::UnionPay);
        let elo_in_visa_range = with_check_digit("401178000000000");
        assert_eq!(Pan::parse(&elo_in_visa_range).unwrap().brand(), Brand::Elo);
    }

    #[test]
    fn luhn_failures_are_rejected() {
        for bad in [
            "4242424242424241",
            "5555555555554445",
            "378282246310006",
            "6011111111111118",
        ] {
            assert!(!luhn_valid(bad));
            assert_eq!(
                Pan::parse(bad).unwrap_err(),
                CardError::InvalidNumber,
                "{bad}"
            );
        }
    }

    #[test]
    fn luhn_edge_cases() {
        assert!(!luhn_valid(""));
        assert!(luhn_valid("0"));
        assert!(luhn_valid("18"));
        assert!(!luhn_valid("1a8"));
        assert!(!luhn_valid("4242 4242 4242 4242"));
        assert!(luhn_valid("79927398713"));
    }

    #[test]
    fn lengths_not_issued_by_the_brand_are_rejected() {
        // Each number is Luhn-valid, so only the brand's length rule decides.
        let cases = [
            ("42424242424242", false),      // Visa, 15
            ("4242424242424242424", false), // Visa, 20 (over the maximum)
            ("555555555555444", true),      // Mastercard, 16
            ("55555555555544444", false),   // Mastercard, 18
            ("37828224631000", true),       // Amex, 15
            ("3782822463100050", false),    // Amex, 17
            ("378282246310", false),        // Amex, 13
            ("601111111111", false),        // Discover, 13
            ("5066991111111118", false),    // Elo, 17
            ("6521000012345678", false),    // RuPay, 17
            ("3622720627166", true),        // Diners, 14
            ("362272062716", false),        // Diners, 13
        ];
        for (payload, ok) in cases {
            let number = with_check_digit(payload);
            assert_eq!(Pan::parse(&number).is_ok(), ok, "{number}");
        }
    }

    #[test]
    fn spaces_and_dashes_are_stripped_but_nothing_else() {
        let pan = Pan::parse(" 4242 4242-4242--4242 ").unwrap();
        assert_eq!(pan.expose_digits(), "4242424242424242");
        for bad in [
            "4242\t4242424242424242",
            "4242.4242.4242.4242",
            "4242_4242_4242_4242",
            "4242\u{a0}424242424242",
        ] {
            assert_eq!(
                Pan::parse(bad).unwrap_err(),
                CardError::InvalidNumber,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn letters_unicode_digits_and_empty_are_rejected() {
        for bad in [
            "",
            "   ",
            "----",
            "424242424242424a",
            "abcd",
            "４２４２４２４２４２４２４２４２",
            "+4242424242424242",
        ] {
            assert_eq!(
                Pan::parse(bad).unwrap_err(),
                CardError::InvalidNumber,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn twelve_and_nineteen_digit_edges() {
        let maestro12 = with_check_digit("50123456789");
        assert_eq!(maestro12.len(), 12);
        assert_eq!(Pan::parse(&maestro12).unwrap().brand(), Brand::Maestro);
        let unknown12 = with_check_digit("10000000000");
        assert_eq!(Pan::parse(&unknown12).unwrap().brand(), Brand::Unknown);
        let unknown11 = with_check_digit("1000000000");
        assert!(Pan::parse(&unknown11).is_err());
        let visa19 = with_check_digit("424242424242424242");
        assert_eq!(visa19.len(), 19);
        assert_eq!(Pan::parse(&visa19).unwrap().brand(), Brand::Visa);
        let unknown20 = with_check_digit("1000000000000000000");
        assert!(Pan::parse(&unknown20).is_err());
        let visa13 = with_check_digit("422222222222");
        assert_eq!(Pan::parse(&visa13).unwrap().brand(), Brand::Visa);
    }

    #[test]
    fn bin_and_last4() {
        let pan = Pan::parse("4000056655665556").unwrap();
        assert_eq!(pan.bin6(), "400005");
        assert_eq!(pan.last4(), "5556");
        let amex = Pan::parse("378282246310005").unwrap();
        assert_eq!(amex.bin6(), "378282");
        assert_eq!(amex.last4(), "0005");
    }

    #[test]
    fn masked_shows_at_most_bin6_and_last4() {
        assert_eq!(
            Pan::parse("4242424242424242").unwrap().masked(),
            "424242******4242"
        );
        assert_eq!(
            Pan::parse("378282246310005").unwrap().masked(),
            "378282*****0005"
        );
        assert_eq!(
            Pan::parse("36227206271667").unwrap().masked(),
            "362272****1667"
        );
        // 12 and 13 digits: BIN 6 and last 4 would leave 2 or 3 digits to guess.
        let twelve = Pan::parse(&with_check_digit("50123456789")).unwrap();
        assert_eq!(twelve.masked(), format!("********{}", twelve.last4()));
        assert_eq!(
            Pan::parse("4222222222222").unwrap().masked(),
            "*********2222"
        );
        assert_eq!(mask_digits("12345678901"), "***********");
        assert_eq!(mask_digits("123456789"), "*********");
        assert_eq!(mask_digits(""), "");
    }

    #[test]
    fn debug_never_shows_the_full_number() {
        for (number, _) in BRAND_SAMPLES {
            let pan = Pan::parse(number).unwrap();
            let shown = format!("{pan:?} {pan:#?}");
            assert!(!shown.contains(number), "{shown}");
            assert!(shown.contains(&pan.masked()));
            let visible = format!("{pan:?}")
                .chars()
                .filter(char::is_ascii_digit)
                .count();
            assert_eq!(visible, 10, "{shown}");
        }
        assert_eq!(
            format!("{:?}", Pan::parse("4242424242424242").unwrap()),
            "Pan(424242******4242)"
        );
    }

    #[test]
    fn error_output_contains_no_input_digits() {
        for bad in ["4242424242424241", "37828224631000", "9"] {
            let e = Pan::parse(bad).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
        }
    }

    fn visa16() -> impl Strategy<Value = String> {
        "[0-9]{14}".prop_map(|body| with_check_digit(&format!("4{body}")))
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Pan::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_digitish_input(s in "[0-9 \\-a]{0,40}") {
            if let Ok(pan) = Pan::parse(&s) {
                prop_assert!(luhn_valid(pan.expose_digits()));
                prop_assert!(pan.brand().allows_length(pan.expose_digits().len()));
            }
        }

        #[test]
        fn generated_visa_numbers_parse_and_mask(number in visa16()) {
            let pan = Pan::parse(&number).unwrap();
            prop_assert!(matches!(pan.brand(), Brand::Visa | Brand::Elo));
            let masked = pan.masked();
            prop_assert_eq!(masked.len(), 16);
            prop_assert_eq!(&masked[..6], &number[..6]);
            prop_assert_eq!(&masked[12..], &number[12..]);
            prop_assert!(masked[6..12].chars().all(|c| c == '*'));
            let shown = format!("{pan:?}");
            prop_assert!(!shown.contains(&number));
        }

        #[test]
        fn any_single_digit_change_fails(number in visa16(), pos in 0usize..16, delta in 1u8..10) {
            let mut bytes = number.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(!luhn_valid(&changed));
            prop_assert_eq!(Pan::parse(&changed).unwrap_err(), CardError::InvalidNumber);
        }
    }
}
