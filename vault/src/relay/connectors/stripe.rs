//! Stripe: `POST /v1/payment_methods` (form-encoded, `type=card`) creates a PaymentMethod whose
//! `id` (`pm_…`) is the token. Attaching it to a Stripe customer is the OMS's own call.

use super::{Connector, Next, Step, plausible_token};

pub struct Stripe;

/// The API version the shapes here were read from.
const VERSION: &str = "2025-08-27.basil";

impl Connector for Stripe {
    fn provider(&self) -> &'static str {
        "stripe"
    }

    fn first(&self, pm: &str) -> Step {
        Step {
            method: "POST",
            path: "/v1/payment_methods".into(),
            content_type: "application/x-www-form-urlencoded",
            headers: vec![("stripe-version", VERSION)],
            body: format!(
                "type=card&card[number]={{{{ {pm}:number }}}}&card[exp_month]={{{{ {pm}:exp_month }}}}\
                 &card[exp_year]={{{{ {pm}:exp_year }}}}"
            ),
        }
    }

    /// Detaching is Stripe's end of a PaymentMethod: it cannot be used or attached again.
    fn delete(&self, token: &str) -> Step {
        Step {
            method: "POST",
            path: format!("/v1/payment_methods/{token}/detach"),
            content_type: "application/x-www-form-urlencoded",
            headers: vec![("stripe-version", VERSION)],
            body: String::new(),
        }
    }

    fn deleted(&self, status: u16, _body: &str) -> bool {
        status == 200
    }

    fn next(&self, _step: usize, status: u16, body: &str) -> Next {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        match v["id"].as_str() {
            Some(id) if status == 200 && id.starts_with("pm_") && plausible_token(id) => {
                Next::Token(id.to_owned())
            }
            _ => Next::Failed(v["error"]["code"].as_str().map(str::to_owned)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_token_is_the_payment_methods_id() {
        assert!(
            Stripe
                .first("pm_abc")
                .body
                .contains("card[number]={{ pm_abc:number }}")
        );
        assert_eq!(
            Stripe.next(0, 200, r#"{"id":"pm_1Q","object":"payment_method"}"#),
            Next::Token("pm_1Q".into())
        );
        assert_eq!(
            Stripe.next(0, 402, r#"{"error":{"code":"incorrect_number"}}"#),
            Next::Failed(Some("incorrect_number".into()))
        );
        assert_eq!(Stripe.next(0, 200, "not json"), Next::Failed(None));
        let d = Stripe.delete("pm_1Q");
        assert_eq!(d.path, "/v1/payment_methods/pm_1Q/detach");
        assert!(Stripe.deleted(200, "{}") && !Stripe.deleted(404, "{}"));
    }
}
