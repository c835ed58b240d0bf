//! The re-verification page: the card on file (masked) and two ways to keep paying with it:
//! confirm the new expiry printed on the renewed card, or enter a replacement card.

use super::card_form::card_form;
use super::layout::{document, error_line};
use leptos::prelude::*;

/// What the page shows.
#[derive(Debug, Clone)]
pub struct ReverifyView {
    pub merchant: String,
    /// "Visa •••• 4242": brand and last 4 at most.
    pub card: String,
    /// `MM/YYYY`.
    pub expiry: String,
    pub attempts_left: i64,
}

/// Which form an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReverifyForm {
    Expiry,
    Replace,
}

/// The page, with an error under the form that was sent, if any.
pub fn reverify_page(v: ReverifyView, error: Option<(ReverifyForm, String)>) -> String {
    let merchant = v.merchant.clone();
    let (expiry_error, replace_error) = match error {
        Some((ReverifyForm::Expiry, e)) => (Some(e), None),
        Some((ReverifyForm::Replace, e)) => (None, Some(e)),
        None => (None, None),
    };
    let open_replace = replace_error.is_some();
    let tries = format!(
        "{} {} left",
        v.attempts_left,
        if v.attempts_left == 1 { "try" } else { "tries" }
    );
    document(
        &merchant,
        "Update your card",
        view! {
            <h1>"Keep your card up to date"</h1>
            <p>"Your saved card is about to expire or has expired. Update it so your orders and subscriptions keep working."</p>
            <dl class="payment">
                <dt>"Card"</dt>
                <dd data-testid="card">{v.card}</dd>
                <dt>"Expires"</dt>
                <dd data-testid="expiry">{v.expiry}</dd>
            </dl>
            <section aria-labelledby="same-card">
                <h2 id="same-card">"Received a renewed card with the same number?"</h2>
                <form method="post" action="?intent=expiry" class="expiry-form">
                    <fieldset class="expiry">
                        <legend>"New expiry date"</legend>
                        <label for="exp_month">"Month (MM)"</label>
                        <input id="exp_month" name="exp_month" inputmode="numeric" maxlength="2" pattern="[0-9]*" required />
                        <label for="exp_year">"Year (YYYY)"</label>
                        <input id="exp_year" name="exp_year" inputmode="numeric" maxlength="4" pattern="[0-9]*" required />
                    </fieldset>
                    {error_line(expiry_error)}
                    <button type="submit" class="primary">"Confirm new expiry"</button>
                </form>
            </section>
            <details open=open_replace>
                <summary>"Use a different card instead"</summary>
                {card_form("?intent=replace", replace_error, "Save this card")}
            </details>
            <p class="hint">{tries}</p>
            <p class="hint">"The security code is checked and never stored."</p>
        },
    )
}

/// The end: the card was updated (or replaced).
pub fn reverify_done(merchant: &str, message: &str) -> String {
    let message = message.to_owned();
    document(
        merchant,
        "Card updated",
        view! {
            <div class="result ok" role="status">
                <h1>"Card updated"</h1>
                <p data-testid="result">{message}</p>
                <p>"You can close this page."</p>
            </div>
        },
    )
}
