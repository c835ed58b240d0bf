//! `Instrument`: a checked card, SEPA account, US bank account or Alipay account, with its
//! fingerprint input, its secret payload (sealed at rest) and its masked display.

use crate::cde::card::{Expiry, HolderName, Pan};
use crate::cde::instrument::{
    AccountHolderType, AccountNumber, AccountType, AlipayAccount, Bic, Iban, RoutingNumber,
};
use serde::Serialize;
use serde_json::{Value, json};
use zeroize::Zeroizing;

#[derive(Debug)]
pub enum Instrument {
    Card {
        pan: Pan,
        expiry: Expiry,
        name: Option<HolderName>,
    },
    SepaDebit {
        iban: Iban,
        bic: Option<Bic>,
    },
    UsBankAccount {
        routing: RoutingNumber,
        account: AccountNumber,
        holder_type: AccountHolderType,
        account_type: AccountType,
    },
    Alipay {
        account: AlipayAccount,
    },
}

impl Instrument {
    /// The API's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Instrument::Card { .. } => "card",
            Instrument::SepaDebit { .. } => "sepa_debit",
            Instrument::UsBankAccount { .. } => "us_bank_account",
            Instrument::Alipay { .. } => "alipay",
        }
    }

    /// What the keyed fingerprint is computed over: a type tag and the full identifying number.
    pub fn fingerprint_input(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64));
        out.extend_from_slice(self.kind().as_bytes());
        out.push(0);
        match self {
            Instrument::Card { pan, .. } => out.extend_from_slice(pan.expose_digits().as_bytes()),
            Instrument::SepaDebit { iban, .. } => out.extend_from_slice(iban.expose().as_bytes()),
            Instrument::UsBankAccount {
                routing, account, ..
            } => {
                out.extend_from_slice(routing.as_str().as_bytes());
                out.push(0);
                out.extend_from_slice(account.expose().as_bytes());
            }
            Instrument::Alipay { account } => out.extend_from_slice(account.expose().as_bytes()),
        }
        out
    }

    /// The secret payload, as JSON in zeroizing memory: this is what gets sealed, and what a
    /// reveal returns (as the type-specific object).
    pub fn secret_payload(&self) -> Zeroizing<Vec<u8>> {
        #[derive(Serialize)]
        struct CardSecret<'a> {
            number: &'a str,
            exp_month: u8,
            exp_year: u16,
            name: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct SepaSecret<'a> {
            iban: &'a str,
            bic: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct AchSecret<'a> {
            routing_number: &'a str,
            account_number: &'a str,
            account_holder_type: &'a str,
            account_type: &'a str,
        }
        #[derive(Serialize)]
        struct AlipaySecret<'a> {
            account: &'a str,
        }

        // Sized so the payload never reallocates (a reallocation would leave an unwiped copy).
        let mut out = Zeroizing::new(Vec::with_capacity(1024));
        let written = match self {
            Instrument::Card { pan, expiry, name } => serde_json::to_writer(
                &mut *out,
                &CardSecret {
                    number: pan.expose_digits(),
                    exp_month: expiry.month(),
                    exp_year: expiry.year(),
                    name: name.as_ref().map(HolderName::as_str),
                },
            ),
            Instrument::SepaDebit { iban, bic } => serde_json::to_writer(
                &mut *out,
                &SepaSecret {
                    iban: iban.expose(),
                    bic: bic.as_ref().map(Bic::as_str),
                },
            ),
            Instrument::UsBankAccount {
                routing,
                account,
                holder_type,
                account_type,
            } => serde_json::to_writer(
                &mut *out,
                &AchSecret {
                    routing_number: routing.as_str(),
                    account_number: account.expose(),
                    account_holder_type: holder_type.as_str(),
                    account_type: account_type.as_str(),
                },
            ),
            Instrument::Alipay { account } => serde_json::to_writer(
                &mut *out,
                &AlipaySecret {
                    account: account.expose(),
                },
            ),
        };
        // Serialising borrowed strings into a Vec cannot fail; keep an empty payload if it did.
        if written.is_err() {
            out.clear();
        }
        out
    }

    /// The masked, type-specific object of the API view (BIN + last 4 at most, PCI DSS 3.4.1).
    /// No fingerprint: a view adds its owning channel's one (see `PaymentMethodView`).
    pub fn display(&self, alias: Option<&str>) -> Value {
        match self {
            Instrument::Card { pan, expiry, .. } => {
                let digits = pan.expose_digits().len();
                let bin = (digits >= 14).then(|| pan.bin6());
                json!({
                    "brand": pan.brand().as_str(),
                    "bin": bin,
                    "last4": pan.last4(),
                    "masked_number": pan.masked(),
                    "exp_month": expiry.month(),
                    "exp_year": expiry.year(),
                    "alias": alias,
                })
            }
            Instrument::SepaDebit { iban, bic } => json!({
                "country": iban.country(),
                "last4": iban.last4(),
                "masked_iban": iban.masked(),
                "bic": bic.as_ref().map(Bic::as_str),
            }),
            Instrument::UsBankAccount {
                routing,
                account,
                holder_type,
                account_type,
            } => json!({
                "routing_number": routing.as_str(),
                "last4": short_tail(account.expose()),
                "account_holder_type": holder_type.as_str(),
                "account_type": account_type.as_str(),
            }),
            Instrument::Alipay { account } => json!({
                "account_kind": account.kind(),
                "masked_account": account.masked(),
                "last4": account.last4(),
            }),
        }
    }

    pub fn last4(&self) -> String {
        match self {
            Instrument::Card { pan, .. } => pan.last4().to_owned(),
            Instrument::SepaDebit { iban, .. } => iban.last4().to_owned(),
            Instrument::UsBankAccount { account, .. } => short_tail(account.expose()).to_owned(),
            Instrument::Alipay { account } => account.last4().to_owned(),
        }
    }

    pub fn brand(&self) -> Option<&'static str> {
        match self {
            Instrument::Card { pan, .. } => Some(pan.brand().as_str()),
            _ => None,
        }
    }

    pub fn expiry(&self) -> Option<Expiry> {
        match self {
            Instrument::Card { expiry, .. } => Some(*expiry),
            _ => None,
        }
    }
}

/// The last 4 characters, or fewer for short account numbers: never more than half of it.
fn short_tail(s: &str) -> &str {
    let n = (s.len() / 2).min(4);
    &s[s.len() - n..]
}

/// A sealed card secret with its expiry changed (a customer confirmed the card's new expiry):
/// the same JSON shape as [`Instrument::secret_payload`], in zeroizing memory. `None` if
/// `secret` is not a card secret.
pub(crate) fn card_secret_with_expiry(
    secret: &[u8],
    exp_month: u8,
    exp_year: u16,
) -> Option<Zeroizing<Vec<u8>>> {
    #[derive(serde::Deserialize, Serialize)]
    struct StoredCard {
        number: Zeroizing<String>,
        exp_month: u8,
        exp_year: u16,
        name: Option<Zeroizing<String>>,
    }
    let mut card: StoredCard = serde_json::from_slice(secret).ok()?;
    card.exp_month = exp_month;
    card.exp_year = exp_year;
    let mut out = Zeroizing::new(Vec::with_capacity(1024));
    serde_json::to_writer(&mut *out, &card).ok()?;
    Some(out)
}

#[cfg(test)]
mod expiry_rewrite_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_new_expiry_keeps_the_number_and_name() {
        let old = br#"{"number":"4242424242424242","exp_month":1,"exp_year":2027,"name":"A B"}"#;
        let new = card_secret_with_expiry(old, 9, 2031).unwrap();
        assert_eq!(
            std::str::from_utf8(&new).unwrap(),
            r#"{"number":"4242424242424242","exp_month":9,"exp_year":2031,"name":"A B"}"#
        );
        assert!(card_secret_with_expiry(br#"{"iban":"DE89"}"#, 1, 2030).is_none());
    }
}
