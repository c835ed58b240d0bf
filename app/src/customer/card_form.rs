//! The card-entry form customer pages share (a replacement card, a card given to a call-centre
//! agent): number, expiry, security code and name, posted as a plain form to the vault, which
//! alone decodes it.

use super::layout::error_line;
use leptos::prelude::*;

/// The form posting to `action`, with `error` under it and `button` as its label.
pub fn card_form(
    action: &'static str,
    error: Option<String>,
    button: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=action class="replace-form" autocomplete="on">
            <label for="number">"Card number"</label>
            <input id="number" name="number" inputmode="numeric" autocomplete="cc-number" maxlength="23" required />
            <fieldset class="expiry">
                <legend>"Expiry date"</legend>
                <label for="new_exp_month">"Month (MM)"</label>
                <input id="new_exp_month" name="exp_month" inputmode="numeric" autocomplete="cc-exp-month" maxlength="2" required />
                <label for="new_exp_year">"Year (YYYY)"</label>
                <input id="new_exp_year" name="exp_year" inputmode="numeric" autocomplete="cc-exp-year" maxlength="4" required />
            </fieldset>
            <label for="cvc">"Security code (CVC)"</label>
            <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" required />
            <label for="name">"Name on card (optional)"</label>
            <input id="name" name="name" autocomplete="cc-name" maxlength="100" />
            {error_line(error)}
            <button type="submit" class="primary">{button}</button>
        </form>
    }
}
