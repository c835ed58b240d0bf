//! The card-collection page: a caller gives a card to a call-centre agent by typing it on their
//! own device, from a link the agent sent; the agent never sees the digits.

use super::card_form::card_form;
use super::layout::document;
use leptos::prelude::*;

/// The page, with the last submission's error, if any.
pub fn collect_page(merchant: &str, attempts_left: i64, error: Option<String>) -> String {
    let tries = format!(
        "{attempts_left} {} left",
        if attempts_left == 1 { "try" } else { "tries" }
    );
    let merchant_name = merchant.to_owned();
    document(
        merchant,
        "Add your card",
        view! {
            <h1>"Add your card"</h1>
            <p>
                {format!(
                    "You are on the phone with {merchant_name}. Type your card here: the person \
                     helping you will not see the number, only that a card was added."
                )}
            </p>
            {card_form("?intent=collect", error, "Save this card")}
            <p class="hint">{tries}</p>
            <p class="hint">"The security code is checked and never stored."</p>
        },
    )
}

/// The end: the card was saved.
pub fn collect_done(merchant: &str, card: &str) -> String {
    let message = format!("Your card {card} is saved. You can tell the agent it is done.");
    document(
        merchant,
        "Card saved",
        view! {
            <div class="result ok" role="status">
                <h1>"Card saved"</h1>
                <p data-testid="result">{message}</p>
                <p>"You can close this page."</p>
            </div>
        },
    )
}
