//! The HTML document around the console: head, hydration scripts and `<body>`.

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::app::App;

/// The full HTML page the server renders for every console route (and for the 404 fallback).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    send_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The console's Content Security Policy for one response: this origin's script and the inline
/// hydration scripts that carry the response's `nonce`, its WebAssembly and style, nothing from
/// elsewhere, no frames; violations reported to the same place as the customer pages'. Under
/// `cargo leptos watch` (`dev_reload`) the reload script's websocket is allowed too.
pub fn console_policy(nonce: &str, dev_reload: bool) -> String {
    let connect = if dev_reload {
        "'self' ws: wss:"
    } else {
        "'self'"
    };
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self'; connect-src {connect}; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'; report-uri /c/csp-report"
    )
}

/// Sends the policy with the nonce Leptos puts on this response's inline scripts.
#[cfg(feature = "ssr")]
fn send_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let dev_reload = std::env::var("LEPTOS_WATCH").is_ok();
    if let Ok(value) = http::HeaderValue::from_str(&console_policy(&nonce, dev_reload)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn only_a_watching_developer_gets_the_reload_websocket() {
        let served = super::console_policy("n0nce", false);
        assert!(served.contains("connect-src 'self';") && !served.contains("ws:"));
        assert!(super::console_policy("n0nce", true).contains("connect-src 'self' ws: wss:;"));
        assert!(served.contains("'nonce-n0nce'") && !served.contains("'unsafe-inline'"));
    }

    /// The release binary reads `Leptos.toml`; its output name must match the stylesheet href.
    #[test]
    fn leptos_toml_parses_and_names_the_site_coffer() {
        let parsed = leptos::config::get_config_from_str(include_str!("../../Leptos.toml"));
        assert!(
            matches!(&parsed, Ok(options) if &*options.output_name == "coffer"
                && &*options.site_pkg_dir == "pkg"),
            "{:?}",
            parsed.map(|options| options.output_name)
        );
    }
}
