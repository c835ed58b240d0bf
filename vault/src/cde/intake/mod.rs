//! Intake: turns a request body into a checked `NewPaymentMethod`, or a field-level error.
//! The CVC is checked here and dropped before this function returns (PCI DSS 3.3.1.2).

mod body;
mod edit;
mod error;
mod fields;

pub use body::BillingBody;
pub use edit::{DetailsEdit, DetailsForm, EditReason, NICKNAME_KEY};
pub use error::{IntakeError, IntakeErrorKind};
pub use fields::CustomerRef;

/// Checks a free-text field elsewhere in the vault as intake does: at most `max` characters, no
/// control characters, nothing that looks like a card number (named by `param`, never echoed).
pub fn check_free_text(param: &str, value: &str, max: usize) -> Result<(), IntakeError> {
    fields::free_text(param, value, max)
}

use crate::cde::card::{Cvc, Expiry, HolderName, Pan, YearMonth};
use crate::cde::instrument::{
    AccountHolderType, AccountNumber, AccountType, AlipayAccount, Bic, Iban, RoutingNumber,
};
use crate::cde::model::Instrument;
use body::{AchBody, AlipayBody, CardBody, CreateBody, SepaBody};
use secrecy::ExposeSecret;
use std::collections::BTreeMap;

/// A request that passed every check; holds its secrets in zeroizing types.
#[derive(Debug)]
pub struct NewPaymentMethod {
    pub customer: CustomerRef,
    pub instrument: Instrument,
    pub billing_details: Option<BillingBody>,
    pub metadata: Option<BTreeMap<String, String>>,
    /// The caller asked for a format-preserving alias (cards only).
    pub alias: bool,
}

/// Parses and validates a create/validate request body against today's date.
pub fn parse(body: &[u8], today: YearMonth) -> Result<NewPaymentMethod, IntakeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let raw: CreateBody =
        serde_path_to_error::deserialize(de).map_err(|e| IntakeError::from_serde(&e))?;
    let customer = fields::customer(raw.customer)?;
    let kind = raw.kind.ok_or_else(|| IntakeError::missing("type"))?;
    if !["card", "sepa_debit", "us_bank_account", "alipay"].contains(&kind.as_str()) {
        return Err(IntakeError::invalid_because(
            "type",
            "one of card, sepa_debit, us_bank_account, alipay",
        ));
    }
    let present = [
        ("card", raw.card.is_some()),
        ("sepa_debit", raw.sepa_debit.is_some()),
        ("us_bank_account", raw.us_bank_account.is_some()),
        ("alipay", raw.alipay.is_some()),
    ];
    if let Some((other, _)) = present.iter().find(|(name, here)| *here && *name != kind) {
        return Err(IntakeError::invalid_because(
            other,
            "does not match the payment method type",
        ));
    }
    let instrument = match kind.as_str() {
        "card" => card(raw.card.ok_or_else(|| IntakeError::missing("card"))?, today)?,
        "sepa_debit" => sepa(
            raw.sepa_debit
                .ok_or_else(|| IntakeError::missing("sepa_debit"))?,
        )?,
        "us_bank_account" => ach(raw
            .us_bank_account
            .ok_or_else(|| IntakeError::missing("us_bank_account"))?)?,
        "alipay" => alipay(raw.alipay.ok_or_else(|| IntakeError::missing("alipay"))?)?,
        _ => {
            return Err(IntakeError::invalid_because(
                "type",
                "one of card, sepa_debit, us_bank_account, alipay",
            ));
        }
    };
    let alias = match raw.alias.as_deref() {
        None => false,
        Some("format_preserving") if matches!(instrument, Instrument::Card { .. }) => true,
        Some(_) => {
            return Err(IntakeError::invalid_because(
                "alias",
                "only format_preserving, for cards",
            ));
        }
    };
    let billing_details = fields::billing(raw.billing_details)?;
    let metadata = fields::metadata(raw.metadata)?;
    Ok(NewPaymentMethod {
        customer,
        instrument,
        billing_details,
        metadata,
        alias,
    })
}

fn card(c: CardBody, today: YearMonth) -> Result<Instrument, IntakeError> {
    let number = c
        .number
        .ok_or_else(|| IntakeError::missing("card[number]"))?;
    let pan =
        Pan::parse(number.expose_secret()).map_err(|e| IntakeError::card("card[number]", e))?;
    let month = c
        .exp_month
        .ok_or_else(|| IntakeError::missing("card[exp_month]"))?
        .into_string();
    let year = c
        .exp_year
        .ok_or_else(|| IntakeError::missing("card[exp_year]"))?
        .into_string();
    let expiry = Expiry::parse(&month, &year, today).map_err(|e| {
        let param = if e == crate::cde::card::CardError::InvalidExpiryMonth {
            "card[exp_month]"
        } else {
            "card[exp_year]"
        };
        IntakeError::card(param, e)
    })?;
    if let Some(cvc) = c.cvc {
        // Checked, then dropped (zeroized) right here: the CVC is never stored.
        Cvc::parse(cvc.expose_secret(), pan.brand())
            .map_err(|e| IntakeError::card("card[cvc]", e))?;
    }
    let name = match c.name {
        Some(n) => Some(HolderName::parse(&n).map_err(|e| IntakeError::card("card[name]", e))?),
        None => None,
    };
    Ok(Instrument::Card { pan, expiry, name })
}

fn sepa(s: SepaBody) -> Result<Instrument, IntakeError> {
    let iban = s
        .iban
        .ok_or_else(|| IntakeError::missing("sepa_debit[iban]"))?;
    let iban = Iban::parse(iban.expose_secret())
        .map_err(|e| IntakeError::instrument("sepa_debit[iban]", e))?;
    let bic = match s.bic {
        Some(b) => Some(Bic::parse(&b).map_err(|e| IntakeError::instrument("sepa_debit[bic]", e))?),
        None => None,
    };
    Ok(Instrument::SepaDebit { iban, bic })
}

fn ach(a: AchBody) -> Result<Instrument, IntakeError> {
    let routing = a
        .routing_number
        .ok_or_else(|| IntakeError::missing("us_bank_account[routing_number]"))?;
    let routing = RoutingNumber::parse(&routing)
        .map_err(|e| IntakeError::instrument("us_bank_account[routing_number]", e))?;
    let account = a
        .account_number
        .ok_or_else(|| IntakeError::missing("us_bank_account[account_number]"))?;
    let account = AccountNumber::parse(account.expose_secret())
        .map_err(|e| IntakeError::instrument("us_bank_account[account_number]", e))?;
    let holder_type = match a.account_holder_type {
        Some(t) => AccountHolderType::parse(&t)
            .map_err(|e| IntakeError::instrument("us_bank_account[account_holder_type]", e))?,
        None => AccountHolderType::Individual,
    };
    let account_type = match a.account_type {
        Some(t) => AccountType::parse(&t)
            .map_err(|e| IntakeError::instrument("us_bank_account[account_type]", e))?,
        None => AccountType::Checking,
    };
    Ok(Instrument::UsBankAccount {
        routing,
        account,
        holder_type,
        account_type,
    })
}

fn alipay(a: AlipayBody) -> Result<Instrument, IntakeError> {
    let account = a
        .account
        .ok_or_else(|| IntakeError::missing("alipay[account]"))?;
    let account = AlipayAccount::parse(account.expose_secret())
        .map_err(|e| IntakeError::instrument("alipay[account]", e))?;
    Ok(Instrument::Alipay { account })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    const TODAY: YearMonth = YearMonth {
        year: 2026,
        month: 11,
    };

    fn luhn_complete(prefix: &str) -> String {
        (0..10)
            .map(|d| format!("{prefix}{d}"))
            .find(|n| coffer_dlp::luhn_valid(n))
            .unwrap()
    }

    proptest! {
        /// Whatever arrives, the parser answers (no panic), and an error never carries the
        /// submitted number, wherever in the body it was put.
        #[test]
        fn errors_never_echo_a_card_number(
            middle in "[0-9]{9}",
            field in prop::sample::select(vec!["number", "exp_month", "exp_year", "cvc", "name", "colour"]),
            wrap in prop::sample::select(vec!["\"{}\"", "{}", "[\"{}\"]", "{\"k\":\"{}\"}"]),
            key_pos in any::<bool>(),
        ) {
            let pan = luhn_complete(&format!("424242{middle}"));
            let value = wrap.replace("{}", &pan);
            let body = if key_pos {
                format!(r#"{{"customer":"c","type":"card","card":{{"{pan}":{value}}}}}"#)
            } else {
                format!(r#"{{"customer":"c","type":"card","card":{{"{field}":{value}}}}}"#)
            };
            if let Err(e) = parse(body.as_bytes(), TODAY) {
                let shown = format!("{e} {e:?}");
                prop_assert!(!shown.contains(&pan), "{shown}");
                prop_assert!(!shown.contains(&pan[6..12]), "{shown}");
            }
        }

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&body, TODAY);
        }
    }

    #[test]
    fn a_valid_card_parses_and_the_cvc_is_gone() {
        let body = br#"{"customer":"cus_1","type":"card","card":{"number":"4242 4242 4242 4242","exp_month":"12","exp_year":2030,"cvc":"123"}}"#;
        let new = parse(body, TODAY).unwrap();
        assert_eq!(new.instrument.kind(), "card");
        let debug = format!("{new:?}");
        assert!(
            !debug.contains("4242424242424242") && !debug.contains("123\""),
            "{debug}"
        );
    }
}
