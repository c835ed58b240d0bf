//! The Luhn (mod 10) check digit that every card number carries.

/// Whether `digits` is a non-empty string of ASCII digits whose Luhn (mod 10) check passes.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        let d = if i % 2 == 1 {
            if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
        } else {
            d
        };
        sum = (sum + d) % 10;
    }
    sum == 0
}

/// `payload` followed by the digit that makes it pass Luhn (tests and the demo data).
pub fn with_check_digit(payload: &str) -> String {
    (b'0'..=b'9')
        .map(|d| format!("{payload}{}", char::from(d)))
        .find(|candidate| luhn_valid(candidate))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_numbers() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("378282246310005"));
        assert!(!luhn_valid("4242424242424241"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4242 4242 4242 4242"));
        assert_eq!(with_check_digit("424242424242424"), "4242424242424242");
    }

    proptest! {
        #[test]
        fn the_check_digit_passes_and_any_other_last_digit_fails(payload in "[0-9]{1,18}", other in 0u8..10) {
            let full = with_check_digit(&payload);
            prop_assert!(luhn_valid(&full));
            let last = full.as_bytes()[full.len() - 1];
            let changed = format!("{payload}{}", char::from(b'0' + other));
            prop_assert_eq!(luhn_valid(&changed), b'0' + other == last);
        }
    }
}
