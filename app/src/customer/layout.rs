//! The frame every customer page shares: the merchant's name on top, one card of content, and
//! a plain footer saying who keeps the data.

use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// A whole HTML document around `body`, titled `title`.
pub fn document(merchant: &str, title: &str, body: impl IntoView + 'static) -> String {
    let merchant = merchant.to_owned();
    let title = format!("{title} · {merchant}");
    let page = view! {
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex" />
                <title>{title}</title>
                <link rel="stylesheet" href="/c/customer.css" />
            </head>
            <body class="customer">
                <header class="merchant">
                    <span class="merchant-name">{merchant}</span>
                    <span class="secure">"Secure verification"</span>
                </header>
                <main class="sheet">{body}</main>
                <footer class="fine">
                    "Your card details are kept in a PCI DSS vault. This page never shows your full card number."
                </footer>
            </body>
        </html>
    };
    format!("<!DOCTYPE html>{}", page.to_html())
}

/// An error line under a form, if any.
pub fn error_line(error: Option<String>) -> impl IntoView {
    error.map(|e| view! { <p class="error" role="alert">{e}</p> })
}
