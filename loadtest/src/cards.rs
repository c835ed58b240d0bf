//! Test card numbers: random, Luhn-valid 16-digit Visa-shaped PANs, so that every tokenize is distinct.
//!
//! These are generated test data only; the tool never prints them.

use rand::Rng;

/// A random 16-digit number starting with 4 (Visa), 14 random digits, then the Luhn check digit.
pub fn visa_test_number<R: Rng + ?Sized>(rng: &mut R) -> String {
    let mut digits = Vec::with_capacity(16);
    digits.push(4u8);
    for _ in 0..14 {
        digits.push(rng.random_range(0..10u8));
    }
    digits.push(luhn_check_digit(&digits));
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// The digit that, appended to `payload`, makes the whole number pass the Luhn check.
fn luhn_check_digit(payload: &[u8]) -> u8 {
    // Once the check digit is appended, the payload's rightmost digit sits in a doubled position.
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    // `sum % 10` is below 10, so the result is a single digit.
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent Luhn validation (not sharing code with the generator).
    fn luhn_valid(number: &str) -> bool {
        let mut sum = 0u32;
        for (i, c) in number.chars().rev().enumerate() {
            let Some(d) = c.to_digit(10) else {
                return false;
            };
            sum += if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            };
        }
        !number.is_empty() && sum.is_multiple_of(10)
    }

    #[test]
    fn known_numbers() {
        assert!(luhn_valid("4242424242424242"));
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(
            luhn_check_digit(&[4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4, 2, 4]),
            2
        );
        assert_eq!(
            luhn_check_digit(&[4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
            1
        );
    }

    #[test]
    fn generated_numbers_are_luhn_valid_visa() {
        let mut rng = rand::rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let pan = visa_test_number(&mut rng);
            assert_eq!(pan.len(), 16);
            assert!(pan.starts_with('4'));
            assert!(pan.bytes().all(|b| b.is_ascii_digit()));
            assert!(luhn_valid(&pan), "generated number failed Luhn");
            seen.insert(pan);
        }
        // 14 random digits: collisions among 10k draws are vanishingly unlikely.
        assert!(seen.len() > 9_990);
    }
}
