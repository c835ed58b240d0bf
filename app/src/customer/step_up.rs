//! The step-up challenge page: the merchant, the amount, the masked card, and one action
//! (a code from the authenticator app, or the passkey).

use super::layout::{document, error_line};
use leptos::prelude::*;

/// What the challenge page shows.
#[derive(Debug, Clone)]
pub struct ChallengeView {
    pub merchant: String,
    pub amount: String,
    pub order_reference: String,
    /// "Visa •••• 4242": brand and last 4 at most.
    pub card: String,
    pub has_totp: bool,
    pub has_passkey: bool,
    pub attempts_left: i64,
    /// `14:32 UTC`.
    pub expires: String,
}

/// The challenge, with an error from the last try if any.
pub fn challenge_page(c: ChallengeView, error: Option<String>) -> String {
    let merchant = c.merchant.clone();
    let tries = format!(
        "{} {} left · expires at {}",
        c.attempts_left,
        if c.attempts_left == 1 { "try" } else { "tries" },
        c.expires
    );
    let code_form = c.has_totp.then(|| {
        view! {
            <form method="post" class="code-form">
                <label for="code">"Enter the 6-digit code from your authenticator app"</label>
                <input
                    id="code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9 ]*"
                    maxlength="7"
                    required
                    autofocus
                />
                <button type="submit" class="primary">"Approve payment"</button>
            </form>
        }
    });
    let passkey = c.has_passkey.then(|| {
        view! {
            <button type="button" class="primary" id="use-passkey" hidden>
                "Approve with passkey"
            </button>
            <p class="error" id="passkey-error" role="alert" hidden></p>
            <script src="/c/passkey.js" defer></script>
        }
    });
    document(
        &merchant,
        "Approve your payment",
        view! {
            <h1>"Approve your payment"</h1>
            <dl class="payment">
                <dt>"Merchant"</dt>
                <dd>{c.merchant}</dd>
                <dt>"Amount"</dt>
                <dd class="amount" data-testid="amount">{c.amount}</dd>
                <dt>"Card"</dt>
                <dd data-testid="card">{c.card}</dd>
                <dt>"Order"</dt>
                <dd>{c.order_reference}</dd>
            </dl>
            {error_line(error)}
            {passkey}
            {code_form}
            <p class="hint">{tries}</p>
            <p class="hint">"Didn't start this payment? Don't approve it, and contact the merchant."</p>
        },
    )
}

/// The end of a challenge: approved, or over (too many tries, expired).
pub fn challenge_result(merchant: &str, approved: bool, message: &str) -> String {
    let (title, class) = if approved {
        ("Payment approved", "result ok")
    } else {
        ("Payment not approved", "result failed")
    };
    let message = message.to_owned();
    document(
        merchant,
        title,
        view! {
            <div class=class role="status">
                <h1>{title}</h1>
                <p>{message}</p>
            </div>
        },
    )
}
