//! A staff edit of a method's non-secret details (billing details, metadata, nickname), parsed
//! from the console's form fields with the same checks as intake: sizes, and no text that looks
//! like a card number anywhere (the field named, the value never echoed).

use super::IntakeError;
use super::body::{AddressBody, BillingBody};
use super::fields;
use std::collections::BTreeMap;

/// The metadata key the console's nickname is kept under.
pub const NICKNAME_KEY: &str = "nickname";

/// Why a staff member changed a method's details (recorded with the change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditReason {
    /// The customer asked (on the phone, by e-mail).
    CustomerRequest,
    /// The stored details were wrong (a typo at intake, an old address).
    Correction,
    /// Part of a fraud or dispute review.
    FraudReview,
}

impl EditReason {
    pub const ALL: [EditReason; 3] = [
        EditReason::CustomerRequest,
        EditReason::Correction,
        EditReason::FraudReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EditReason::CustomerRequest => "customer_request",
            EditReason::Correction => "correction",
            EditReason::FraudReview => "fraud_review",
        }
    }

    pub fn parse(s: &str) -> Result<EditReason, IntakeError> {
        EditReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                IntakeError::invalid_because(
                    "reason",
                    "one of customer_request, correction, fraud_review",
                )
            })
    }
}

/// The form's fields as typed (empty: not set).
#[derive(Debug, Clone, Default)]
pub struct DetailsForm {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub nickname: String,
    /// One `key=value` per line.
    pub metadata: String,
}

/// A checked edit: the billing details and metadata the method will have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsEdit {
    pub billing: Option<BillingBody>,
    pub metadata: BTreeMap<String, String>,
}

fn set(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

impl DetailsEdit {
    /// Checks every field as intake does; the nickname joins the metadata under
    /// [`NICKNAME_KEY`] (a `nickname=` line is refused: one place to set it).
    pub fn parse(form: &DetailsForm) -> Result<DetailsEdit, IntakeError> {
        let mut metadata = BTreeMap::new();
        for line in form
            .metadata
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let (key, value) = line.split_once('=').ok_or_else(|| {
                IntakeError::invalid_because("metadata", "one key=value per line")
            })?;
            let key = key.trim();
            if key == NICKNAME_KEY {
                return Err(IntakeError::invalid_because(
                    "metadata",
                    "set the nickname in its own field",
                ));
            }
            metadata.insert(key.to_owned(), value.trim().to_owned());
        }
        if let Some(nickname) = set(&form.nickname) {
            fields::free_text("nickname", &nickname, 60)?;
            metadata.insert(NICKNAME_KEY.to_owned(), nickname);
        }
        let metadata = fields::metadata(Some(metadata))?.unwrap_or_default();
        let address = AddressBody {
            line1: set(&form.line1),
            line2: set(&form.line2),
            city: set(&form.city),
            state: None,
            postal_code: set(&form.postal_code),
            country: set(&form.country).map(|c| c.to_uppercase()),
        };
        let address = (address != AddressBody::default()).then_some(address);
        let billing = BillingBody {
            name: set(&form.name),
            email: set(&form.email),
            phone: set(&form.phone),
            address,
        };
        let billing = (billing != BillingBody::default()).then_some(billing);
        Ok(DetailsEdit {
            billing: fields::billing(billing)?,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn form() -> DetailsForm {
        DetailsForm {
            name: " Ada Lovelace ".into(),
            city: "London".into(),
            country: "gb".into(),
            nickname: "Work card".into(),
            metadata: "crm_id=42\n\n loyalty = gold ".into(),
            ..DetailsForm::default()
        }
    }

    #[test]
    fn fields_are_trimmed_and_the_nickname_joins_the_metadata() {
        let edit = DetailsEdit::parse(&form()).unwrap();
        let billing = edit.billing.unwrap();
        assert_eq!(billing.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(billing.address.unwrap().country.as_deref(), Some("GB"));
        assert_eq!(edit.metadata["nickname"], "Work card");
        assert_eq!(edit.metadata["loyalty"], "gold");
        assert_eq!(edit.metadata.len(), 3);
        // Nothing typed: no billing details, no metadata.
        let empty = DetailsEdit::parse(&DetailsForm::default()).unwrap();
        assert_eq!(empty.billing, None);
        assert!(empty.metadata.is_empty());
    }

    #[test]
    fn card_numbers_are_refused_in_every_field_without_echo() {
        let pan = "4242 4242 4242 4242";
        type Setter = fn(&mut DetailsForm, &str);
        let cases: [(&str, Setter); 4] = [
            ("billing_details[name]", |f, v| f.name = v.into()),
            ("billing_details[address][line1]", |f, v| f.line1 = v.into()),
            ("nickname", |f, v| f.nickname = v.into()),
            ("metadata[note]", |f, v| f.metadata = format!("note={v}")),
        ];
        for (field, set) in cases {
            let mut f = form();
            set(&mut f, &format!("card {pan}"));
            let err = DetailsEdit::parse(&f).unwrap_err();
            assert_eq!(err.param.as_deref(), Some(field));
            assert!(!format!("{err} {err:?}").contains("4242 4242"), "{field}");
        }
    }

    #[test]
    fn malformed_lines_and_reasons_are_refused() {
        let mut f = form();
        f.metadata = "no equals sign".into();
        assert_eq!(
            DetailsEdit::parse(&f).unwrap_err().param.as_deref(),
            Some("metadata")
        );
        f.metadata = "nickname=x".into();
        assert_eq!(
            DetailsEdit::parse(&f).unwrap_err().param.as_deref(),
            Some("metadata")
        );
        assert!(EditReason::parse("correction").is_ok());
        assert_eq!(
            EditReason::parse("because").unwrap_err().param.as_deref(),
            Some("reason")
        );
    }
}
