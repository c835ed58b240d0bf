//! The enrolment pages: the landing page of a link, the factor list, adding an authenticator
//! app (QR code, manual key, first code) and the closing page.

use super::layout::{document, error_line};
use leptos::prelude::*;

/// The landing page: nothing is used up until the customer presses Continue.
pub fn enrol_landing(merchant: &str) -> String {
    let m = merchant.to_owned();
    document(
        merchant,
        "Protect your payments",
        view! {
            <h1>"Protect your payments"</h1>
            <p>
                {m}
                " asks for a second step when a payment with your saved card is large. Set it up with an authenticator app or a passkey (your phone's fingerprint or face unlock)."
            </p>
            <form method="post">
                <button type="submit" class="primary">"Continue"</button>
            </form>
            <p class="hint">"This link works once and expires after 24 hours."</p>
        },
    )
}

/// A link that is unknown, used or expired.
pub fn link_expired(merchant: &str) -> String {
    let m = merchant.to_owned();
    document(
        merchant,
        "Link expired",
        view! {
            <h1>"This link has expired"</h1>
            <p>
                "It was already used or is too old. Ask " {m}
                " for a new one, from your account page or their support."
            </p>
        },
    )
}

/// One factor in the list.
#[derive(Debug, Clone)]
pub struct FactorItem {
    pub id: String,
    pub kind: String,
    pub label: String,
    /// `2026-12-01`.
    pub added: String,
}

/// What a customer who already has factors can prove before making changes.
#[derive(Debug, Clone, Copy)]
pub struct Proof {
    pub has_totp: bool,
    pub has_passkey: bool,
}

fn proof_card(p: Proof) -> impl IntoView {
    let code = p.has_totp.then(|| {
        view! {
            <form method="post" action="/c/verify">
                <label for="proof-code">"Enter the 6-digit code from your authenticator app"</label>
                <input
                    id="proof-code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9 ]*"
                    maxlength="7"
                    required
                />
                <button type="submit" class="primary">"Confirm"</button>
            </form>
        }
    });
    let passkey = p.has_passkey.then(|| {
        view! {
            <button type="button" class="secondary" id="verify-passkey" hidden>
                "Confirm with passkey"
            </button>
        }
    });
    view! {
        <section class="proof" aria-labelledby="proof-heading">
            <h2 id="proof-heading">"Confirm it's you"</h2>
            <p>"Before you add or remove a method, use one you already have."</p>
            {code}
            {passkey}
        </section>
    }
}

/// The customer's factors, with add, remove and the every-use preference; while `proof` is
/// set, only the list and the proof form (changes wait for it).
pub fn factors_page(
    merchant: &str,
    factors: Vec<FactorItem>,
    always: bool,
    proof: Option<Proof>,
    notice: Option<String>,
    error: Option<String>,
) -> String {
    let locked = proof.is_some();
    let empty = factors.is_empty();
    let rows = factors
        .into_iter()
        .map(|f| {
            let action = format!("/c/factors/{}/remove", f.id);
            view! {
                <li class="factor" data-kind=f.kind.clone()>
                    <span class="what">
                        <strong>{f.label}</strong>
                        <small>"Added " {f.added}</small>
                    </span>
                    {(!locked).then(|| view! {
                        <form method="post" action=action.clone()>
                            <button type="submit" class="link">"Remove"</button>
                        </form>
                    })}
                </li>
            }
        })
        .collect_view();
    document(
        merchant,
        "Your verification methods",
        view! {
            <h1>"Your verification methods"</h1>
            {notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {error_line(error)}
            {if empty {
                view! { <p class="hint">"You have not added a method yet."</p> }.into_any()
            } else {
                view! { <ul class="factors">{rows}</ul> }.into_any()
            }}
            {proof.map(proof_card)}
            <p class="error" id="passkey-error" role="alert" hidden></p>
            <div class="actions" hidden=locked>
                <form method="post" action="/c/factors/totp">
                    <button type="submit" class="primary">"Add an authenticator app"</button>
                </form>
                <button type="button" class="secondary" id="add-passkey" hidden>
                    "Add a passkey"
                </button>
            </div>
            <form method="post" action="/c/preferences" class="preference" hidden=locked>
                <label>
                    <input type="checkbox" name="always" value="on" checked=always disabled=empty />
                    " Ask me on every payment with my saved card, not only large ones"
                </label>
                <button type="submit" class="link" disabled=empty>"Save"</button>
            </form>
            <form method="post" action="/c/done">
                <button type="submit" class="link">"I'm done"</button>
            </form>
            <script src="/c/passkey.js" defer></script>
        },
    )
}

/// A new authenticator key to scan, awaiting its first code.
pub struct TotpSetup {
    pub factor_id: String,
    /// The QR code's view-box size and path.
    pub qr: (u32, String),
    pub manual_key: String,
}

/// The authenticator-app step: scan, or type the key, then confirm with a code.
pub fn totp_setup(merchant: &str, setup: TotpSetup, error: Option<String>) -> String {
    let (size, path) = setup.qr;
    let view_box = format!("0 0 {size} {size}");
    let action = format!("/c/factors/totp/{}", setup.factor_id);
    document(
        merchant,
        "Add an authenticator app",
        view! {
            <h1>"Add an authenticator app"</h1>
            <p>"Open your authenticator app and scan this code."</p>
            <svg class="qr" viewBox=view_box role="img" aria-label="QR code for your authenticator app">
                <rect width="100%" height="100%" fill="#fff"></rect>
                <path d=path fill="#000"></path>
            </svg>
            <p class="hint">"Can't scan? Enter this key instead:"</p>
            <p class="manual-key" data-testid="manual-key">{setup.manual_key}</p>
            <form method="post" action=action>
                <label for="code">"Enter the 6-digit code your app shows"</label>
                <input
                    id="code"
                    name="code"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    pattern="[0-9 ]*"
                    maxlength="7"
                    required
                />
                {error_line(error)}
                <button type="submit" class="primary">"Confirm"</button>
            </form>
        },
    )
}

/// After "I'm done".
pub fn done_page(merchant: &str) -> String {
    let m = merchant.to_owned();
    document(
        merchant,
        "All set",
        view! {
            <h1>"All set"</h1>
            <p>"You can close this page. " {m} " will ask for your second step on large payments."</p>
        },
    )
}
