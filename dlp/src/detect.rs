//! The one card-number detector for free text: metadata, names, reasons, search queries,
//! idempotency keys and user agents are checked with it before they are stored, logged or sent.

use crate::brand::Brand;
use crate::luhn::luhn_valid;
use zeroize::Zeroizing;

const MIN_LEN: usize = 12;
const MAX_LEN: usize = 19;

/// Whether `text` contains something that looks like a card number.
///
/// A candidate is a run of ASCII digits in which consecutive digits may be separated by a
/// single space, dash, dot or slash (groups of four joined by any of them). Every window of 12
/// to 19 digits inside every run is tried; the text is flagged when a window passes the Luhn
/// check **and** starts with a known brand's BIN **and** has a length that brand issues. Digits
/// glued to letters still count (`ref` followed by a card number is flagged; see the tests).
pub fn contains_card_number(text: &str) -> bool {
    // The digits of the current run: possibly a PAN, so wiped when dropped.
    let mut run: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::new());
    // A single separator seen right after a digit, not yet followed by another digit.
    let mut pending_separator = false;
    for b in text.bytes() {
        match b {
            b'0'..=b'9' => {
                pending_separator = false;
                run.push(b);
            }
            b' ' | b'-' | b'.' | b'/' if !run.is_empty() && !pending_separator => {
                pending_separator = true
            }
            _ => {
                if run_contains_pan(&run) {
                    return true;
                }
                run.clear();
                pending_separator = false;
            }
        }
    }
    run_contains_pan(&run)
}

/// Whether any 12..=19 digit window of `run` (ASCII digits) is a plausible PAN.
fn run_contains_pan(run: &[u8]) -> bool {
    plausible_windows(run).next().is_some()
}

/// The (start, length) of every 12..=19 digit window of `run` (ASCII digits) that is a
/// plausible PAN.
pub(crate) fn plausible_windows(run: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let starts = if run.len() < MIN_LEN {
        0..0
    } else {
        0..run.len() - MIN_LEN + 1
    };
    starts.flat_map(move |start| {
        (MIN_LEN..=MAX_LEN.min(run.len() - start))
            .filter(move |&len| {
                let window = run
                    .get(start..start + len)
                    .and_then(|w| std::str::from_utf8(w).ok())
                    .unwrap_or_default();
                is_plausible_pan(window)
            })
            .map(move |len| (start, len))
    })
}

fn is_plausible_pan(digits: &str) -> bool {
    let brand = Brand::from_bin(digits);
    brand != Brand::Unknown && brand.allows_length(digits.len()) && luhn_valid(digits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::luhn::with_check_digit;
    use proptest::prelude::*;

    #[test]
    fn plain_and_separated_card_numbers_are_flagged() {
        for text in [
            "4242424242424242",
            "card 4242 4242 4242 4242 thanks",
            "4242-4242-4242-4242",
            "4242 4242-4242 4242",
            "ref4242424242424242x",
            "amex: 3782 822463 10005",
            "pay with 5555555555554444.",
            "6011111111111117, 4000056655665556",
            "x 9 4242424242424242 9 y",
            "0004242424242424242000",
            "4242.4242.4242.4242",
            "4242/4242/4242/4242",
            "cus 4242424242424242",
        ] {
            assert!(contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn windows_inside_longer_runs_are_tried() {
        // A valid Visa hidden at an offset inside a 22-digit run.
        assert!(contains_card_number("1234424242424242424212"));
        // A 12-digit Maestro inside a longer run of unrelated digits.
        let maestro = with_check_digit("50123456789");
        assert!(contains_card_number(&format!("99{maestro}99")));
    }

    #[test]
    fn innocent_text_is_not_flagged() {
        for text in [
            "",
            "hello world",
            "order 12345",
            "call +1 415 555 0100",
            "2024-05-17 12:30:00",
            "4242424242424241",     // fails Luhn
            "424242424242424",      // 15 digits: not a Visa length
            "1000000000000008",     // passes Luhn, unknown brand
            "4242  4242 4242 4242", // double space breaks the run
            "4242--4242-4242-4242", // double dash breaks the run
            "4242_4242_4242_4242",
            "4242..4242.4242.4242", // double dot breaks the run
            "12/05/2024 10.30",
            "４２４２４２４２４２４２４２４２", // full-width digits are not ASCII digits
        ] {
            assert!(!contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn separators_must_sit_between_digits() {
        assert!(!contains_card_number("- 4242"));
        assert!(contains_card_number("--4242424242424242--"));
        assert!(contains_card_number("4242424242424242 -"));
    }

    fn visa16() -> impl Strategy<Value = String> {
        "[0-9]{14}".prop_map(|body| with_check_digit(&format!("4{body}")))
    }

    proptest! {
        #[test]
        fn embedded_visa_numbers_are_always_found(prefix in ".{0,40}", pan in visa16(), suffix in ".{0,40}", sep in prop::sample::select(vec!["", " ", "-"])) {
            let grouped: Vec<&str> = (0..4).map(|i| &pan[i * 4..i * 4 + 4]).collect();
            let text = format!("{prefix}{}{suffix}", grouped.join(sep));
            prop_assert!(contains_card_number(&text), "{}", text);
        }

        #[test]
        fn short_digit_strings_are_never_flagged(digits in "[0-9]{0,11}", prefix in "[a-z ]{0,10}", suffix in "[a-z ]{0,10}") {
            let text = format!("{prefix}{digits}{suffix}");
            prop_assert!(!contains_card_number(&text));
        }

        #[test]
        fn never_panics(text in any::<String>()) {
            let _ = contains_card_number(&text);
        }
    }
}
