//! The console's "Expiring" flag follows the vault's configured alert window (its longest lead
//! time), not a window of its own.

use super::enrolled;
use crate::helpers::{TestApp, card_body, spawn_configured};
use coffer_vault::access::Role;
use serde_json::{Value, json};

/// A card whose last valid month is `ahead` months from this one.
async fn store_card(app: &TestApp, customer: &str, number: &str, ahead: i64) {
    let month = coffer_dlp::calendar::month_index(coffer_vault::clock::now_millis()) + ahead;
    let mut body = card_body(customer, number);
    body["card"]["exp_month"] = json!(month % 12 + 1);
    body["card"]["exp_year"] = json!(month / 12);
    let res = app
        .post(&app.admin_key, "/api/v1/payment_methods", &body)
        .await;
    assert_eq!(res.status(), 201);
}

/// `(last4, expiring_soon)` of each of the customer's methods on the console's customer page.
async fn flags(app: &TestApp, email: &str, customer: &str) -> Vec<(String, bool)> {
    let agent = enrolled(app, email, &[Role::SupportAgent]).await;
    let page = agent.ok("customer", &[("reference", customer)]).await;
    let mut out: Vec<(String, bool)> = page["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m: &Value| {
            let masked = m["masked"].as_str().unwrap();
            (
                masked[masked.len() - 4..].to_owned(),
                m["expiring_soon"].as_bool().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_expiring_flag_uses_the_configured_lead_time() {
    // Next month's card ends 29 to 62 days from now; the one three months on, 89 to 123 days.
    for (lead, expected) in [(vec![7], [false, false]), (vec![365, 30], [true, true])] {
        let app = spawn_configured(|c| c.lifecycle.policy.lead_days = lead.clone()).await;
        store_card(&app, "cus_window", "4242424242424242", 1).await;
        store_card(&app, "cus_window", "5555555555554444", 3).await;
        let got = flags(&app, "window@example.com", "cus_window").await;
        assert_eq!(
            got,
            vec![
                ("4242".to_owned(), expected[0]),
                ("4444".to_owned(), expected[1])
            ],
            "lead days {lead:?}"
        );
    }
}
