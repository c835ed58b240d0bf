//! Masking card numbers inside free text that Coffer passes on but did not write (a PSP's answer
//! to a forwarded request): every run the detector would flag keeps its first six and last four
//! digits, the rest become `*`.

use crate::detect::plausible_windows;
use zeroize::Zeroizing;

/// `text` with the middle digits of every card number in it replaced by `*`: the first six and
/// last four stay (the last four only for numbers shorter than 14 digits), separators stay where they were (the tests show examples). Text with no card
/// number comes back unchanged. What the detector finds is what is masked: the same runs,
/// separators and windows.
pub fn mask_card_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut masked: Zeroizing<Vec<u8>> = Zeroizing::new(bytes.to_vec());
    // Byte positions of the digits of the current run (a PAN's digits: wiped when dropped).
    let mut positions: Vec<usize> = Vec::new();
    let mut digits: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
    let mut pending_separator = false;
    let mut flush = |positions: &mut Vec<usize>, digits: &mut Zeroizing<Vec<u8>>| {
        for (start, len) in plausible_windows(digits) {
            // BIN and last four of a long number; of one shorter than 14 digits, the last four
            // only (as the vault masks its own).
            let keep = if len >= 14 { 6 } else { 0 };
            for &at in positions.iter().skip(start + keep).take(len - keep - 4) {
                if let Some(b) = masked.get_mut(at) {
                    *b = b'*';
                }
            }
        }
        positions.clear();
        digits.clear();
    };
    for (at, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                pending_separator = false;
                positions.push(at);
                digits.push(b);
            }
            b' ' | b'-' | b'.' | b'/' if !digits.is_empty() && !pending_separator => {
                pending_separator = true
            }
            _ => {
                flush(&mut positions, &mut digits);
                pending_separator = false;
            }
        }
    }
    flush(&mut positions, &mut digits);
    // Only ASCII digits were replaced by an ASCII byte, so the text is still UTF-8.
    String::from_utf8(masked.to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::contains_card_number;
    use proptest::prelude::*;

    #[test]
    fn card_numbers_keep_bin_and_last_four() {
        assert_eq!(mask_card_numbers("4242424242424242"), "424242******4242");
        assert_eq!(
            mask_card_numbers(r#"{"number":"4242 4242 4242 4242","brand":"visa"}"#),
            r#"{"number":"4242 42** **** 4242","brand":"visa"}"#
        );
        assert_eq!(
            mask_card_numbers("amex 378282246310005 and mc 5555-5555-5555-4444."),
            "amex 378282*****0005 and mc 5555-55**-****-4444."
        );
    }

    #[test]
    fn short_numbers_keep_the_last_four_only() {
        let maestro = crate::with_check_digit("50123456789");
        let masked = mask_card_numbers(&format!("card {maestro}."));
        assert_eq!(masked, format!("card ********{}.", &maestro[8..]));
    }

    #[test]
    fn other_text_is_unchanged() {
        for text in [
            "",
            "order 12345, total 99.50",
            "4242424242424241",
            "2026-12-06 21:50:00",
            "pm_abc ünïcode 4242",
        ] {
            assert_eq!(mask_card_numbers(text), text);
        }
    }

    proptest! {
        #[test]
        fn nothing_card_like_survives(prefix in "[ -~]{0,20}", pan in prop::sample::select(vec![
            "4242424242424242", "5555555555554444", "378282246310005", "6011111111111117",
            "4000056655665556", "3566002020360505",
        ]), suffix in "[ -~]{0,20}") {
            let text = format!("{prefix}{pan}{suffix}");
            let masked = mask_card_numbers(&text);
            prop_assert!(!contains_card_number(&masked), "{masked}");
            prop_assert_eq!(masked.len(), text.len());
        }

        #[test]
        fn any_text_comes_back_the_same_length_and_clean(text in "\\PC{0,60}") {
            let masked = mask_card_numbers(&text);
            prop_assert!(!contains_card_number(&masked));
            prop_assert_eq!(masked.chars().count(), text.chars().count());
        }
    }
}
