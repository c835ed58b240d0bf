//! `InstrumentError`: why a bank or wallet field was rejected, as static codes without input.

/// Why an IBAN, BIC, routing number, account number, Alipay account or option was rejected.
///
/// Variants carry no data, so an error can be logged or returned without echoing an account
/// number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    #[error("the IBAN is invalid")]
    Iban,
    #[error("the BIC is invalid")]
    Bic,
    #[error("the routing number is invalid")]
    RoutingNumber,
    #[error("the account number is invalid")]
    AccountNumber,
    #[error("the Alipay account is invalid")]
    AlipayAccount,
    /// An enumerated field (account type, holder type) had a value outside its options.
    #[error("the value is not one of the allowed options")]
    Option,
}

impl InstrumentError {
    /// Every variant, for exhaustive tests.
    #[cfg(test)]
    pub(crate) const ALL: [InstrumentError; 6] = [
        InstrumentError::Iban,
        InstrumentError::Bic,
        InstrumentError::RoutingNumber,
        InstrumentError::AccountNumber,
        InstrumentError::AlipayAccount,
        InstrumentError::Option,
    ];

    /// The stable machine-readable code for API error bodies.
    pub fn code(self) -> &'static str {
        match self {
            InstrumentError::Iban => "invalid_iban",
            InstrumentError::Bic => "invalid_bic",
            InstrumentError::RoutingNumber => "invalid_routing_number",
            InstrumentError::AccountNumber => "invalid_account_number",
            InstrumentError::AlipayAccount => "invalid_alipay_account",
            InstrumentError::Option => "parameter_invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn codes_are_stable() {
        let codes: Vec<&str> = InstrumentError::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "invalid_iban",
                "invalid_bic",
                "invalid_routing_number",
                "invalid_account_number",
                "invalid_alipay_account",
                "parameter_invalid"
            ]
        );
    }

    #[test]
    fn messages_and_debug_contain_no_digits() {
        for e in InstrumentError::ALL {
            let shown = format!("{e} {e:?} {}", e.code());
            assert!(!shown.chars().any(|c| c.is_ascii_digit()), "{shown}");
        }
    }
}
