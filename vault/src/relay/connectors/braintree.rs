//! Braintree's GraphQL API: `tokenizeCreditCard` makes a single-use payment method from the card,
//! then `vaultPaymentMethod` stores it; the vaulted payment method's `id` is the token. Braintree
//! answers errors with HTTP 200 and an `errors` array.

use super::{Connector, Next, Step, plausible_token};

pub struct Braintree;

const VERSION: &str = "2019-01-01";

const TOKENIZE: &str = "mutation Tokenize($input: TokenizeCreditCardInput!) { tokenizeCreditCard(input: $input) { paymentMethod { id } } }";
const DELETE: &str = "mutation Delete($input: DeletePaymentMethodFromVaultInput!) { deletePaymentMethodFromVault(input: $input) { clientMutationId } }";
const VAULT: &str = "mutation Vault($input: VaultPaymentMethodInput!) { vaultPaymentMethod(input: $input) { paymentMethod { id } } }";

fn step(body: String) -> Step {
    Step {
        method: "POST",
        path: "/graphql".into(),
        content_type: "application/json",
        headers: vec![("braintree-version", VERSION)],
        body,
    }
}

impl Connector for Braintree {
    fn provider(&self) -> &'static str {
        "braintree"
    }

    fn first(&self, pm: &str) -> Step {
        step(format!(
            r#"{{"query":"{TOKENIZE}","variables":{{"input":{{"creditCard":{{"number":"{{{{ {pm}:number }}}}","expirationMonth":"{{{{ {pm}:exp_month }}}}","expirationYear":"{{{{ {pm}:exp_year }}}}"}}}}}}}}"#
        ))
    }

    fn delete(&self, token: &str) -> Step {
        let input = serde_json::json!({ "paymentMethodId": token });
        step(serde_json::json!({ "query": DELETE, "variables": { "input": input } }).to_string())
    }

    fn deleted(&self, status: u16, body: &str) -> bool {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        status == 200
            && v["errors"].is_null()
            && v["data"]["deletePaymentMethodFromVault"].is_object()
    }

    fn next(&self, step_no: usize, _status: u16, body: &str) -> Next {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        if let Some(e) = v["errors"].get(0) {
            return Next::Failed(e["extensions"]["legacyCode"].as_str().map(str::to_owned));
        }
        let field = if step_no == 0 {
            "tokenizeCreditCard"
        } else {
            "vaultPaymentMethod"
        };
        let Some(id) = v["data"][field]["paymentMethod"]["id"]
            .as_str()
            .filter(|id| plausible_token(id))
        else {
            return Next::Failed(None);
        };
        if step_no == 0 {
            let input = serde_json::json!({ "paymentMethodId": id });
            let body = serde_json::json!({ "query": VAULT, "variables": { "input": input } });
            Next::Then(step(body.to_string()))
        } else {
            Next::Token(id.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn tokenize_then_vault() {
        let first: serde_json::Value = serde_json::from_str(&Braintree.first("pm_x").body).unwrap();
        assert_eq!(
            first["variables"]["input"]["creditCard"]["number"],
            "{{ pm_x:number }}"
        );
        let tokenized = r#"{"data":{"tokenizeCreditCard":{"paymentMethod":{"id":"tokencc_1"}}}}"#;
        let Next::Then(vault) = Braintree.next(0, 200, tokenized) else {
            panic!("expected the vault step");
        };
        assert!(vault.body.contains("tokencc_1") && vault.body.contains("vaultPaymentMethod"));
        let vaulted = r#"{"data":{"vaultPaymentMethod":{"paymentMethod":{"id":"cGF5bWVudG1ldGhvZF9jY18x"}}}}"#;
        assert_eq!(
            Braintree.next(1, 200, vaulted),
            Next::Token("cGF5bWVudG1ldGhvZF9jY18x".into())
        );
        let refused = r#"{"errors":[{"message":"x","extensions":{"legacyCode":"81715"}}]}"#;
        assert_eq!(
            Braintree.next(0, 200, refused),
            Next::Failed(Some("81715".into()))
        );
    }
}
