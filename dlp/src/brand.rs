//! `Brand`: the card network a PAN belongs to, with its API name, PAN lengths and CVC length.

use crate::brand_table;

/// A card network, detected from the leading digits of the PAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Brand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Diners,
    UnionPay,
    Maestro,
    Mir,
    Elo,
    Hipercard,
    RuPay,
    /// No range in the BIN table matched: any length from 12 to 19 is accepted.
    Unknown,
}

impl Brand {
    /// Every brand, `Unknown` last.
    pub const ALL: [Brand; 13] = [
        Brand::Visa,
        Brand::Mastercard,
        Brand::Amex,
        Brand::Discover,
        Brand::Jcb,
        Brand::Diners,
        Brand::UnionPay,
        Brand::Maestro,
        Brand::Mir,
        Brand::Elo,
        Brand::Hipercard,
        Brand::RuPay,
        Brand::Unknown,
    ];

    /// The API name of the brand.
    pub fn as_str(self) -> &'static str {
        match self {
            Brand::Visa => "visa",
            Brand::Mastercard => "mastercard",
            Brand::Amex => "amex",
            Brand::Discover => "discover",
            Brand::Jcb => "jcb",
            Brand::Diners => "diners",
            Brand::UnionPay => "unionpay",
            Brand::Maestro => "maestro",
            Brand::Mir => "mir",
            Brand::Elo => "elo",
            Brand::Hipercard => "hipercard",
            Brand::RuPay => "rupay",
            Brand::Unknown => "unknown",
        }
    }

    /// The inverse of [`Brand::as_str`] (exact, lowercase).
    pub fn parse_name(s: &str) -> Option<Brand> {
        Brand::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The brand of a card number from its leading digits: the most specific (longest-prefix)
    /// match in the BIN table, or `Unknown`. `digits` may be a full PAN or just its first
    /// few digits.
    pub fn from_bin(digits: &str) -> Brand {
        brand_table::lookup(digits)
    }

    /// The length of the card security code: 4 for Amex (CID), 3 otherwise.
    pub fn cvc_len(self) -> usize {
        match self {
            Brand::Amex => 4,
            _ => 3,
        }
    }

    /// The PAN lengths the brand issues, ascending.
    pub fn lengths(self) -> &'static [u8] {
        const SIXTEEN_TO_NINETEEN: &[u8] = &[16, 17, 18, 19];
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard | Brand::Elo | Brand::RuPay => &[16],
            Brand::Amex => &[15],
            Brand::Discover | Brand::Jcb | Brand::UnionPay | Brand::Mir => SIXTEEN_TO_NINETEEN,
            Brand::Diners => &[14, 15, 16, 17, 18, 19],
            Brand::Hipercard => &[16, 19],
            Brand::Maestro | Brand::Unknown => &[12, 13, 14, 15, 16, 17, 18, 19],
        }
    }

    /// Whether a PAN of `len` digits is allowed for this brand.
    pub fn allows_length(self, len: usize) -> bool {
        u8::try_from(len).is_ok_and(|l| self.lengths().contains(&l))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Brand::ALL {
            assert_eq!(Brand::parse_name(b.as_str()), Some(b));
        }
        assert_eq!(Brand::parse_name("VISA"), None);
        assert_eq!(Brand::parse_name(""), None);
        assert_eq!(Brand::parse_name("american_express"), None);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = Brand::ALL.iter().map(|b| b.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Brand::ALL.len());
    }

    #[test]
    fn cvc_length_is_four_only_for_amex() {
        for b in Brand::ALL {
            assert_eq!(b.cvc_len(), if b == Brand::Amex { 4 } else { 3 }, "{b:?}");
        }
    }

    #[test]
    fn lengths_are_within_pan_bounds_and_sorted() {
        for b in Brand::ALL {
            let lengths = b.lengths();
            assert!(!lengths.is_empty());
            assert!(lengths.iter().all(|l| (12..=19).contains(l)), "{b:?}");
            assert!(lengths.windows(2).all(|w| w[0] < w[1]), "{b:?}");
        }
    }

    #[test]
    fn lengths_per_brand() {
        assert_eq!(Brand::Visa.lengths(), &[13, 16, 19]);
        assert_eq!(Brand::Mastercard.lengths(), &[16]);
        assert_eq!(Brand::Amex.lengths(), &[15]);
        assert_eq!(Brand::Diners.lengths(), &[14, 15, 16, 17, 18, 19]);
        assert_eq!(Brand::Hipercard.lengths(), &[16, 19]);
        assert_eq!(Brand::Maestro.lengths(), Brand::Unknown.lengths());
        assert!(Brand::Amex.allows_length(15));
        assert!(!Brand::Amex.allows_length(16));
        assert!(!Brand::Unknown.allows_length(11));
        assert!(!Brand::Unknown.allows_length(20));
        assert!(!Brand::Unknown.allows_length(usize::MAX));
    }

    #[test]
    fn from_bin_on_prefixes() {
        assert_eq!(Brand::from_bin("424242"), Brand::Visa);
        assert_eq!(Brand::from_bin("555555"), Brand::Mastercard);
        assert_eq!(Brand::from_bin("378282"), Brand::Amex);
        assert_eq!(Brand::from_bin("220000"), Brand::Mir);
        assert_eq!(Brand::from_bin("1"), Brand::Unknown);
    }
}
