//! National check digits inside the BBAN, for the countries that define one usable on every
//! account (the rules python-stdnum and the national banking associations publish). The IBAN's
//! mod-97 already catches single substitutions; these catch an account number that is valid as
//! an IBAN but cannot exist in its country (a typo that mod-97 misses, or a made-up BBAN).
//! Countries without such a rule (or with per-bank rules, as Germany and the Netherlands) are
//! accepted on mod-97 alone.

/// Whether `bban` passes `country`'s national check (or the country has none).
pub(crate) fn national_check_ok(country: &str, bban: &str) -> bool {
    match country {
        "BE" => belgium(bban),
        "ES" => spain(bban),
        "FR" | "MC" => france(bban),
        "IT" | "SM" => italy(bban),
        "PT" => portugal(bban),
        "NO" => norway(bban),
        _ => true,
    }
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Belgium: 3 bank, 7 account, 2 check = the first ten digits mod 97 (97 for 0).
pub(crate) fn belgium_check(first10: &[u32]) -> u32 {
    let n = first10.iter().fold(0u64, |n, d| n * 10 + u64::from(*d));
    match (n % 97) as u32 {
        0 => 97,
        r => r,
    }
}

fn belgium(bban: &str) -> bool {
    let Some(d) = digits(bban).filter(|d| d.len() == 12) else {
        return false;
    };
    belgium_check(&d[..10]) == d[10] * 10 + d[11]
}

/// Spain: one mod-11 digit over `00` + bank + branch, one over the account number.
pub(crate) fn spain_digit(ten: &[u32]) -> u32 {
    const WEIGHTS: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let sum: u32 = ten.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => 0,
        10 => 1,
        d => d,
    }
}

fn spain(bban: &str) -> bool {
    let Some(d) = digits(bban).filter(|d| d.len() == 20) else {
        return false;
    };
    let mut head = vec![0, 0];
    head.extend_from_slice(&d[..8]);
    spain_digit(&head) == d[8] && spain_digit(&d[10..]) == d[9]
}

/// France (and Monaco): the RIB key over bank (5), branch (5) and account (11, letters mapped
/// to digits), so that 89·bank + 15·branch + 3·account + key ≡ 0 (mod 97).
pub(crate) fn france_key(bank: u64, branch: u64, account: u64) -> u64 {
    97 - (89 * bank + 15 * branch + 3 * account) % 97
}

fn france_digit(c: char) -> Option<u64> {
    match c {
        '0'..='9' => c.to_digit(10).map(u64::from),
        // A/J → 1, B/K/S → 2, … I/R/Z → 9 (S starts the third run at 2).
        'A'..='I' => Some(u64::from(c as u8 - b'A') + 1),
        'J'..='R' => Some(u64::from(c as u8 - b'J') + 1),
        'S'..='Z' => Some(u64::from(c as u8 - b'S') + 2),
        _ => None,
    }
}

fn number(s: &str, digit: fn(char) -> Option<u64>) -> Option<u64> {
    s.chars().try_fold(0u64, |n, c| Some(n * 10 + digit(c)?))
}

fn france(bban: &str) -> bool {
    if bban.len() != 23 {
        return false;
    }
    let plain = |c: char| c.to_digit(10).map(u64::from);
    let parts = (
        number(&bban[..5], plain),
        number(&bban[5..10], plain),
        number(&bban[10..21], france_digit),
        number(&bban[21..], plain),
    );
    let (Some(bank), Some(branch), Some(account), Some(key)) = parts else {
        return false;
    };
    france_key(bank, branch, account) == key
}

/// Italy (and San Marino): the CIN letter over ABI (5), CAB (5) and account (12): characters in
/// odd places (1st, 3rd, …) through a fixed table, even ones as their value, sum mod 26.
pub(crate) fn italy_cin(rest: &str) -> Option<char> {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let mut sum = 0;
    for (i, c) in rest.chars().enumerate() {
        let v = match c {
            '0'..='9' => c.to_digit(10)?,
            'A'..='Z' => u32::from(c as u8 - b'A'),
            _ => return None,
        };
        sum += if i % 2 == 0 { ODD[v as usize] } else { v };
    }
    char::from_u32(u32::from(b'A') + sum % 26)
}

fn italy(bban: &str) -> bool {
    let mut chars = bban.chars();
    bban.len() == 23
        && bban[1..11].bytes().all(|b| b.is_ascii_digit())
        && chars.next() == italy_cin(&bban[1..])
}

/// Portugal: the NIB's two check digits make all 21 digits ≡ 1 (mod 97).
pub(crate) fn portugal_check(first19: &[u32]) -> u32 {
    let n = first19.iter().fold(0u32, |n, d| (n * 10 + d) % 97);
    98 - (n * 100) % 97
}

fn portugal(bban: &str) -> bool {
    let Some(d) = digits(bban).filter(|d| d.len() == 21) else {
        return false;
    };
    portugal_check(&d[..19]) == d[19] * 10 + d[20]
}

/// Norway: a mod-11 digit over the first ten (weights 5 4 3 2 7 6 5 4 3 2); 10 never issued.
pub(crate) fn norway_digit(first10: &[u32]) -> Option<u32> {
    const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = first10.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        d => Some(d),
    }
}

fn norway(bban: &str) -> bool {
    let Some(d) = digits(bban).filter(|d| d.len() == 11) else {
        return false;
    };
    norway_digit(&d[..10]) == Some(d[10])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// Published example accounts (IBAN registry and the national associations' examples).
    const VALID: [(&str, &str); 8] = [
        ("BE", "539007547034"),
        ("ES", "21000418450200051332"),
        ("FR", "20041010050500013M02606"),
        ("MC", "11222000010123456789030"),
        ("IT", "X0542811101000000123456"),
        ("SM", "U0322509800000000270100"),
        ("PT", "000201231234567890154"),
        ("NO", "86011117947"),
    ];

    #[test]
    fn published_examples_pass() {
        for (country, bban) in VALID {
            assert!(national_check_ok(country, bban), "{country} {bban}");
        }
        assert!(
            national_check_ok("DE", "370400440532013000"),
            "no national rule"
        );
    }

    #[test]
    fn a_changed_national_check_fails() {
        for (country, bban) in VALID {
            // The check sits at the end for BE, FR, PT, NO; at the front for IT; in the middle
            // for ES. Change every position that is a check character.
            let at: &[usize] = match country {
                "ES" => &[8, 9],
                "IT" | "SM" => &[0],
                _ => &[bban.len() - 1],
            };
            for &i in at {
                let mut b: Vec<u8> = bban.bytes().collect();
                b[i] = match b[i] {
                    b'9' => b'0',
                    b'Z' => b'A',
                    c => c + 1,
                };
                let changed = String::from_utf8(b).unwrap();
                assert!(!national_check_ok(country, &changed), "{country} {changed}");
            }
        }
    }

    #[test]
    fn wrong_shapes_fail() {
        assert!(!national_check_ok("BE", "53900754703"));
        assert!(!national_check_ok("ES", "2100041845020005133A"));
        assert!(!national_check_ok("IT", "X05428111010000001234"));
        assert!(!national_check_ok("IT", "XA542811101000000123456"));
        assert!(!national_check_ok("NO", "8601111794"));
    }
}
