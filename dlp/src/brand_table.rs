//! The BIN table: which leading digits of a card number belong to which brand, as plain data.
//!
//! The ranges come from the card networks' public documentation (issuer identification number
//! tables published by Visa, Mastercard, Amex, Discover Global Network, JCB, UnionPay, NSPK/Mir,
//! Elo, Hipercard and NPCI/RuPay) and from widely used open listings. They are approximate:
//! networks add and reassign ranges, so brand detection is a best-effort label and a sanity
//! check on length, never an authorisation decision.
//!
//! # Precedence
//!
//! Ranges overlap on purpose (a 6-digit Elo range sits inside Visa's `4`). The rule is simply
//! **the longest matching prefix wins**. Ranges of the same prefix length never overlap (a test
//! checks this), so the result is independent of table order. Notable consequences:
//!
//! - Elo and Hipercard 6-digit ranges beat Visa `4`, Maestro `50`, Discover `65`, UnionPay
//!   `62`, Diners `38` and RuPay `60`.
//! - Discover `622126`–`622925` beats UnionPay `62`. These are UnionPay-issued cards that are
//!   accepted on the Discover network under the two networks' reciprocal agreement; we label
//!   them Discover because that is the network that documents the 6-digit range. Both brands
//!   allow 16–19 digits, so the label does not change which numbers are accepted.
//! - RuPay `6521`/`6522` beat Discover `65`; Discover `6011` beats RuPay `60`.
//! - RuPay `353`/`356` (RuPay–JCB co-badged) are shadowed by JCB `3528`–`3589`: such cards are
//!   routed as JCB outside India, so they are labelled JCB. The entries are kept to document
//!   the range.

use crate::brand::Brand;
use Brand::{
    Amex, Diners, Discover, Elo, Hipercard, Jcb, Maestro, Mastercard, Mir, RuPay, UnionPay, Visa,
};

/// One BIN range: the first `prefix_len` digits of the card number, read as an integer, lie in
/// `lo..=hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BinRange {
    pub(crate) lo: u32,
    pub(crate) hi: u32,
    pub(crate) prefix_len: u8,
    pub(crate) brand: Brand,
}

/// The longest `prefix_len` in [`BIN_RANGES`].
pub(crate) const MAX_PREFIX_LEN: usize = 6;

const fn r(lo: u32, hi: u32, prefix_len: u8, brand: Brand) -> BinRange {
    BinRange {
        lo,
        hi,
        prefix_len,
        brand,
    }
}

/// The BIN table (see the module documentation for sources and precedence).
pub(crate) static BIN_RANGES: &[BinRange] = &[
    // Visa
    r(4, 4, 1, Visa),
    // Mastercard (the 2-series was opened in 2017)
    r(51, 55, 2, Mastercard),
    r(2221, 2720, 4, Mastercard),
    // American Express
    r(34, 34, 2, Amex),
    r(37, 37, 2, Amex),
    // Discover Global Network
    r(6011, 6011, 4, Discover),
    r(644, 649, 3, Discover),
    r(65, 65, 2, Discover),
    r(622126, 622925, 6, Discover),
    // JCB
    r(3528, 3589, 4, Jcb),
    // Diners Club International
    r(300, 305, 3, Diners),
    r(3095, 3095, 4, Diners),
    r(36, 36, 2, Diners),
    r(38, 39, 2, Diners),
    // UnionPay
    r(62, 62, 2, UnionPay),
    r(8100, 8171, 4, UnionPay),
    // Maestro
    r(50, 50, 2, Maestro),
    r(56, 58, 2, Maestro),
    r(639, 639, 3, Maestro),
    r(6304, 6304, 4, Maestro),
    r(6759, 6759, 4, Maestro),
    r(6761, 6763, 4, Maestro),
    // Mir (NSPK)
    r(2200, 2204, 4, Mir),
    // Elo
    r(401178, 401179, 6, Elo),
    r(431274, 431274, 6, Elo),
    r(438935, 438935, 6, Elo),
    r(451416, 451416, 6, Elo),
    r(457393, 457393, 6, Elo),
    r(457631, 457632, 6, Elo),
    r(504175, 504175, 6, Elo),
    r(506699, 506778, 6, Elo),
    r(509000, 509999, 6, Elo),
    r(627780, 627780, 6, Elo),
    r(636297, 636297, 6, Elo),
    r(636368, 636368, 6, Elo),
    r(650031, 650033, 6, Elo),
    r(650035, 650051, 6, Elo),
    r(650405, 650439, 6, Elo),
    r(650485, 650538, 6, Elo),
    r(650541, 650598, 6, Elo),
    r(650700, 650718, 6, Elo),
    r(650720, 650727, 6, Elo),
    r(650901, 650978, 6, Elo),
    r(651652, 651679, 6, Elo),
    r(655000, 655019, 6, Elo),
    r(655021, 655058, 6, Elo),
    // Hipercard
    r(384100, 384100, 6, Hipercard),
    r(384140, 384140, 6, Hipercard),
    r(384160, 384160, 6, Hipercard),
    r(606282, 606282, 6, Hipercard),
    r(637095, 637095, 6, Hipercard),
    r(637568, 637568, 6, Hipercard),
    r(637599, 637599, 6, Hipercard),
    r(637609, 637609, 6, Hipercard),
    r(637612, 637612, 6, Hipercard),
    // RuPay (NPCI)
    r(60, 60, 2, RuPay),
    r(508, 508, 3, RuPay),
    r(353, 353, 3, RuPay),
    r(356, 356, 3, RuPay),
    r(6521, 6522, 4, RuPay),
];

/// The brand whose range matches the longest prefix of `digits`, or `Unknown`.
///
/// Only the leading ASCII digits are read; reading stops at the first non-digit.
pub(crate) fn lookup(digits: &str) -> Brand {
    // prefixes[n] = the first n digits as an integer, for n = 1..=available.
    let mut prefixes = [0u32; MAX_PREFIX_LEN + 1];
    let mut available = 0;
    for (i, b) in digits.bytes().take(MAX_PREFIX_LEN).enumerate() {
        if !b.is_ascii_digit() {
            break;
        }
        prefixes[i + 1] = prefixes[i] * 10 + u32::from(b - b'0');
        available = i + 1;
    }
    let mut best: Option<&BinRange> = None;
    for range in BIN_RANGES {
        let n = usize::from(range.prefix_len);
        if n == 0 || n > available {
            continue;
        }
        let value = prefixes[n];
        if (range.lo..=range.hi).contains(&value)
            && best.is_none_or(|b| range.prefix_len > b.prefix_len)
        {
            best = Some(range);
        }
    }
    best.map_or(Brand::Unknown, |r| r.brand)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn digits_of(n: u32) -> usize {
        n.to_string().len()
    }

    #[test]
    fn ranges_are_well_formed() {
        for range in BIN_RANGES {
            let n = usize::from(range.prefix_len);
            assert!((1..=MAX_PREFIX_LEN).contains(&n), "{range:?}");
            assert!(range.lo <= range.hi, "{range:?}");
            assert_eq!(digits_of(range.lo), n, "{range:?}");
            assert_eq!(digits_of(range.hi), n, "{range:?}");
            assert_ne!(range.brand, Brand::Unknown, "{range:?}");
        }
    }

    #[test]
    fn ranges_of_equal_length_never_overlap() {
        for (i, a) in BIN_RANGES.iter().enumerate() {
            for b in &BIN_RANGES[i + 1..] {
                if a.prefix_len == b.prefix_len {
                    assert!(a.hi < b.lo || b.hi < a.lo, "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(lookup("4"), Brand::Visa);
        assert_eq!(lookup("401178"), Brand::Elo);
        assert_eq!(lookup("401177"), Brand::Visa);
        assert_eq!(lookup("650031"), Brand::Elo);
        assert_eq!(lookup("650030"), Brand::Discover);
        assert_eq!(lookup("6521"), Brand::RuPay);
        assert_eq!(lookup("6011"), Brand::Discover);
        assert_eq!(lookup("6012"), Brand::RuPay);
        assert_eq!(lookup("606282"), Brand::Hipercard);
        assert_eq!(lookup("384100"), Brand::Hipercard);
        assert_eq!(lookup("384101"), Brand::Diners);
        assert_eq!(lookup("622126"), Brand::Discover);
        assert_eq!(lookup("622925"), Brand::Discover);
        assert_eq!(lookup("622125"), Brand::UnionPay);
        assert_eq!(lookup("622926"), Brand::UnionPay);
        assert_eq!(lookup("627780"), Brand::Elo);
        assert_eq!(lookup("508"), Brand::RuPay);
        assert_eq!(lookup("507"), Brand::Maestro);
        assert_eq!(lookup("509123"), Brand::Elo);
        assert_eq!(lookup("3530"), Brand::Jcb, "RuPay 353 is shadowed by JCB");
        assert_eq!(lookup("3566"), Brand::Jcb, "RuPay 356 is shadowed by JCB");
        assert_eq!(lookup("8171"), Brand::UnionPay);
        assert_eq!(lookup("8172"), Brand::Unknown);
    }

    #[test]
    fn boundaries_of_multi_digit_ranges() {
        assert_eq!(lookup("2220"), Brand::Unknown);
        assert_eq!(lookup("2221"), Brand::Mastercard);
        assert_eq!(lookup("2720"), Brand::Mastercard);
        assert_eq!(lookup("2721"), Brand::Unknown);
        assert_eq!(lookup("2204"), Brand::Mir);
        assert_eq!(lookup("2205"), Brand::Unknown);
        assert_eq!(lookup("3527"), Brand::Unknown);
        assert_eq!(lookup("3528"), Brand::Jcb);
        assert_eq!(lookup("3589"), Brand::Jcb);
        assert_eq!(lookup("306"), Brand::Unknown);
        assert_eq!(lookup("3095"), Brand::Diners);
        assert_eq!(lookup("643"), Brand::Unknown);
        assert_eq!(lookup("644"), Brand::Discover);
    }

    #[test]
    fn short_or_non_digit_input() {
        assert_eq!(lookup(""), Brand::Unknown);
        assert_eq!(lookup("x4"), Brand::Unknown);
        assert_eq!(lookup("3"), Brand::Unknown);
        assert_eq!(lookup("37"), Brand::Amex);
        assert_eq!(lookup("40117x"), Brand::Visa);
        assert_eq!(lookup("9999999999999999"), Brand::Unknown);
    }
}
