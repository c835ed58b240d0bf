//! US bank account details: the secret account number and the holder and account type options.

use super::error::InstrumentError;
use std::fmt;
use zeroize::Zeroizing;

const MIN_LEN: usize = 4;
const MAX_LEN: usize = 17;

/// A US bank account number: 4 to 17 ASCII digits, held in a [`Zeroizing`] buffer.
///
/// `Debug` shows only the masked form; there is no `Display`, `Clone` or `Serialize`.
pub struct AccountNumber(Zeroizing<String>);

impl AccountNumber {
    /// Parses an account number as typed: ASCII spaces and `-` are removed, anything else that
    /// is not an ASCII digit is rejected. The error never contains the input.
    pub fn parse(input: &str) -> Result<AccountNumber, InstrumentError> {
        let mut digits = Zeroizing::new(String::with_capacity(MAX_LEN));
        for c in input.chars() {
            match c {
                ' ' | '-' => {}
                '0'..='9' if digits.len() < MAX_LEN => digits.push(c),
                _ => return Err(InstrumentError::AccountNumber),
            }
        }
        if digits.len() < MIN_LEN {
            return Err(InstrumentError::AccountNumber);
        }
        Ok(AccountNumber(digits))
    }

    /// The full account number. Use it only to seal the account or compute its fingerprint;
    /// never log, format or persist the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// One `*` per hidden digit, then at most the last four digits, never more than half of
    /// the number: `*****6789`, and `**34` for a four-digit number.
    pub fn masked(&self) -> String {
        let len = self.0.len();
        let shown = (len / 2).min(4);
        let tail = self.0.get(len - shown..).unwrap_or_default();
        format!("{}{tail}", "*".repeat(len - shown))
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountNumber({})", self.masked())
    }
}

/// Who holds a US bank account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountHolderType {
    Individual,
    Company,
}

impl AccountHolderType {
    /// `"individual"` or `"company"` (exact), else [`InstrumentError::Option`].
    pub fn parse(s: &str) -> Result<AccountHolderType, InstrumentError> {
        match s {
            "individual" => Ok(AccountHolderType::Individual),
            "company" => Ok(AccountHolderType::Company),
            _ => Err(InstrumentError::Option),
        }
    }

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountHolderType::Individual => "individual",
            AccountHolderType::Company => "company",
        }
    }
}

/// The kind of US bank account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    Checking,
    Savings,
}

impl AccountType {
    /// `"checking"` or `"savings"` (exact), else [`InstrumentError::Option`].
    pub fn parse(s: &str) -> Result<AccountType, InstrumentError> {
        match s {
            "checking" => Ok(AccountType::Checking),
            "savings" => Ok(AccountType::Savings),
            _ => Err(InstrumentError::Option),
        }
    }

    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Checking => "checking",
            AccountType::Savings => "savings",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn account_numbers_parse_with_separators() {
        let a = AccountNumber::parse("000123456789").unwrap();
        assert_eq!(a.expose(), "000123456789");
        assert_eq!(
            AccountNumber::parse(" 0001-2345 6789 ").unwrap().expose(),
            "000123456789"
        );
        assert_eq!(
            AccountNumber::parse("12345678901234567")
                .unwrap()
                .expose()
                .len(),
            17
        );
    }

    #[test]
    fn bad_account_numbers() {
        for bad in [
            "",
            "123",
            "12 3",
            "123456789012345678",
            "12345a",
            "1234.5678",
            "١٢٣٤٥",
        ] {
            assert_eq!(
                AccountNumber::parse(bad).unwrap_err(),
                InstrumentError::AccountNumber,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn masked_never_shows_more_than_half_or_four() {
        assert_eq!(
            AccountNumber::parse("000123456789").unwrap().masked(),
            "********6789"
        );
        assert_eq!(AccountNumber::parse("1234").unwrap().masked(), "**34");
        assert_eq!(AccountNumber::parse("12345").unwrap().masked(), "***45");
        assert_eq!(
            AccountNumber::parse("12345678").unwrap().masked(),
            "****5678"
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_number() {
        for raw in ["000123456789", "1234", "98765432109876543"] {
            let a = AccountNumber::parse(raw).unwrap();
            let shown = format!("{a:?} {a:#?}");
            assert!(!shown.contains(raw), "{shown}");
        }
        let e = AccountNumber::parse("123456789012345678").unwrap_err();
        assert!(!format!("{e} {e:?}").chars().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn options_round_trip() {
        for t in [AccountHolderType::Individual, AccountHolderType::Company] {
            assert_eq!(AccountHolderType::parse(t.as_str()), Ok(t));
        }
        for t in [AccountType::Checking, AccountType::Savings] {
            assert_eq!(AccountType::parse(t.as_str()), Ok(t));
        }
        for bad in ["", "Individual", "business", " company"] {
            assert_eq!(AccountHolderType::parse(bad), Err(InstrumentError::Option));
        }
        for bad in ["", "Checking", "current", "savings "] {
            assert_eq!(AccountType::parse(bad), Err(InstrumentError::Option));
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = AccountNumber::parse(&s);
            let _ = AccountHolderType::parse(&s);
            let _ = AccountType::parse(&s);
        }

        #[test]
        fn digit_strings_in_range_parse_and_mask(n in "[0-9]{4,17}") {
            let a = AccountNumber::parse(&n).unwrap();
            prop_assert_eq!(a.expose(), n.as_str());
            let shown = format!("{a:?}");
            prop_assert!(!shown.contains(&n));
            prop_assert!(a.masked().ends_with(&n[n.len() - (n.len() / 2).min(4)..]));
        }
    }
}
