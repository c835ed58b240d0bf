//! `Bic`: a checked ISO 9362 Business Identifier Code (SWIFT code).

use super::error::InstrumentError;

/// A BIC, uppercase: 4 letters (institution), 2 letters (country), 2 alphanumerics
/// (location) and an optional 3 alphanumerics (branch). BICs are public, not secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bic(String);

impl Bic {
    /// Parses a BIC as typed: surrounding whitespace removed, letters uppercased.
    pub fn parse(input: &str) -> Result<Bic, InstrumentError> {
        let bic = input.trim().to_ascii_uppercase();
        let b = bic.as_bytes();
        if b.len() != 8 && b.len() != 11 {
            return Err(InstrumentError::Bic);
        }
        let letters = |r: std::ops::Range<usize>| {
            b.get(r)
                .is_some_and(|s| s.iter().all(u8::is_ascii_uppercase))
        };
        let alnum = |r: std::ops::Range<usize>| {
            b.get(r).is_some_and(|s| {
                s.iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            })
        };
        if letters(0..4) && letters(4..6) && alnum(6..b.len()) {
            Ok(Bic(bic))
        } else {
            Err(InstrumentError::Bic)
        }
    }

    /// The BIC, uppercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_bics() {
        for (raw, norm, country) in [
            ("DEUTDEFF", "DEUTDEFF", "DE"),
            ("deutdeff500", "DEUTDEFF500", "DE"),
            (" NWBKGB2L ", "NWBKGB2L", "GB"),
            ("COBADEFFXXX", "COBADEFFXXX", "DE"),
            ("BNPAFRPP", "BNPAFRPP", "FR"),
            ("UBSWCHZH80A", "UBSWCHZH80A", "CH"),
        ] {
            let bic = Bic::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(bic.as_str(), norm);
            assert_eq!(&bic.as_str()[4..6], country);
        }
    }

    #[test]
    fn invalid_bics() {
        for bad in [
            "",
            "DEUTDEF",      // 7
            "DEUTDEFF5",    // 9
            "DEUTDEFF50",   // 10
            "DEUTDEFF5000", // 12
            "DEU1DEFF",     // digit in institution
            "DEUTD3FF",     // digit in country
            "DEUT DEFF",
            "DEUTDEF-",
            "DEUTDEFF50_",
            "DÉUTDEFF",
        ] {
            assert_eq!(
                Bic::parse(bad).unwrap_err(),
                InstrumentError::Bic,
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(bic) = Bic::parse(&s) {
                prop_assert!(bic.as_str().len() == 8 || bic.as_str().len() == 11);
            }
        }

        #[test]
        fn well_formed_bics_parse(bic in "[A-Za-z]{6}[A-Za-z0-9]{2}([A-Za-z0-9]{3})?") {
            prop_assert!(Bic::parse(&bic).is_ok());
        }
    }
}
