//! Field-level intake errors with stable codes and Stripe-style parameter names. A message is
//! built only from static text and the parameter's name: never from the submitted value.

use crate::cde::card::CardError;
use crate::cde::instrument::InstrumentError;

/// Whether the error is about the request's shape or about the payment details themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeErrorKind {
    /// Malformed JSON, wrong types, missing or unknown parameters.
    InvalidRequest,
    /// Well-formed request with invalid payment details (bad number, expired card, …).
    InvalidPaymentDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IntakeError {
    pub kind: IntakeErrorKind,
    pub code: &'static str,
    pub param: Option<String>,
    pub message: String,
}

impl IntakeError {
    pub fn missing(param: &str) -> Self {
        Self::request(
            "parameter_missing",
            param,
            format!("Missing required param: {param}."),
        )
    }

    pub fn invalid(param: &str) -> Self {
        Self::request(
            "parameter_invalid",
            param,
            format!("Invalid value for {param}."),
        )
    }

    pub fn invalid_because(param: &str, why: &'static str) -> Self {
        Self::request(
            "parameter_invalid",
            param,
            format!("Invalid value for {param}: {why}."),
        )
    }

    pub fn unknown(param: &str) -> Self {
        Self::request(
            "parameter_unknown",
            param,
            format!("Received unknown parameter: {param}."),
        )
    }

    pub fn malformed_json() -> Self {
        IntakeError {
            kind: IntakeErrorKind::InvalidRequest,
            code: "invalid_json",
            param: None,
            message: "The request body is not valid JSON.".into(),
        }
    }

    fn request(code: &'static str, param: &str, message: String) -> Self {
        IntakeError {
            kind: IntakeErrorKind::InvalidRequest,
            code,
            param: Some(param.to_owned()),
            message,
        }
    }

    pub fn card(param: &str, e: CardError) -> Self {
        let message = match e {
            CardError::InvalidNumber => "Your card number is incorrect.",
            CardError::InvalidExpiryMonth => "Your card's expiration month is invalid.",
            CardError::InvalidExpiryYear => "Your card's expiration year is invalid.",
            CardError::ExpiredCard => "Your card has expired.",
            CardError::InvalidCvc => "Your card's security code is invalid.",
            CardError::InvalidName => "The cardholder name is invalid.",
        };
        IntakeError {
            kind: IntakeErrorKind::InvalidPaymentDetails,
            code: e.code(),
            param: Some(param.to_owned()),
            message: message.into(),
        }
    }

    pub fn instrument(param: &str, e: InstrumentError) -> Self {
        IntakeError {
            kind: IntakeErrorKind::InvalidPaymentDetails,
            code: e.code(),
            param: Some(param.to_owned()),
            message: format!("{e}."),
        }
    }

    /// Maps a deserialisation failure to a parameter error without looking at the value.
    pub fn from_serde(e: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        use serde_json::error::Category;
        let inner = e.inner();
        if matches!(
            inner.classify(),
            Category::Syntax | Category::Eof | Category::Io
        ) {
            return IntakeError::malformed_json();
        }
        let mut param = stripe_param(e.path());
        let text = inner.to_string();
        if let Some(rest) = text.strip_prefix("unknown field `") {
            // Echo the field name only if it is a plain identifier (it is client input).
            let name = rest.split('`').next().unwrap_or("");
            let plain = !name.is_empty()
                && name.len() <= 40
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && name.bytes().filter(u8::is_ascii_digit).count() < 12
                && !coffer_dlp::contains_card_number(name);
            let name = if plain { name } else { "?" };
            // The path usually already ends at the unknown key; append it only if not.
            let already = param == name || param.ends_with(&format!("[{name}]"));
            param = if param.is_empty() || param == "." {
                name.to_owned()
            } else if already {
                param
            } else {
                format!("{param}[{name}]")
            };
            return IntakeError::unknown(&param);
        }
        if param.is_empty() || param == "." {
            return IntakeError {
                kind: IntakeErrorKind::InvalidRequest,
                code: "parameter_invalid",
                param: None,
                message: "The request body must be a JSON object.".into(),
            };
        }
        IntakeError::invalid(&param)
    }
}

/// `card.number` → `card[number]`, `metadata.k` → `metadata[k]`.
fn stripe_param(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for (i, seg) in path.iter().enumerate() {
        let part = match seg {
            Segment::Map { key } => key.clone(),
            Segment::Seq { index } => index.to_string(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        // Map keys are client input: echo only plain, short, non-card-like names.
        let plain = !part.is_empty()
            && part.len() <= 40
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && part.bytes().filter(u8::is_ascii_digit).count() < 12
            && !coffer_dlp::contains_card_number(&part);
        let part = if plain { part } else { "?".to_owned() };
        if i == 0 {
            out.push_str(&part);
        } else {
            out.push('[');
            out.push_str(&part);
            out.push(']');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use crate::cde::card::YearMonth;

    fn param_of(body: &str) -> (String, Option<String>) {
        let e = crate::cde::intake::parse(
            body.as_bytes(),
            YearMonth {
                year: 2026,
                month: 11,
            },
        )
        .unwrap_err();
        (e.code.to_owned(), e.param)
    }

    #[test]
    fn unknown_fields_are_named_once() {
        let (code, param) = param_of(r#"{"customer":"c","type":"card","card":{"track2":"x"}}"#);
        assert_eq!(
            (code.as_str(), param.as_deref()),
            ("parameter_unknown", Some("card[track2]"))
        );
        let (_, param) = param_of(r#"{"customer":"c","colour":"red"}"#);
        assert_eq!(param.as_deref(), Some("colour"));
    }

    #[test]
    fn card_numbers_used_as_keys_are_never_echoed() {
        for body in [
            r#"{"customer":"c","type":"card","metadata":{"4242424242424242":1}}"#,
            r#"{"customer":"c","type":"card","card":{"4242424242424242":"x"}}"#,
            r#"{"customer":"c","4242424242424242":"x"}"#,
            r#"{"customer":"c","type":"card","metadata":{"9999999999999995":1}}"#,
        ] {
            let e = crate::cde::intake::parse(
                body.as_bytes(),
                YearMonth {
                    year: 2026,
                    month: 11,
                },
            )
            .unwrap_err();
            assert!(
                !format!("{e:?} {e}").contains("4242424242424242"),
                "{body}: {e:?}"
            );
        }
    }

    #[test]
    fn messages_never_echo_values() {
        let body = r#"{"customer":"c","type":"card","card":{"number":4242424242424242,"exp_month":1,"exp_year":2030}}"#;
        let e = crate::cde::intake::parse(
            body.as_bytes(),
            YearMonth {
                year: 2026,
                month: 11,
            },
        )
        .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("card[number]"));
        assert!(!format!("{e:?} {e}").contains("4242"));
    }
}
