//! `CardError`: why a card field was rejected, as static codes that never carry user input.

/// Why a card number, expiry, security code or cardholder name was rejected.
///
/// Variants carry no data: an error value can be logged or returned to a client without any
/// risk of echoing the PAN or CVC that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Non-digits, empty, wrong length for the brand, or a Luhn failure.
    #[error("the card number is not a valid card number")]
    InvalidNumber,
    /// The month is not 1..=12.
    #[error("the expiry month is invalid")]
    InvalidExpiryMonth,
    /// The year is unparsable or more than 20 years ahead.
    #[error("the expiry year is invalid")]
    InvalidExpiryYear,
    /// The card's last valid month is before the current month.
    #[error("the card has expired")]
    ExpiredCard,
    /// The security code has the wrong length for the brand or is not all digits.
    #[error("the security code is invalid")]
    InvalidCvc,
    /// The cardholder name is empty, too long, has control characters or looks like a PAN.
    #[error("the cardholder name is invalid")]
    InvalidName,
}

impl CardError {
    /// Every variant, for exhaustive tests.
    #[cfg(test)]
    pub(crate) const ALL: [CardError; 6] = [
        CardError::InvalidNumber,
        CardError::InvalidExpiryMonth,
        CardError::InvalidExpiryYear,
        CardError::ExpiredCard,
        CardError::InvalidCvc,
        CardError::InvalidName,
    ];

    /// The stable machine-readable code for API error bodies.
    pub fn code(self) -> &'static str {
        match self {
            CardError::InvalidNumber => "invalid_number",
            CardError::InvalidExpiryMonth => "invalid_expiry_month",
            CardError::InvalidExpiryYear => "invalid_expiry_year",
            CardError::ExpiredCard => "expired_card",
            CardError::InvalidCvc => "invalid_cvc",
            CardError::InvalidName => "invalid_name",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn codes_are_stable() {
        let codes: Vec<&str> = CardError::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "invalid_number",
                "invalid_expiry_month",
                "invalid_expiry_year",
                "expired_card",
                "invalid_cvc",
                "invalid_name"
            ]
        );
    }

    #[test]
    fn messages_and_debug_contain_no_digits() {
        for e in CardError::ALL {
            let shown = format!("{e} {e:?} {}", e.code());
            assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
        }
    }
}
