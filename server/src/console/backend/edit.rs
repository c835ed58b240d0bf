//! Safe edits of a method's details in the console: the form checked by the vault's intake rules
//! (field-level errors, card-like text refused without echo), then one call into the vault.

use super::VaultBackend;
use super::errors::map;
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::EditBackend;
use coffer_app::model::MethodDetails;
use coffer_vault::access::EditPaymentMethod;
use coffer_vault::intake::{DetailsEdit, DetailsForm, EditReason, NICKNAME_KEY};
use coffer_vault::model::PaymentMethodView;
use serde_json::Value;

const PM: &str = "payment_method";

fn text(v: Option<&Value>, key: &str) -> String {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The edit form's values for a method as it is stored.
pub fn editable(v: &PaymentMethodView) -> MethodDetails {
    let billing = v.billing_details.as_ref();
    let address = billing.and_then(|b| b.get("address"));
    let mut nickname = String::new();
    let mut lines = Vec::new();
    if let Some(map) = v.metadata.as_object() {
        for (key, value) in map {
            let value = value.as_str().unwrap_or_default();
            if key == NICKNAME_KEY {
                nickname = value.to_owned();
            } else {
                lines.push(format!("{key}={value}"));
            }
        }
    }
    MethodDetails {
        name: text(billing, "name"),
        email: text(billing, "email"),
        phone: text(billing, "phone"),
        line1: text(address, "line1"),
        line2: text(address, "line2"),
        city: text(address, "city"),
        postal_code: text(address, "postal_code"),
        country: text(address, "country"),
        nickname,
        metadata: lines.join("\n"),
    }
}

#[async_trait]
impl EditBackend for VaultBackend {
    async fn edit_payment_method(
        &self,
        id: String,
        details: MethodDetails,
        reason: String,
    ) -> Result<(), ConsoleError> {
        let reason = EditReason::parse(&reason).map_err(|e| map(e.into()))?;
        let form = DetailsForm {
            name: details.name,
            email: details.email,
            phone: details.phone,
            line1: details.line1,
            line2: details.line2,
            city: details.city,
            postal_code: details.postal_code,
            country: details.country,
            nickname: details.nickname,
            metadata: details.metadata,
        };
        let edit = DetailsEdit::parse(&form).map_err(|e| map(e.into()))?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<EditPaymentMethod>(&mut who, None, Some((PM, &id)))
            .await?;
        self.vault
            .edit_payment_method(&grant, &id, &edit, reason, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(())
    }
}
