//! Development data: demo customers with test card numbers, SEPA, ACH and Alipay methods,
//! stored through the vault like any channel would (validated, sealed, audited), then the
//! temporary channel key is revoked. One customer has 50 cards (the console's big page).

use crate::access::{Actor, Scope, Tokenize, authorize};
use crate::audit::Origin;
use crate::{Vault, VaultError};
use secrecy::ExposeSecret;
use serde_json::json;

/// A Luhn-valid test number: `prefix`, `n` zero-padded, then the check digit.
fn test_pan(prefix: &str, n: u32, len: usize) -> String {
    let body_len = len - prefix.len() - 1;
    coffer_dlp::with_check_digit(&format!("{prefix}{n:0body_len$}"))
}

fn bodies() -> Vec<serde_json::Value> {
    let card = |customer: &str, number: &str, month: u32, year: u32, name: &str| {
        // American Express (34, 37) has a four-digit CVC.
        let cvc = if number.starts_with("34") || number.starts_with("37") {
            "1234"
        } else {
            "123"
        };
        json!({"customer": customer, "type": "card",
               "card": {"number": number, "exp_month": month, "exp_year": year, "cvc": cvc},
               "billing_details": {"name": name}})
    };
    let next_month = time::OffsetDateTime::now_utc() + time::Duration::days(31);
    let mut out = vec![
        card(
            "cus_demo_alice",
            "4242424242424242",
            12,
            2030,
            "Alice Martin",
        ),
        card(
            "cus_demo_alice",
            "5555555555554444",
            8,
            2029,
            "Alice Martin",
        ),
        json!({"customer": "cus_demo_alice", "type": "sepa_debit",
               "sepa_debit": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
               "billing_details": {"name": "Alice Martin"}}),
        card(
            "cus_demo_bob",
            "378282246310005",
            u32::from(u8::from(next_month.month())),
            u32::try_from(next_month.year()).unwrap_or(2030),
            "Bob Chen",
        ),
        json!({"customer": "cus_demo_bob", "type": "us_bank_account",
               "us_bank_account": {"routing_number": "110000000", "account_number": "000123456789",
                                   "account_holder_type": "individual", "account_type": "checking"}}),
        json!({"customer": "cus_demo_bob", "type": "alipay",
               "alipay": {"account": "bob.chen@example.com"}}),
    ];
    for i in 0..50u32 {
        out.push(card(
            "cus_demo_big",
            &test_pan("400000", 100 + i, 16),
            1 + i % 12,
            2028 + i % 5,
            "Big Customer Ltd",
        ));
    }
    out
}

/// Stores the demo methods; duplicates of an earlier seed are skipped by the vault itself.
pub async fn seed(vault: &Vault) -> Result<usize, VaultError> {
    let key = vault
        .create_api_key(
            &Actor::host_shell_operator(),
            "demo-seed",
            &[Scope::PaymentMethodsWrite],
        )
        .await?;
    let origin = Origin::default();
    let actor = vault.authenticate(key.key.expose_secret(), &origin).await?;
    let grant = authorize::<Tokenize>(&actor)?;
    let mut stored = 0;
    for body in bodies() {
        let bytes = body.to_string().into_bytes();
        match vault.tokenize(&grant, &bytes, &origin).await {
            Ok(t) if t.created => stored += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "a demo payment method was refused"),
        }
    }
    vault
        .revoke_api_key(&Actor::host_shell_operator(), &key.id)
        .await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn test_pans_pass_luhn_and_have_the_length() {
        for n in [0, 1, 149] {
            let pan = test_pan("400000", n, 16);
            assert_eq!(pan.len(), 16);
            assert!(coffer_dlp::luhn_valid(&pan), "{pan}");
        }
    }
}
