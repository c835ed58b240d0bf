//! `Cvc`: a checked card security code that can be validated and dropped but never read back.

use super::error::CardError;
use coffer_dlp::Brand;
use std::fmt;
use zeroize::Zeroizing;

/// The longest security code of any brand.
const MAX_LEN: usize = 4;

/// A card security code (CVC / CVV / CID) of the right length for the card's brand.
///
/// Sensitive authentication data must not be stored after authorisation (PCI DSS 3.3.1.2), so
/// this type deliberately has **no accessor** for the digits: the code is checked, kept in a
/// zeroizing buffer for as long as the value lives, and wiped when it is dropped. `Debug`
/// prints `Cvc(***)`; there is no `Display`, `Clone` or `Serialize`.
pub struct Cvc(
    // Never read: the value exists only so the checked digits are wiped on drop.
    #[expect(dead_code, reason = "held only so the digits are wiped on drop")] Zeroizing<String>,
);

impl Cvc {
    /// Parses a security code: exactly `brand.cvc_len()` ASCII digits (3 or 4 when the brand is
    /// unknown), surrounding whitespace ignored. The error never contains the input.
    pub fn parse(input: &str, brand: Brand) -> Result<Cvc, CardError> {
        let input = input.trim();
        let len_ok = match brand {
            Brand::Unknown => input.len() == 3 || input.len() == 4,
            _ => input.len() == brand.cvc_len(),
        };
        if !len_ok || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::InvalidCvc);
        }
        let mut digits = Zeroizing::new(String::with_capacity(MAX_LEN));
        digits.push_str(input);
        Ok(Cvc(digits))
    }
}

impl fmt::Debug for Cvc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cvc(***)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn three_digits_except_amex_four() {
        assert!(Cvc::parse("123", Brand::Visa).is_ok());
        assert!(Cvc::parse(" 123 ", Brand::Mastercard).is_ok());
        assert_eq!(
            Cvc::parse("1234", Brand::Visa).unwrap_err(),
            CardError::InvalidCvc
        );
        assert!(Cvc::parse("1234", Brand::Amex).is_ok());
        assert_eq!(
            Cvc::parse("123", Brand::Amex).unwrap_err(),
            CardError::InvalidCvc
        );
        assert!(Cvc::parse("123", Brand::Unknown).is_ok());
        assert!(Cvc::parse("1234", Brand::Unknown).is_ok());
        assert_eq!(
            Cvc::parse("12345", Brand::Unknown).unwrap_err(),
            CardError::InvalidCvc
        );
    }

    #[test]
    fn non_digits_and_wrong_lengths_are_rejected() {
        for bad in ["", "12", "12a", "1 3", "１２３", "-12", "0x1", "12\u{0}"] {
            for brand in Brand::ALL {
                assert_eq!(
                    Cvc::parse(bad, brand).unwrap_err(),
                    CardError::InvalidCvc,
                    "{bad:?} {brand:?}"
                );
            }
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_code() {
        let cvc = Cvc::parse("987", Brand::Visa).unwrap();
        assert_eq!(format!("{cvc:?}"), "Cvc(***)");
        assert_eq!(format!("{cvc:#?}"), "Cvc(***)");
        let e = Cvc::parse("98", Brand::Visa).unwrap_err();
        assert!(!format!("{e} {e:?}").chars().any(|c| c.is_ascii_digit()));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>(), i in 0usize..13) {
            let _ = Cvc::parse(&s, Brand::ALL[i]);
        }

        #[test]
        fn digits_of_the_brand_length_always_parse(code in "[0-9]{3,4}", i in 0usize..13) {
            let brand = Brand::ALL[i];
            let ok = Cvc::parse(&code, brand).is_ok();
            let expected = brand == Brand::Unknown || code.len() == brand.cvc_len();
            prop_assert_eq!(ok, expected);
            if let Ok(cvc) = Cvc::parse(&code, brand) {
                let shown = format!("{cvc:?}");
                prop_assert!(!shown.contains(&code));
            }
        }
    }
}
